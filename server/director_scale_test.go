package server

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"rapport/content"
	"rapport/courses"
	"rapport/server/store"
)

// seedLargeTeam fills a database with one team of n trainees and, per trainee, 7 quiz
// attempts over the quizzes of parts 1 to 4, 2 conversation runs over parts 1 and 2 with their
// steps, and lesson records; then it builds the summary rows as the migration does (a test in
// store shows the rebuild equals the rows written live). It returns the director and the team.
func seedLargeTeam(tb testing.TB, st *store.Store, cat *courses.Catalog, n int) (*store.User, *store.Team) {
	tb.Helper()
	ctx := context.Background()
	rng := mrand.New(mrand.NewPCG(1, 2))
	course, _ := cat.Course("difficult-customers")
	boss := &store.User{Email: "boss@example.com", Name: "Boss", Role: store.RoleDirector, PasswordHash: "x"}
	if err := st.CreateUser(ctx, boss); err != nil {
		tb.Fatal(err)
	}
	team := &store.Team{Name: "Everyone"}
	if err := st.CreateTeam(ctx, boss, team); err != nil {
		tb.Fatal(err)
	}
	var quizzes []*courses.Quiz
	var scenarios []*courses.Scenario
	for _, l := range course.Lessons[:4] {
		quizzes = append(quizzes, l.Quizzes...)
	}
	for _, l := range course.Lessons[:2] {
		scenarios = append(scenarios, l.Scenarios...)
	}
	base := day1.Add(-60 * 24 * time.Hour)
	at := func() time.Time { return base.Add(time.Duration(rng.IntN(60*24)) * time.Minute) }
	err := st.DB().Transaction(func(tx *gorm.DB) error {
		users := make([]map[string]any, n)
		for i := range users {
			users[i] = map[string]any{"email": fmt.Sprintf("t%05d@example.com", i), "name": fmt.Sprintf("Trainee %05d", i), "password_hash": "x", "role": store.RoleTrainee, "created_at": base}
		}
		if err := tx.Table("users").CreateInBatches(users, 500).Error; err != nil {
			return err
		}
		var ids []int64
		if err := tx.Table("users").Where("role = ?", store.RoleTrainee).Order("id").Pluck("id", &ids).Error; err != nil {
			return err
		}
		var members, attempts, lessons []map[string]any
		for _, id := range ids {
			members = append(members, map[string]any{"team_id": team.ID, "user_id": id, "joined_at": base})
			for k := range 7 {
				q := quizzes[k%len(quizzes)]
				picks := map[string][]int{}
				for _, qu := range q.Questions {
					picks[qu.ID] = []int{rng.IntN(len(qu.Choices))}
				}
				res, err := q.Grade(picks, course.PassMark)
				if err != nil { // a several-answer question with one pick still grades
					return err
				}
				answers, _ := json.Marshal(picks)
				attempts = append(attempts, map[string]any{"user_id": id, "course": course.Slug, "quiz": q.ID, "content_hash": q.Hash,
					"answers": string(answers), "score": res.Score, "passed": res.Passed, "created_at": at()})
			}
			for _, l := range course.Lessons[:3] {
				lessons = append(lessons, map[string]any{"user_id": id, "course": course.Slug, "lesson": l.Slug, "opened_at": at()})
			}
		}
		for _, batch := range []struct {
			table string
			rows  []map[string]any
		}{{"team_members", members}, {"quiz_attempts", attempts}, {"lesson_progresses", lessons}} {
			if err := tx.Table(batch.table).CreateInBatches(batch.rows, 500).Error; err != nil {
				return err
			}
		}
		for _, id := range ids {
			for _, sc := range scenarios {
				if err := seedRun(tx, rng, id, sc, at()); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if err := st.RebuildSummaries(ctx); err != nil {
		tb.Fatal(err)
	}
	return boss, team
}

// seedRun stores one run of sc along random replies, finished, with its steps.
func seedRun(tx *gorm.DB, rng *mrand.Rand, userID int64, sc *courses.Scenario, at time.Time) error {
	st := sc.Begin()
	var nodes []string
	for !sc.Current(st).End {
		nodes = append(nodes, st.Node)
		next, err := sc.Step(st, rng.IntN(len(sc.Current(st).Choices)))
		if err != nil {
			return err
		}
		st = next
	}
	path, _ := json.Marshal(st.Path)
	skills, _ := json.Marshal(st.Skills)
	run := &store.ScenarioRun{UserID: userID, Course: sc.Lesson.Course.Slug, Scenario: sc.ID, ContentHash: sc.Hash, Status: store.RunFinished,
		Node: st.Node, Mood: st.Mood, Steps: len(st.Path), Path: string(path), Skills: string(skills), Score: sc.Current(st).Score,
		CreatedAt: at, UpdatedAt: at, FinishedAt: &at}
	if err := tx.Create(run).Error; err != nil {
		return err
	}
	steps := make([]store.ScenarioStep, len(nodes))
	for i, node := range nodes {
		steps[i] = store.ScenarioStep{RunID: run.ID, Seq: i + 1, Node: node, Choice: st.Path[i], CreatedAt: at}
	}
	return tx.Create(&steps).Error
}

// BenchmarkTeamDashboard10000Trainees measures the director's pages for a team of 10,000
// trainees with 70,000 quiz attempts (and 20,000 finished conversations): the dashboard, the
// per-question and per-conversation reports, and the full matrix as CSV. Run with
//
//	go test ./server -run '^$' -bench TeamDashboard10000 -benchtime 20x
func BenchmarkTeamDashboard10000Trainees(b *testing.B) {
	st, err := store.Open(filepath.Join(b.TempDir(), "rapport.db"), func() time.Time { return day1 })
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	key := make([]byte, 96)
	_, _ = rand.Read(key)
	srv, err := New(Config{BaseURL: "http://127.0.0.1", SessionKey: key, Content: content.FS(), Now: func() time.Time { return day1 },
		Logger: discardLogger(), BcryptCost: bcrypt.MinCost}, st)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	boss, team := seedLargeTeam(b, st, srv.Catalog(), 10_000)
	var attempts int64
	st.DB().Table("quiz_attempts").Count(&attempts)
	b.Logf("seeded 10,000 trainees and %d quiz attempts in %s", attempts, time.Since(start).Round(time.Second))
	cookie, err := SessionCookie(key, false, boss.ID, day1)
	if err != nil {
		b.Fatal(err)
	}
	base := teamURL(team)
	for _, page := range []struct{ name, path string }{
		{"dashboard", base},
		{"dashboard-last-page", base + "?page=199"},
		{"quiz-report", base + "/quizzes/difficult-customers/p1-quiz"},
		{"conversation-report", base + "/conversations/difficult-customers/p1-surprise-bill"},
		{"matrix-csv", base + "?csv=difficult-customers-matrix"},
	} {
		b.Run(page.name, func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, page.path, nil)
				req.AddCookie(cookie)
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d\n%.300s", page.path, rec.Code, rec.Body.String())
				}
			}
		})
	}
}
