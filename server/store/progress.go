package store

import (
	"context"
	"fmt"

	"gorm.io/gorm/clause"
)

// OpenLesson records the first time a user opens a lesson; later opens change nothing.
func (s *Store) OpenLesson(ctx context.Context, userID int64, course, lesson string) error {
	lp := LessonProgress{UserID: userID, Course: course, Lesson: lesson, OpenedAt: s.now().UTC()}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&lp).Error
	if err != nil {
		return fmt.Errorf("store: open lesson: %w", err)
	}
	return nil
}

// CompleteLesson marks a lesson complete (and opened, if it was not), keeping the first time.
func (s *Store) CompleteLesson(ctx context.Context, userID int64, course, lesson string) error {
	now := s.now().UTC()
	lp := LessonProgress{UserID: userID, Course: course, Lesson: lesson, OpenedAt: now, CompletedAt: &now}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}, {Name: "course"}, {Name: "lesson"}},
		DoUpdates: clause.Assignments(map[string]any{"completed_at": clause.Expr{SQL: "COALESCE(lesson_progresses.completed_at, ?)", Vars: []any{now}}}),
	}).Create(&lp).Error
	if err != nil {
		return fmt.Errorf("store: complete lesson: %w", err)
	}
	return nil
}

// LessonProgressFor returns a user's lesson records in a course, by lesson slug: the lesson
// and its times only, since it runs on every page view.
func (s *Store) LessonProgressFor(ctx context.Context, userID int64, course string) (map[string]LessonProgress, error) {
	out, err := s.lessonProgressRows(ctx, userID, course) // every page: see pagereads.go
	if err != nil {
		return nil, fmt.Errorf("store: lesson progress: %w", err)
	}
	return out, nil
}
