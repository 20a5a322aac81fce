package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// dumpSummaries reads every summary row in a fixed order, as text.
func dumpSummaries(t *testing.T, s *Store) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for table, order := range map[string]string{
		"quiz_scores":     "user_id, course, quiz",
		"question_firsts": "user_id, quiz, content_hash, question",
		"scenario_scores": "user_id, course, scenario",
		"scenario_firsts": "user_id, scenario, content_hash",
		"node_firsts":     "user_id, scenario, content_hash, node",
	} {
		rows, err := s.db.Table(table).Order(order).Rows()
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				if tm, ok := v.(time.Time); ok {
					vals[i] = tm.UTC().Format(time.RFC3339)
				}
			}
			out[table] = append(out[table], fmt.Sprintf("%v", vals))
		}
		rows.Close()
	}
	return out
}

// TestSummaryRowsWrittenWithAttemptsMatchARebuild checks the rows kept up to date at each
// write against the same rows rebuilt from the attempts and runs, which is what the migration
// does for data that predates them.
func TestSummaryRowsWrittenWithAttemptsMatchARebuild(t *testing.T) {
	s, _ := mustOpen(t)
	ctx := context.Background()
	base := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	// The clock moves a minute before each write, and stands still during it.
	now := base
	s.now = func() time.Time { return now }
	tick := func() { now = now.Add(time.Minute) }
	a := mustCreateUser(t, s, "a@example.com")
	b := mustCreateUser(t, s, "b@example.com")
	for _, at := range []struct {
		u      *User
		score  int
		hash   string
		answer map[string][]int
	}{
		{a, 40, "h1", map[string][]int{"x": {1}, "y": {0, 2}}},
		{a, 90, "h1", map[string][]int{"x": {0}, "y": {2}}},
		{a, 60, "h2", map[string][]int{"x": {3}}},
		{b, 100, "h1", map[string][]int{"x": {0}, "y": {0}}},
	} {
		tick()
		att := &QuizAttempt{UserID: at.u.ID, Course: "c", Quiz: "q", ContentHash: at.hash, Score: at.score, Passed: at.score >= 80}
		if err := s.RecordQuizAttempt(ctx, att, at.answer); err != nil {
			t.Fatal(err)
		}
	}
	score := func(n int) *int { return &n }
	for _, u := range []*User{a, a, b} {
		tick()
		run, err := s.StartRun(ctx, u.ID, "c", "sc", "h1", RunState{Node: "start", Mood: 2, Skills: map[string]int{}})
		if err != nil {
			t.Fatal(err)
		}
		tick()
		if err := s.AppendStep(ctx, run, 1, RunState{Node: "middle", Mood: 3, Path: []int{1}, Skills: map[string]int{"empathy": 1}}); err != nil {
			t.Fatal(err)
		}
		if u == b {
			continue // b's run stays under way
		}
		tick()
		if err := s.AppendStep(ctx, run, 0, RunState{Node: "end", Mood: 4, Path: []int{1, 0}, Skills: map[string]int{"empathy": 2}, Finished: true, Score: score(70 + len(u.Email))}); err != nil {
			t.Fatal(err)
		}
	}
	live := dumpSummaries(t, s)
	if len(live["quiz_scores"]) != 2 || len(live["question_firsts"]) != 5 || len(live["scenario_firsts"]) != 1 || len(live["node_firsts"]) != 3 {
		t.Fatalf("summary rows written with the attempts: %v", live)
	}
	if err := s.RebuildSummaries(ctx); err != nil {
		t.Fatal(err)
	}
	rebuilt := dumpSummaries(t, s)
	for table, rows := range live {
		if fmt.Sprint(rows) != fmt.Sprint(rebuilt[table]) {
			t.Errorf("%s:\n written %v\n rebuilt %v", table, rows, rebuilt[table])
		}
	}
}
