package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// RunState is what a step writes: the conversation's state after the reply.
type RunState struct {
	Node     string
	Mood     int
	Path     []int
	Skills   map[string]int
	Finished bool
	Score    *int
}

// LatestRun returns the user's latest run of a conversation, finished or not.
func (s *Store) LatestRun(ctx context.Context, userID int64, course, scenario string) (*ScenarioRun, error) {
	var r ScenarioRun
	err := s.db.WithContext(ctx).Where("user_id = ? AND course = ? AND scenario = ?", userID, course, scenario).
		Order("id DESC").Take(&r).Error
	if err != nil {
		return nil, notFound(err, "latest run")
	}
	return &r, nil
}

// StartRun begins a new run at the conversation's start.
func (s *Store) StartRun(ctx context.Context, userID int64, course, scenario, hash string, st RunState) (*ScenarioRun, error) {
	r := &ScenarioRun{UserID: userID, Course: course, Scenario: scenario, ContentHash: hash, Status: RunActive}
	if err := applyState(r, st, s.now().UTC()); err != nil {
		return nil, fmt.Errorf("store: start run: %w", err)
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(r).Error; err != nil {
			return err
		}
		return summariseRunStart(tx, r)
	})
	if err != nil {
		return nil, fmt.Errorf("store: start run: %w", err)
	}
	return r, nil
}

// AppendStep records one reply and the state it led to, in one transaction. It fails with
// ErrStale when the run moved on since the caller read it (a second tab, a double click), so a
// reply is never applied to a state the trainee did not see.
func (s *Store) AppendStep(ctx context.Context, run *ScenarioRun, choice int, st RunState) error {
	prevSteps := run.Steps
	next := *run
	if err := applyState(&next, st, s.now().UTC()); err != nil {
		return fmt.Errorf("store: append step: %w", err)
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		step := ScenarioStep{RunID: run.ID, Seq: prevSteps + 1, Node: run.Node, Choice: choice, MoodAfter: st.Mood}
		res := tx.Model(&ScenarioRun{}).Where("id = ? AND steps = ? AND status = ?", run.ID, prevSteps, RunActive).
			Updates(map[string]any{
				"node": next.Node, "mood": next.Mood, "steps": next.Steps, "path": next.Path,
				"skills": next.Skills, "status": next.Status, "score": next.Score,
				"finished_at": next.FinishedAt, "updated_at": s.now().UTC(),
			})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrStale
		}
		if err := tx.Create(&step).Error; err != nil {
			return err
		}
		return summariseStep(tx, run, &next, choice, s.now().UTC())
	})
	if err != nil {
		if errors.Is(err, ErrStale) || errors.Is(err, gorm.ErrDuplicatedKey) {
			return fmt.Errorf("store: append step: %w", ErrStale)
		}
		return fmt.Errorf("store: append step: %w", err)
	}
	*run = next
	return nil
}

func applyState(r *ScenarioRun, st RunState, now time.Time) error {
	path, err := json.Marshal(st.Path)
	if err != nil {
		return err
	}
	if st.Path == nil {
		path = []byte("[]")
	}
	skills, err := json.Marshal(st.Skills)
	if err != nil {
		return err
	}
	r.Node, r.Mood, r.Steps, r.Path, r.Skills = st.Node, st.Mood, len(st.Path), string(path), string(skills)
	if st.Finished {
		r.Status, r.Score = RunFinished, st.Score
		r.FinishedAt = &now
	}
	return nil
}

// RunPath decodes a run's stored path of reply indexes.
func RunPath(r *ScenarioRun) ([]int, error) {
	var p []int
	if err := json.Unmarshal([]byte(r.Path), &p); err != nil {
		return nil, fmt.Errorf("store: run %d path: %w", r.ID, err)
	}
	return p, nil
}

// RunSkills decodes a run's stored skill totals.
func RunSkills(r *ScenarioRun) (map[string]int, error) {
	m := map[string]int{}
	if err := json.Unmarshal([]byte(r.Skills), &m); err != nil {
		return nil, fmt.Errorf("store: run %d skills: %w", r.ID, err)
	}
	return m, nil
}

// ScenarioSummary is a user's record on one conversation.
type ScenarioSummary struct {
	Scenario  string
	Runs      int
	Finished  int
	Best      *ScenarioRun // the finished run with the highest score
	Active    bool         // the latest run is still under way
	LatestRun int64
}

// ScenarioSummaries returns a user's record on every conversation of a course, by id.
func (s *Store) ScenarioSummaries(ctx context.Context, userID int64, course string) (map[string]ScenarioSummary, error) {
	// Only what a summary needs, read without GORM: every page view runs this (pagereads.go).
	rows, err := s.scenarioRunRows(ctx, userID, course)
	if err != nil {
		return nil, fmt.Errorf("store: scenario summaries: %w", err)
	}
	out := map[string]ScenarioSummary{}
	for i := range rows {
		r := &rows[i]
		sum := out[r.Scenario]
		sum.Scenario = r.Scenario
		sum.Runs++
		sum.Active = r.Status == RunActive
		sum.LatestRun = r.ID
		if r.Status == RunFinished {
			sum.Finished++
			if sum.Best == nil || (r.Score != nil && sum.Best.Score != nil && *r.Score > *sum.Best.Score) {
				sum.Best = r
			}
		}
		out[r.Scenario] = sum
	}
	return out, nil
}
