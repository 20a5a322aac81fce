package server

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"rapport/courses"
	"rapport/server/store"
)

// newAuthoringApp is newTestApp with authoring on: the course is seeded into the database and
// served from its published documents, checked for new publications every 50ms.
func newAuthoringApp(t *testing.T) *testApp {
	t.Helper()
	return newAppOn(t, filepath.Join(t.TempDir(), "rapport.db"), true)
}

// newAppOn starts a server on the given database file, so two instances can share one.
func newAppOn(t *testing.T, db string, authoring bool) *testApp {
	t.Helper()
	return startApp(t, db, &testClock{t: day1}, func(c *Config) {
		c.Authoring, c.ContentPoll = authoring, 50*time.Millisecond
	}, false)
}

// mkUser creates an account directly in the store; its password is "correct horse".
func (a *testApp) mkUser(role, email, name string) *store.User {
	a.t.Helper()
	hash, _ := bcrypt.GenerateFromPassword([]byte("correct horse"), bcrypt.MinCost)
	u := &store.User{Email: email, Name: name, Role: role, PasswordHash: string(hash)}
	if err := a.store.CreateUser(context.Background(), u); err != nil {
		a.t.Fatal(err)
	}
	return u
}

// as returns a browser signed in as u through the sign-in form.
func (a *testApp) as(u *store.User) *browser {
	a.t.Helper()
	b := a.browser()
	b.get("/login")
	if p := b.post("/login", url.Values{"email": {u.Email}, "password": {"correct horse"}}); p.status != http.StatusSeeOther {
		a.t.Fatalf("sign in as %s: %d", u.Email, p.status)
	}
	b.get("/")
	return b
}

// mkTeam creates a team owned by owner with the given members.
func (a *testApp) mkTeam(owner *store.User, name string, due *time.Time, members ...*store.User) *store.Team {
	a.t.Helper()
	ctx := context.Background()
	t := &store.Team{Name: name, DueAt: due}
	if err := a.store.CreateTeam(ctx, owner, t); err != nil {
		a.t.Fatal(err)
	}
	for _, m := range members {
		if _, err := a.store.JoinTeam(ctx, t, m); err != nil {
			a.t.Fatal(err)
		}
	}
	return t
}

// rightPicks answers every question of q correctly.
func rightPicks(q *courses.Quiz) map[string][]int {
	out := map[string][]int{}
	for _, qu := range q.Questions {
		for i, c := range qu.Choices {
			if c.Correct {
				out[qu.ID] = append(out[qu.ID], i)
			}
		}
	}
	return out
}

// takeQuiz grades picks as the quiz handler does and records the attempt; it returns the
// score.
func (a *testApp) takeQuiz(u *store.User, q *courses.Quiz, picks map[string][]int) int {
	a.t.Helper()
	res, err := q.Grade(picks, q.Lesson.Course.PassMark)
	if err != nil {
		a.t.Fatal(err)
	}
	att := &store.QuizAttempt{UserID: u.ID, Course: q.Lesson.Course.Slug, Quiz: q.ID, ContentHash: q.Hash, Score: res.Score, Passed: res.Passed}
	if err := a.store.RecordQuizAttempt(context.Background(), att, picks); err != nil {
		a.t.Fatal(err)
	}
	return res.Score
}

// play starts a run of sc and replies along path, as the conversation handlers do.
func (a *testApp) play(u *store.User, sc *courses.Scenario, path ...int) *store.ScenarioRun {
	a.t.Helper()
	ctx := context.Background()
	st := sc.Begin()
	run, err := a.store.StartRun(ctx, u.ID, sc.Lesson.Course.Slug, sc.ID, sc.Hash, runState(sc, st))
	if err != nil {
		a.t.Fatal(err)
	}
	for _, choice := range path {
		next, err := sc.Step(st, choice)
		if err != nil {
			a.t.Fatalf("step %d of %v: %v", choice, path, err)
		}
		if err := a.store.AppendStep(ctx, run, choice, runState(sc, next)); err != nil {
			a.t.Fatal(err)
		}
		st = next
	}
	return run
}

func (a *testApp) lesson(slug string) *courses.Lesson {
	a.t.Helper()
	c, _ := a.srv.Catalog().Course("difficult-customers")
	l, ok := c.Lesson(slug)
	if !ok {
		a.t.Fatalf("no lesson %s", slug)
	}
	return l
}
