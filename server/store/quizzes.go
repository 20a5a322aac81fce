package store

import (
	"context"
	"encoding/json"
	"fmt"
)

// RecordQuizAttempt stores a graded attempt.
func (s *Store) RecordQuizAttempt(ctx context.Context, a *QuizAttempt, answers map[string][]int) error {
	b, err := json.Marshal(answers)
	if err != nil {
		return fmt.Errorf("store: record quiz attempt: %w", err)
	}
	a.Answers = string(b)
	a.CreatedAt = s.now().UTC()
	// Stored with the report summary rows it changes, in a transaction it may share with
	// other trainees' attempts (groupcommit.go).
	if err := s.storeAttempt(ctx, a, answers); err != nil {
		return fmt.Errorf("store: record quiz attempt: %w", err)
	}
	return nil
}

// QuizAttempt loads one of a user's attempts.
func (s *Store) QuizAttempt(ctx context.Context, userID, id int64) (*QuizAttempt, map[string][]int, error) {
	var a QuizAttempt
	if err := s.db.WithContext(ctx).Where("user_id = ?", userID).Take(&a, id).Error; err != nil {
		return nil, nil, notFound(err, "quiz attempt")
	}
	var answers map[string][]int
	if err := json.Unmarshal([]byte(a.Answers), &answers); err != nil {
		return nil, nil, fmt.Errorf("store: quiz attempt %d answers: %w", id, err)
	}
	return &a, answers, nil
}

// QuizSummary is a user's record on one quiz.
type QuizSummary struct {
	Quiz     string
	Attempts int
	Best     int
	Latest   int
	Passed   bool
}

// QuizSummaries returns a user's record on every quiz of a course they attempted, by quiz id.
// It reads the quiz_scores rows written in the same transaction as each attempt, one row per
// quiz, so a page view costs the same after the hundredth attempt as after the first.
func (s *Store) QuizSummaries(ctx context.Context, userID int64, course string) (map[string]QuizSummary, error) {
	out, err := s.quizSummaryRows(ctx, userID, course) // every page: see pagereads.go
	if err != nil {
		return nil, fmt.Errorf("store: quiz summaries: %w", err)
	}
	return out, nil
}
