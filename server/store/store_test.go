package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// mustOpen opens a store on a fresh SQLite file.
func mustOpen(tb testing.TB) (*Store, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "rapport.db")
	s, err := Open(path, func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) })
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s, path
}

func mustCreateUser(tb testing.TB, s *Store, email string) *User {
	tb.Helper()
	u := &User{Email: email, Name: "Test", PasswordHash: "x"}
	if err := s.CreateUser(context.Background(), u); err != nil {
		tb.Fatal(err)
	}
	return u
}

func TestOpenSetsUpSQLiteAndMigratesOnce(t *testing.T) {
	s, path := mustOpen(t)
	var mode string
	var fk int
	s.db.Raw("PRAGMA journal_mode").Scan(&mode)
	s.db.Raw("PRAGMA foreign_keys").Scan(&fk)
	if mode != "wal" || fk != 1 {
		t.Fatalf("journal_mode=%s foreign_keys=%d, want wal and 1", mode, fk)
	}
	mustCreateUser(t, s, "a@example.com")
	s.Close()
	again, err := Open(path, nil)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer again.Close()
	var migrations int64
	again.db.Table("migrations").Count(&migrations)
	if _, err := again.UserByEmail(context.Background(), "A@Example.com"); err != nil || migrations != int64(len(migrationsList())) {
		t.Fatalf("after reopen: user %v, %d migrations recorded", err, migrations)
	}
}

func migrationsList() []string {
	var ids []string
	for _, m := range migrations() {
		ids = append(ids, m.ID)
	}
	return ids
}

func TestUsers(t *testing.T) {
	s, _ := mustOpen(t)
	ctx := context.Background()
	u := mustCreateUser(t, s, "Ana@Example.com")
	if u.Email != "ana@example.com" || u.Role != RoleTrainee {
		t.Fatalf("created %+v", u)
	}
	if err := s.CreateUser(ctx, &User{Email: "ANA@example.com", Name: "B", PasswordHash: "x"}); !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate email: %v, want ErrConflict", err)
	}
	if _, err := s.UserByID(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing user: %v, want ErrNotFound", err)
	}
}

func TestLessonProgressKeepsTheFirstTimes(t *testing.T) {
	s, _ := mustOpen(t)
	ctx := context.Background()
	u := mustCreateUser(t, s, "a@example.com")
	for range 2 {
		if err := s.OpenLesson(ctx, u.ID, "c", "l"); err != nil {
			t.Fatal(err)
		}
	}
	first := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	if err := s.CompleteLesson(ctx, u.ID, "c", "l"); err != nil {
		t.Fatal(err)
	}
	s.now = func() time.Time { return first.Add(time.Hour) }
	if err := s.CompleteLesson(ctx, u.ID, "c", "l"); err != nil {
		t.Fatal(err)
	}
	got, err := s.LessonProgressFor(ctx, u.ID, "c")
	if err != nil {
		t.Fatal(err)
	}
	lp := got["l"]
	if len(got) != 1 || lp.CompletedAt == nil || !lp.CompletedAt.Equal(first) || !lp.OpenedAt.Equal(first) {
		t.Fatalf("progress %+v", lp)
	}
}

func TestAppendStepRefusesAStaleRun(t *testing.T) {
	s, _ := mustOpen(t)
	ctx := context.Background()
	u := mustCreateUser(t, s, "a@example.com")
	run, err := s.StartRun(ctx, u.ID, "c", "sc", "h1", RunState{Node: "start", Mood: 2, Skills: map[string]int{}})
	if err != nil {
		t.Fatal(err)
	}
	stale := *run
	if err := s.AppendStep(ctx, run, 1, RunState{Node: "next", Mood: 3, Path: []int{1}, Skills: map[string]int{"empathy": 1}}); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendStep(ctx, &stale, 0, RunState{Node: "other", Mood: 1, Path: []int{0}, Skills: map[string]int{}}); !errors.Is(err, ErrStale) {
		t.Fatalf("second writer from the same state: %v, want ErrStale", err)
	}
	score := 80
	if err := s.AppendStep(ctx, run, 0, RunState{Node: "end", Mood: 4, Path: []int{1, 0}, Skills: map[string]int{"empathy": 2}, Finished: true, Score: &score}); err != nil {
		t.Fatal(err)
	}
	latest, err := s.LatestRun(ctx, u.ID, "c", "sc")
	if err != nil {
		t.Fatal(err)
	}
	path, _ := RunPath(latest)
	var steps int64
	s.db.Table("scenario_steps").Where("run_id = ?", run.ID).Count(&steps)
	if latest.Status != RunFinished || latest.Node != "end" || len(path) != 2 || steps != 2 || latest.FinishedAt == nil || *latest.Score != 80 {
		t.Fatalf("run %+v, %d steps", latest, steps)
	}
	sums, err := s.ScenarioSummaries(ctx, u.ID, "c")
	if err != nil || sums["sc"].Finished != 1 || sums["sc"].Best == nil || sums["sc"].Active {
		t.Fatalf("summaries %+v %v", sums, err)
	}
}

func TestQuizSummaries(t *testing.T) {
	s, _ := mustOpen(t)
	ctx := context.Background()
	u := mustCreateUser(t, s, "a@example.com")
	for _, score := range []int{40, 90, 60} {
		a := &QuizAttempt{UserID: u.ID, Course: "c", Quiz: "q", ContentHash: "h", Score: score, Passed: score >= 80}
		if err := s.RecordQuizAttempt(ctx, a, map[string][]int{"x": {1}}); err != nil {
			t.Fatal(err)
		}
	}
	sums, err := s.QuizSummaries(ctx, u.ID, "c")
	q := sums["q"]
	if err != nil || q.Attempts != 3 || q.Best != 90 || q.Latest != 60 || !q.Passed {
		t.Fatalf("summary %+v %v", q, err)
	}
	other := mustCreateUser(t, s, "b@example.com")
	if _, _, err := s.QuizAttempt(ctx, other.ID, q.LatestID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another user's attempt: %v, want ErrNotFound", err)
	}
}
