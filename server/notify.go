package server

import (
	"context"
	"log/slog"
	"time"

	"rapport/server/store"
)

// Start runs the background work until ctx ends or Shutdown: the outbox worker and the
// scheduler that queues a mail when an installment's publish time passes. Every instance
// may run both; the store makes sure each mail is queued once and sent by one worker.
func (s *Server) Start(ctx context.Context) {
	b := &s.subs
	b.bgMu.Lock()
	defer b.bgMu.Unlock()
	if b.bgCancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	b.bgCancel, b.bgDone = cancel, done
	go func() {
		defer close(done)
		mailerDone := make(chan struct{})
		go func() { defer close(mailerDone); b.mailer.Run(ctx) }()
		s.runScheduler(ctx)
		<-mailerDone
	}()
}

// stopBackground stops what Start started and waits for it, at most until ctx ends. A mail
// being sent is finished and recorded first (see mail.Worker).
func (s *Server) stopBackground(ctx context.Context) error {
	b := &s.subs
	b.bgMu.Lock()
	cancel, done := b.bgCancel, b.bgDone
	b.bgCancel, b.bgDone = nil, nil
	b.bgMu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Server) runScheduler(ctx context.Context) {
	every := s.cfg.NotifyPoll
	if every <= 0 {
		every = time.Minute
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if _, err := s.NotifyDue(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("installment scheduler", slog.Any("err", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// NotifyDue queues the mails for every installment whose publish time has passed, by the
// server's clock, and returns how many it queued. Running it again, at any time and on any
// number of instances, queues nothing twice (store.QueueNotifications, which also explains
// who is told about what).
func (s *Server) NotifyDue(ctx context.Context) (int, error) {
	now, total := s.now(), 0
	for _, c := range s.Catalog().Courses {
		for _, l := range c.Lessons {
			if !l.IsPublished(now) {
				continue
			}
			inst := store.Installment{Key: c.Slug + "/" + l.Slug, PublishedAt: l.Publish}
			n, err := s.store.QueueNotifications(ctx, inst, s.composeNotify(l))
			total += n
			if err != nil {
				return total, err
			}
			if n > 0 {
				s.log.Info("installment announced", slog.String("installment", inst.Key), slog.Int("mails", n))
			}
		}
	}
	if total > 0 {
		s.subs.mailer.Kick()
	}
	return total, nil
}
