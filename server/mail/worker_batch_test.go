package mail_test

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"rapport/server/mail"
	"rapport/server/mail/mailtest"
	"rapport/server/store"
	"rapport/server/store/storetest"
)

func queue(t *testing.T, s *store.Store, n int) {
	t.Helper()
	for range n {
		m := &store.OutboxMessage{MessageID: store.NewMessageID("example.com"), Recipient: "a@example.com", Subject: "s", TextBody: "t"}
		if err := s.EnqueueMail(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
}

func outbox(t *testing.T, s *store.Store) []store.OutboxMessage {
	t.Helper()
	ms, err := s.Outbox(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// TestABatchOutlastingItsLeaseIsRenewedAndLosesOnlyWhatWasTaken gives the worker a lease so
// short that it lapses before every send, and lets a second worker take two of its
// messages during the first send. The worker renews before each later send, leaves the
// taken message it had not reached to the other worker, and sends every other one once.
func TestABatchOutlastingItsLeaseIsRenewedAndLosesOnlyWhatWasTaken(t *testing.T) {
	for _, kind := range storetest.Engines(t) {
		t.Run(kind, func(t *testing.T) {
			s := storetest.Open(t, kind, time.Now)
			srv := mailtest.Start(t)
			const n = 10 // one batch
			queue(t, s, n)
			var stolen []store.OutboxMessage
			var calls atomic.Int32
			now := func() time.Time { // read once per send: the other worker strikes during the first
				if calls.Add(1) == 1 {
					var err error
					if stolen, err = s.ClaimMails(context.Background(), "other", time.Hour, 2); err != nil {
						t.Error(err)
					}
				}
				return time.Now()
			}
			w, err := mail.NewWorker(mail.WorkerConfig{Store: s, Settings: srv.Settings(), Now: now, Log: quiet, Lease: time.Microsecond})
			if err != nil {
				t.Fatal(err)
			}
			if tried, err := w.Drain(context.Background()); err != nil || tried != n-1 {
				t.Fatalf("tried %d (%v), want %d", tried, err, n-1)
			}
			if got := len(srv.Received()); got != n-1 || len(stolen) != 2 {
				t.Fatalf("the SMTP server received %d mails, want %d; %d taken", got, n-1, len(stolen))
			}
			for _, m := range outbox(t, s) {
				switch {
				case m.ID == stolen[1].ID: // taken before the worker reached it: the other's to send
					if m.Status != store.MailSending || m.LeaseOwner != "other" {
						t.Errorf("the taken message: %s, lease %q", m.Status, m.LeaseOwner)
					}
				case m.Status != store.MailSent:
					t.Errorf("message %d: %s", m.ID, m.Status)
				}
			}
		})
	}
}

// TestAStoppingWorkerGivesBackWhatItDidNotTry stops the worker during its second send: the
// rest of its batch is due again at once, with no attempt counted, instead of waiting out
// a five-minute lease.
func TestAStoppingWorkerGivesBackWhatItDidNotTry(t *testing.T) {
	s := storetest.Open(t, "sqlite", time.Now)
	queue(t, s, 5)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var calls atomic.Int32
	now := func() time.Time { // the worker reads its clock once per send: stop on the second
		if calls.Add(1) == 2 {
			stop()
		}
		return time.Now()
	}
	w, err := mail.NewWorker(mail.WorkerConfig{Store: s, Settings: mail.Settings{From: "news@example.com"}, Now: now, Log: quiet}) // no SMTP server: to the log
	if err != nil {
		t.Fatal(err)
	}
	if tried, err := w.Drain(ctx); err != nil || tried != 2 {
		t.Fatalf("tried %d (%v), want 2: the send under way finishes, the rest waits", tried, err)
	}
	var logged, pending int
	for _, m := range outbox(t, s) {
		switch {
		case m.Status == store.MailLogged && m.Attempts == 1:
			logged++
		case m.Status == store.MailPending && m.Attempts == 0 && m.LeaseOwner == "" && !m.NextTry.After(time.Now()):
			pending++
		default:
			t.Errorf("message %d: %s, %d attempts, lease %q", m.ID, m.Status, m.Attempts, m.LeaseOwner)
		}
	}
	if logged != 2 || pending != 3 {
		t.Fatalf("%d sent and %d given back, want 2 and 3", logged, pending)
	}
}
