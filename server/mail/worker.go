package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"rapport/server/store"
)

// Retry is the backoff for failed sends: the wait doubles from First up to Cap, and after Max
// attempts the message is marked failed. The defaults (1m, 2m, 4m ... 64m, 2h, 2h; 10
// attempts) ride out about six hours of a mail server being down.
type Retry struct {
	Max        int
	First, Cap time.Duration
}

// DefaultRetry is the backoff used when none is given.
var DefaultRetry = Retry{Max: 10, First: time.Minute, Cap: 2 * time.Hour}

// After is the wait after the given number of failed attempts.
func (r Retry) After(attempts int) time.Duration {
	d := r.First
	for i := 1; i < attempts && d < r.Cap; i++ {
		d *= 2
	}
	return min(d, r.Cap)
}

// WorkerConfig is what a worker needs. Zero durations take the defaults.
type WorkerConfig struct {
	Store    *store.Store
	Settings Settings
	Now      func() time.Time
	Log      *slog.Logger
	// Poll is how often the outbox is checked when nobody kicks the worker (default 5s).
	Poll time.Duration
	// Lease is how long a claimed message is this worker's. It must outlast one send (the SMTP
	// timeout is 30s per step), or another worker could send the same message (default 5m).
	Lease time.Duration
	Retry Retry
}

// Worker drains the outbox. Any number of workers, in one process or many, may share a
// database: each message is claimed by exactly one (see store.ClaimMail).
//
// Delivery is at least once, not exactly once: if a worker dies after the SMTP server
// accepted a message and before the row says so, the lease runs out and another worker
// sends it again. The window is one database write long; a result is recorded even when
// shutdown has begun, and the stable Message-ID lets receiving systems drop the copy.
type Worker struct {
	cfg   WorkerConfig
	owner string
	tr    transport
	kick  chan struct{}
}

// NewWorker builds a worker: over SMTP when the settings name a server, to the log otherwise.
func NewWorker(cfg WorkerConfig) (*Worker, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 5 * time.Second
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 5 * time.Minute
	}
	if cfg.Retry.Max <= 0 {
		cfg.Retry = DefaultRetry
	}
	if err := CheckFrom(cfg.Settings.From); err != nil {
		return nil, err
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	w := &Worker{cfg: cfg, owner: "worker-" + hex.EncodeToString(b), kick: make(chan struct{}, 1)}
	if cfg.Settings.Enabled() {
		tr, err := newSMTPTransport(cfg.Settings)
		if err != nil {
			return nil, err
		}
		w.tr = tr
	} else {
		w.tr = logTransport{log: cfg.Log}
	}
	return w, nil
}

// Kick asks the worker to look at the outbox now, for mail just queued.
func (w *Worker) Kick() {
	select {
	case w.kick <- struct{}{}:
	default: // a look is already due
	}
}

// Run drains the outbox until ctx ends, then closes the connection.
func (w *Worker) Run(ctx context.Context) {
	defer w.tr.close()
	tick := time.NewTicker(w.cfg.Poll)
	defer tick.Stop()
	for {
		if _, err := w.Drain(ctx); err != nil && ctx.Err() == nil {
			w.cfg.Log.Error("mail worker", slog.Any("err", err))
		}
		w.tr.idle()
		select {
		case <-ctx.Done():
			return
		case <-w.kick:
		case <-tick.C:
		}
	}
}

// claimBatch is how many messages a worker claims at once: one database write for the
// batch instead of one per message. Small enough that a batch's sends take seconds, far
// inside the lease, when the mail server answers at all.
const claimBatch = 32

// Drain sends every message that is due, a claimed batch at a time, and returns how many it
// tried. It is what Run does on each wake-up; tests call it to step the worker.
func (w *Worker) Drain(ctx context.Context) (int, error) {
	n := 0
	for ctx.Err() == nil {
		batch, err := w.cfg.Store.ClaimMails(ctx, w.owner, w.cfg.Lease, claimBatch)
		if errors.Is(err, store.ErrNotFound) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		tried, err := w.sendBatch(ctx, batch)
		n += tried
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// sendBatch delivers a claimed batch in order. A slow mail server could make a batch outlast
// its lease, and another worker would then send the rest again, so past half the lease the
// rest is renewed, and any message another worker has taken meanwhile is left to it. When
// ctx ends, what was not tried is given back at once rather than when the lease runs out.
func (w *Worker) sendBatch(ctx context.Context, batch []store.OutboxMessage) (int, error) {
	leased, tried := time.Now(), 0
	for i := 0; i < len(batch); i++ {
		if ctx.Err() != nil {
			return tried, w.cfg.Store.ReleaseMails(context.WithoutCancel(ctx), w.owner, store.MessageIDs(batch[i:]))
		}
		if time.Since(leased) > w.cfg.Lease/2 {
			mine, err := w.cfg.Store.RenewMails(ctx, w.owner, store.MessageIDs(batch[i:]), w.cfg.Lease)
			if err != nil {
				return tried, err
			}
			leased, batch = time.Now(), append(batch[:i], keep(batch[i:], mine)...)
			if i == len(batch) {
				break
			}
		}
		tried++
		if err := w.deliver(ctx, &batch[i]); err != nil {
			return tried, err
		}
	}
	return tried, nil
}

// keep returns the messages of ms whose ids are in mine, in the order of ms.
func keep(ms []store.OutboxMessage, mine []int64) []store.OutboxMessage {
	var out []store.OutboxMessage
	for _, m := range ms {
		if slices.Contains(mine, m.ID) {
			out = append(out, m)
		}
	}
	return out
}

func (w *Worker) deliver(ctx context.Context, m *store.OutboxMessage) error {
	now := w.cfg.Now()
	var res store.MailResult
	if m.Attempts > w.cfg.Retry.Max {
		// Claimed again after its worker died mid-send, once too often.
		res = store.MailResult{Status: store.MailFailed, Err: fmt.Sprintf("gave up after %d attempts", m.Attempts-1)}
	} else if msg, err := buildMsg(m, w.cfg.Settings.From, now); err != nil {
		res = store.MailResult{Status: store.MailFailed, Err: "cannot build the message: " + err.Error()}
	} else if err := w.tr.send(ctx, m, msg); err == nil {
		res = store.MailResult{Status: w.tr.delivered()}
	} else if permanent(err) || m.Attempts >= w.cfg.Retry.Max {
		res = store.MailResult{Status: store.MailFailed, Err: short(err)}
	} else {
		res = store.MailResult{Status: store.MailPending, Err: short(err), NextTry: now.Add(w.cfg.Retry.After(m.Attempts))}
	}
	if res.Status != w.tr.delivered() {
		w.cfg.Log.Warn("mail not delivered", slog.Int64("outbox_id", m.ID), slog.Int("attempt", m.Attempts),
			slog.String("outcome", res.Status), slog.String("err", res.Err))
	}
	// Recorded even when shutdown has begun: the mail may have gone, and an unrecorded
	// success is the one way a message is sent twice.
	return w.cfg.Store.FinishMail(context.WithoutCancel(ctx), m.ID, w.owner, res)
}

func short(err error) string {
	s := err.Error()
	if len(s) > 500 {
		s = s[:500] + "..."
	}
	return s
}
