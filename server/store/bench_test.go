package store

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
)

// Benchmarks of the writes on the hot path, on a real SQLite file in WAL mode:
//
//	go test ./server/store -run '^$' -bench . -benchmem

func benchAttempt(users []*User, i int) (*QuizAttempt, map[string][]int) {
	u := users[i%len(users)]
	a := &QuizAttempt{UserID: u.ID, Course: "difficult-customers", Quiz: "p1-quiz", ContentHash: "0123456789abcdef", Score: 80, Passed: true}
	return a, map[string][]int{"q1": {1}, "q2": {0, 2}, "q3": {3}, "q4": {1}, "q5": {2}}
}

func benchUsers(b *testing.B, s *Store, n int) []*User {
	b.Helper()
	users := make([]*User, n)
	for i := range users {
		users[i] = mustCreateUser(b, s, "bench"+strconv.Itoa(i)+"@example.com")
	}
	return users
}

// BenchmarkRecordQuizAttempt writes one attempt at a time: one insert transaction each.
func BenchmarkRecordQuizAttempt(b *testing.B) {
	s, _ := mustOpen(b)
	users := benchUsers(b, s, 64)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		a, answers := benchAttempt(users, i)
		if err := s.RecordQuizAttempt(ctx, a, answers); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkRecordQuizAttemptParallel writes attempts from 64 goroutines at once, as 64 clients
// submitting quizzes do: it shows how writers queue for SQLite's single write lock.
func BenchmarkRecordQuizAttemptParallel(b *testing.B) {
	s, _ := mustOpen(b)
	users := benchUsers(b, s, 64)
	ctx := context.Background()
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(32) // 32 × GOMAXPROCS(2) = 64 writers
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			a, answers := benchAttempt(users, int(next.Add(1)))
			if err := s.RecordQuizAttempt(ctx, a, answers); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
