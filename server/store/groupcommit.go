package store

import (
	"context"
	"sync"

	"gorm.io/gorm"
)

// attemptQueue gathers the quiz attempts waiting for the database writer so that one
// transaction stores several of them (group commit). With many trainees submitting at once,
// BEGIN and COMMIT (the WAL write) were a third of each attempt's time on the single writer;
// shared by a batch they nearly vanish, while each attempt is still acknowledged only after
// the transaction holding it has committed.
type attemptQueue struct {
	mu      sync.Mutex
	pending []*queuedAttempt
	running bool
}

type queuedAttempt struct {
	a       *QuizAttempt
	answers map[string][]int
	done    chan error
}

// maxAttemptBatch bounds one transaction, so a huge queue still commits in steady steps.
const maxAttemptBatch = 64

// storeAttempt queues the attempt and waits until the transaction holding it has ended. A
// writer goroutine runs while attempts are waiting and stops when none are.
func (s *Store) storeAttempt(ctx context.Context, a *QuizAttempt, answers map[string][]int) error {
	q := &queuedAttempt{a: a, answers: answers, done: make(chan error, 1)}
	s.attempts.mu.Lock()
	s.attempts.pending = append(s.attempts.pending, q)
	start := !s.attempts.running
	s.attempts.running = true
	s.attempts.mu.Unlock()
	if start {
		// Not cancelled with this request: the batch holds other trainees' attempts too.
		go s.writeAttempts(context.WithoutCancel(ctx))
	}
	// Waited for even if the client has gone, so the answer always says what happened.
	return <-q.done
}

func (s *Store) writeAttempts(ctx context.Context) {
	for {
		s.attempts.mu.Lock()
		n := min(len(s.attempts.pending), maxAttemptBatch)
		if n == 0 {
			s.attempts.pending, s.attempts.running = nil, false
			s.attempts.mu.Unlock()
			return
		}
		batch := s.attempts.pending[:n:n]
		s.attempts.pending = append([]*queuedAttempt(nil), s.attempts.pending[n:]...)
		s.attempts.mu.Unlock()

		err := s.insertAttempts(ctx, batch)
		if err != nil && len(batch) > 1 {
			// One bad attempt must not fail the others: store each on its own.
			for _, q := range batch {
				q.a.ID = 0
			}
			for _, q := range batch {
				q.done <- s.insertAttempts(ctx, []*queuedAttempt{q})
			}
			continue
		}
		for _, q := range batch {
			q.done <- err
		}
	}
}

// insertAttempts stores a batch of attempts, and the report summary rows each one changes (see
// reports.go), in one transaction.
func (s *Store) insertAttempts(ctx context.Context, batch []*queuedAttempt) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		rows := make([]*QuizAttempt, len(batch))
		for i, q := range batch {
			rows[i] = q.a
		}
		if err := tx.Create(rows).Error; err != nil {
			return err
		}
		for _, q := range batch {
			a := q.a
			if err := summariseAttempt(tx, a.UserID, a.Course, a.Quiz, a.ContentHash, a.Score, a.Passed, a.CreatedAt, q.answers); err != nil {
				return err
			}
		}
		return nil
	})
}
