package store

import (
	"context"
	"sync"
	"testing"
)

func TestConcurrentAttemptsAreAllStoredAndABadOneFailsAlone(t *testing.T) {
	s, _ := mustOpen(t)
	u := mustCreateUser(t, s, "many@example.com")
	ctx := context.Background()
	const n = 200
	attempts := make([]*QuizAttempt, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range attempts {
		userID := u.ID
		if i == n/2 {
			userID = u.ID + 1000 // no such user: the foreign key refuses it
		}
		attempts[i] = &QuizAttempt{UserID: userID, Course: "c", Quiz: "q", ContentHash: "h", Score: i % 101, Passed: i%2 == 0}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = s.RecordQuizAttempt(ctx, attempts[i], map[string][]int{"a": {i % 3}})
		}(i)
	}
	wg.Wait()
	ids := map[int64]bool{}
	for i, err := range errs {
		if i == n/2 {
			if err == nil {
				t.Fatal("an attempt by a missing user was stored")
			}
			continue
		}
		if err != nil || attempts[i].ID == 0 || ids[attempts[i].ID] {
			t.Fatalf("attempt %d: err %v, id %d (seen before: %v)", i, err, attempts[i].ID, ids[attempts[i].ID])
		}
		ids[attempts[i].ID] = true
	}
	var rows int64
	s.db.Model(&QuizAttempt{}).Count(&rows)
	if rows != n-1 {
		t.Fatalf("%d attempts stored, want %d", rows, n-1)
	}
	sums, err := s.QuizSummaries(ctx, u.ID, "c")
	if err != nil || sums["q"].Attempts != n-1 {
		t.Fatalf("summary %+v, %v; want %d attempts", sums["q"], err, n-1)
	}
}
