package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"rapport/server/store"
	"rapport/server/store/storetest"
)

// clock is a settable time source shared by a store and its test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

var noon = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// eachEngine runs the test body on SQLite and, when available, PostgreSQL.
func eachEngine(t *testing.T, body func(t *testing.T, s *store.Store, c *clock)) {
	for _, kind := range storetest.Engines(t) {
		t.Run(kind, func(t *testing.T) {
			c := &clock{t: noon}
			body(t, storetest.Open(t, kind, c.now), c)
		})
	}
}

func mustCreateUser(tb testing.TB, s *store.Store, email string) *store.User {
	tb.Helper()
	u := &store.User{Email: email, Name: "Test", PasswordHash: "x"}
	if err := s.CreateUser(context.Background(), u); err != nil {
		tb.Fatal(err)
	}
	return u
}

func TestSQLiteRunsInWALWithForeignKeysAndMigratesOnce(t *testing.T) {
	dsn := storetest.DSN(t, "sqlite")
	s, err := store.Open(dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mode string
	var fk int
	s.DB().Raw("PRAGMA journal_mode").Scan(&mode)
	s.DB().Raw("PRAGMA foreign_keys").Scan(&fk)
	if mode != "wal" || fk != 1 {
		t.Fatalf("journal_mode=%s foreign_keys=%d, want wal and 1", mode, fk)
	}
	var before int64
	s.DB().Table("migrations").Count(&before)
	mustCreateUser(t, s, "a@example.com")
	s.Close()
	again, err := store.Open(dsn, nil)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer again.Close()
	var after int64
	again.DB().Table("migrations").Count(&after)
	if _, err := again.UserByEmail(context.Background(), "A@Example.com"); err != nil || before == 0 || after != before {
		t.Fatalf("after reopen: user %v; migrations recorded %d then %d", err, before, after)
	}
}

func TestUsers(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store, _ *clock) {
		ctx := context.Background()
		u := mustCreateUser(t, s, "Ana@Example.com")
		if u.Email != "ana@example.com" || u.Role != store.RoleTrainee {
			t.Fatalf("created %+v", u)
		}
		if err := s.CreateUser(ctx, &store.User{Email: "ANA@example.com", Name: "B", PasswordHash: "x"}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate email: %v, want ErrConflict", err)
		}
		if _, err := s.UserByID(ctx, 999); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing user: %v, want ErrNotFound", err)
		}
	})
}

func TestLessonProgressKeepsTheFirstTimes(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		u := mustCreateUser(t, s, "a@example.com")
		for range 2 {
			if err := s.OpenLesson(ctx, u.ID, "c", "l"); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CompleteLesson(ctx, u.ID, "c", "l"); err != nil {
			t.Fatal(err)
		}
		c.set(noon.Add(time.Hour))
		if err := s.CompleteLesson(ctx, u.ID, "c", "l"); err != nil {
			t.Fatal(err)
		}
		if err := s.CompleteLesson(ctx, u.ID, "c", "other"); err != nil {
			t.Fatal(err)
		}
		got, err := s.LessonProgressFor(ctx, u.ID, "c")
		if err != nil {
			t.Fatal(err)
		}
		lp := got["l"]
		if len(got) != 2 || lp.CompletedAt == nil || !lp.CompletedAt.Equal(noon) || !lp.OpenedAt.Equal(noon) {
			t.Fatalf("progress %+v", got)
		}
	})
}

func TestAppendStepRefusesAStaleRun(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store, _ *clock) {
		ctx := context.Background()
		u := mustCreateUser(t, s, "a@example.com")
		run, err := s.StartRun(ctx, u.ID, "c", "sc", "h1", store.RunState{Node: "start", Mood: 2, Skills: map[string]int{}})
		if err != nil {
			t.Fatal(err)
		}
		stale := *run
		if err := s.AppendStep(ctx, run, 1, store.RunState{Node: "next", Mood: 3, Path: []int{1}, Skills: map[string]int{"empathy": 1}}); err != nil {
			t.Fatal(err)
		}
		if err := s.AppendStep(ctx, &stale, 0, store.RunState{Node: "other", Mood: 1, Path: []int{0}, Skills: map[string]int{}}); !errors.Is(err, store.ErrStale) {
			t.Fatalf("second writer from the same state: %v, want ErrStale", err)
		}
		score := 80
		if err := s.AppendStep(ctx, run, 0, store.RunState{Node: "end", Mood: 4, Path: []int{1, 0}, Skills: map[string]int{"empathy": 2}, Finished: true, Score: &score}); err != nil {
			t.Fatal(err)
		}
		latest, err := s.LatestRun(ctx, u.ID, "c", "sc")
		if err != nil {
			t.Fatal(err)
		}
		path, _ := store.RunPath(latest)
		var steps int64
		s.DB().Table("scenario_steps").Where("run_id = ?", run.ID).Count(&steps)
		if latest.Status != store.RunFinished || latest.Node != "end" || len(path) != 2 || steps != 2 || latest.FinishedAt == nil || *latest.Score != 80 {
			t.Fatalf("run %+v, %d steps", latest, steps)
		}
		sums, err := s.ScenarioSummaries(ctx, u.ID, "c")
		if err != nil || sums["sc"].Finished != 1 || sums["sc"].Best == nil || sums["sc"].Active {
			t.Fatalf("summaries %+v %v", sums, err)
		}
	})
}

func TestQuizSummaries(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store, _ *clock) {
		ctx := context.Background()
		u := mustCreateUser(t, s, "a@example.com")
		for _, score := range []int{40, 90, 60} {
			a := &store.QuizAttempt{UserID: u.ID, Course: "c", Quiz: "q", ContentHash: "h", Score: score, Passed: score >= 80}
			if err := s.RecordQuizAttempt(ctx, a, map[string][]int{"x": {1}}); err != nil {
				t.Fatal(err)
			}
		}
		sums, err := s.QuizSummaries(ctx, u.ID, "c")
		q := sums["q"]
		if err != nil || q.Attempts != 3 || q.Best != 90 || q.Latest != 60 || !q.Passed {
			t.Fatalf("summary %+v %v", q, err)
		}
		var latestID int64
		s.DB().Table("quiz_attempts").Select("MAX(id)").Scan(&latestID)
		if _, _, err := s.QuizAttempt(ctx, u.ID, latestID); err != nil {
			t.Fatalf("own attempt: %v", err)
		}
		other := mustCreateUser(t, s, "b@example.com")
		if _, _, err := s.QuizAttempt(ctx, other.ID, latestID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another user's attempt: %v, want ErrNotFound", err)
		}
	})
}

func TestBackupIsForSQLite(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store, _ *clock) {
		err := s.Backup(context.Background(), t.TempDir()+"/copy.db")
		if s.Postgres() != (err != nil) {
			t.Fatalf("backup on postgres=%v: %v", s.Postgres(), err)
		}
	})
}
