package store_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"rapport/server/store"
	"rapport/server/store/storetest"
)

// subClock is a settable clock for the subscriber tests.
type subClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *subClock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *subClock) set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *subClock) add(d time.Duration) { c.set(c.now().Add(d)) }
func subNewClock() *subClock            { return &subClock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)} }

// subEachEngine runs test on a fresh store of every engine under test.
func subEachEngine(t *testing.T, test func(t *testing.T, s *store.Store, clk *subClock)) {
	for _, kind := range storetest.Engines(t) {
		t.Run(kind, func(t *testing.T) {
			clk := subNewClock()
			test(t, storetest.Open(t, kind, clk.now), clk)
		})
	}
}

// subCapture is a Composer that keeps the tokens it was given, as a mail would carry them.
type subCapture struct{ tokens []store.MailTokens }

func (c *subCapture) compose(sub *store.Subscriber, tok store.MailTokens) (*store.OutboxMessage, error) {
	c.tokens = append(c.tokens, tok)
	return &store.OutboxMessage{MessageID: store.NewMessageID("example.com"), Recipient: sub.Email, Subject: "s", TextBody: "t"}, nil
}

func (c *subCapture) last() store.MailTokens { return c.tokens[len(c.tokens)-1] }

func subStatus(t *testing.T, s *store.Store, email string) string {
	t.Helper()
	var status string
	if err := s.DB().Table("subscribers").Where("email = ?", email).Select("status").Scan(&status).Error; err != nil {
		t.Fatal(err)
	}
	return status
}

func subCount(t *testing.T, s *store.Store, table, where string, args ...any) int64 {
	t.Helper()
	var n int64
	q := s.DB().Table(table)
	if where != "" {
		q = q.Where(where, args...)
	}
	if err := q.Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSubscribeStoresOnlyTokenHashesAndBoundsConfirmationMails(t *testing.T) {
	subEachEngine(t, func(t *testing.T, s *store.Store, clk *subClock) {
		ctx := context.Background()
		var c subCapture
		for i := range store.ConfirmMailsPerDay + 2 {
			queued, err := s.Subscribe(ctx, " Reader@Example.com ", c.compose)
			if err != nil {
				t.Fatal(err)
			}
			if want := i < store.ConfirmMailsPerDay; queued != want {
				t.Fatalf("sign-up %d: queued %v, want %v", i+1, queued, want)
			}
		}
		if n := subCount(t, s, "subscribers", ""); n != 1 {
			t.Fatalf("%d subscriber rows, want 1", n)
		}
		if n := subCount(t, s, "outbox_messages", "kind = ?", store.MailConfirm); n != store.ConfirmMailsPerDay {
			t.Fatalf("%d confirmation mails queued, want %d", n, store.ConfirmMailsPerDay)
		}
		tok := c.last()
		if !store.ValidToken(tok.Confirm) || !store.ValidToken(tok.Unsubscribe) || tok.Confirm == tok.Unsubscribe {
			t.Fatalf("tokens %+v", tok)
		}
		var hashes []string
		s.DB().Table("subscriber_tokens").Pluck("hash", &hashes)
		for _, h := range hashes {
			for _, tk := range c.tokens {
				if h == tk.Confirm || h == tk.Unsubscribe || len(h) != 64 {
					t.Fatalf("stored %q: tokens must be stored only as SHA-256 hex", h)
				}
			}
		}
		// Any of the links works until one is used.
		if _, err := s.Confirm(ctx, c.tokens[0].Confirm); err != nil {
			t.Fatal(err)
		}
		if got := subStatus(t, s, "reader@example.com"); got != store.SubscriberConfirmed {
			t.Fatalf("status %s", got)
		}
		clk.add(48 * time.Hour)
		if queued, err := s.Subscribe(ctx, "reader@example.com", c.compose); err != nil || queued {
			t.Fatalf("confirmed address signed up again: queued %v, %v; want nothing sent", queued, err)
		}
	})
}

func TestTokensRefuseForgedExpiredReusedAndWrongPurpose(t *testing.T) {
	subEachEngine(t, func(t *testing.T, s *store.Store, clk *subClock) {
		ctx := context.Background()
		var c subCapture
		if _, err := s.Subscribe(ctx, "a@example.com", c.compose); err != nil {
			t.Fatal(err)
		}
		tok := c.last()
		forged := strings.Repeat("A", 43)
		cases := []struct {
			name string
			call func() error
			want error
		}{
			{"a forged confirmation token is unknown", func() error { _, err := s.Confirm(ctx, forged); return err }, store.ErrNotFound},
			{"an unsubscribe token cannot confirm", func() error { _, err := s.Confirm(ctx, tok.Unsubscribe); return err }, store.ErrNotFound},
			{"a confirmation token cannot unsubscribe", func() error { _, _, err := s.Unsubscribe(ctx, tok.Confirm); return err }, store.ErrNotFound},
			{"a forged unsubscribe token is unknown", func() error { _, _, err := s.Unsubscribe(ctx, forged); return err }, store.ErrNotFound},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				if err := tc.call(); !errors.Is(err, tc.want) {
					t.Fatalf("got %v, want %v", err, tc.want)
				}
				if got := subStatus(t, s, "a@example.com"); got != store.SubscriberPending {
					t.Fatalf("status changed to %s", got)
				}
			})
		}
		t.Run("a confirmation token expires after 72 hours", func(t *testing.T) {
			clk.add(store.ConfirmTTL)
			defer clk.add(-store.ConfirmTTL)
			if _, err := s.CheckToken(ctx, store.TokenConfirm, tok.Confirm); !errors.Is(err, store.ErrTokenExpired) {
				t.Fatalf("check: %v", err)
			}
			if _, err := s.Confirm(ctx, tok.Confirm); !errors.Is(err, store.ErrTokenExpired) {
				t.Fatalf("confirm: %v", err)
			}
			if got := subStatus(t, s, "a@example.com"); got != store.SubscriberPending {
				t.Fatalf("status %s", got)
			}
		})
		t.Run("a confirmation token works once", func(t *testing.T) {
			if _, err := s.Confirm(ctx, tok.Confirm); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Confirm(ctx, tok.Confirm); !errors.Is(err, store.ErrTokenUsed) {
				t.Fatalf("second use: %v", err)
			}
		})
	})
}

func TestUnsubscribeIsIdempotentCancelsWaitingMailAndNeedsANewOptIn(t *testing.T) {
	subEachEngine(t, func(t *testing.T, s *store.Store, clk *subClock) {
		ctx := context.Background()
		var c subCapture
		s.Subscribe(ctx, "a@example.com", c.compose)
		first := c.last()
		if _, err := s.Confirm(ctx, first.Confirm); err != nil {
			t.Fatal(err)
		}
		n, err := s.QueueNotifications(ctx, store.Installment{Key: "c/l5", PublishedAt: clk.now().Add(time.Hour)}, c.compose)
		if err != nil || n != 1 {
			t.Fatalf("queued %d, %v", n, err)
		}
		for i := range 2 {
			_, changed, err := s.Unsubscribe(ctx, c.last().Unsubscribe)
			if err != nil || changed != (i == 0) {
				t.Fatalf("unsubscribe %d: changed %v, %v", i+1, changed, err)
			}
		}
		if n := subCount(t, s, "outbox_messages", "status = ?", store.MailPending); n != 0 {
			t.Fatalf("%d messages still pending for an unsubscribed address", n)
		}
		// Coming back: the sign-up alone changes nothing; the new link confirms; old links retire.
		clk.add(24 * time.Hour)
		if queued, err := s.Subscribe(ctx, "a@example.com", c.compose); err != nil || !queued {
			t.Fatalf("returning sign-up: %v %v", queued, err)
		}
		if got := subStatus(t, s, "a@example.com"); got != store.SubscriberUnsubscribed {
			t.Fatalf("after sign-up without confirming: %s", got)
		}
		if _, err := s.Confirm(ctx, c.last().Confirm); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Unsubscribe(ctx, first.Unsubscribe); !errors.Is(err, store.ErrTokenUsed) {
			t.Fatalf("unsubscribe link from before the new opt-in: %v, want ErrTokenUsed", err)
		}
		if got := subStatus(t, s, "a@example.com"); got != store.SubscriberConfirmed {
			t.Fatalf("status %s", got)
		}
	})
}

func TestNotificationsGoOncePerSubscriberAndOnlyForPartsPublishedWhileSubscribed(t *testing.T) {
	subEachEngine(t, func(t *testing.T, s *store.Store, clk *subClock) {
		ctx := context.Background()
		day := clk.now()
		var c subCapture
		confirmAt := func(email string, at time.Time) {
			clk.set(at)
			s.Subscribe(ctx, email, c.compose)
			if _, err := s.Confirm(ctx, c.last().Confirm); err != nil {
				t.Fatal(err)
			}
		}
		confirmAt("early@example.com", day)
		confirmAt("late@example.com", day.Add(48*time.Hour))
		s.Subscribe(ctx, "pending@example.com", c.compose)
		clk.set(day.Add(72 * time.Hour))
		part := store.Installment{Key: "course/part-5", PublishedAt: day.Add(24 * time.Hour)}
		n, err := s.QueueNotifications(ctx, part, c.compose)
		if err != nil || n != 1 {
			t.Fatalf("first run queued %d (%v), want 1: only early@ confirmed before publication", n, err)
		}
		if n, err := s.QueueNotifications(ctx, part, c.compose); err != nil || n != 0 {
			t.Fatalf("second run queued %d (%v), want 0", n, err)
		}
		var to []string
		s.DB().Table("outbox_messages").Where("kind = ?", store.MailNotify).Pluck("recipient", &to)
		if len(to) != 1 || to[0] != "early@example.com" {
			t.Fatalf("notified %v", to)
		}
		if n := subCount(t, s, "notifications", "outbox_message_id IS NOT NULL"); n != 1 {
			t.Fatalf("%d notifications linked to their mail, want 1", n)
		}
	})
}

// TestConcurrentSchedulersQueueEachMailOnce runs schedulers on separate connections to one
// database at once, as separate instances would.
func TestConcurrentSchedulersQueueEachMailOnce(t *testing.T) {
	for _, kind := range storetest.Engines(t) {
		t.Run(kind, func(t *testing.T) {
			clk := subNewClock()
			dsn := storetest.DSN(t, kind)
			var stores []*store.Store
			for range 3 {
				s, err := store.Open(dsn, clk.now)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				stores = append(stores, s)
			}
			ctx := context.Background()
			const subscribers = 250 // more than one batch
			for i := range subscribers {
				var c subCapture
				s := stores[0]
				s.Subscribe(ctx, "r"+strings.Repeat("x", i%3)+itoa(i)+"@example.com", c.compose)
				if _, err := s.Confirm(ctx, c.last().Confirm); err != nil {
					t.Fatal(err)
				}
			}
			clk.add(time.Hour)
			part := store.Installment{Key: "course/part-5", PublishedAt: clk.now()}
			clk.add(time.Hour)
			var wg sync.WaitGroup
			total := make([]int, len(stores))
			for i, s := range stores {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var c subCapture
					n, err := s.QueueNotifications(ctx, part, c.compose)
					if err != nil {
						t.Error(err)
					}
					total[i] = n
				}()
			}
			wg.Wait()
			sum := 0
			for _, n := range total {
				sum += n
			}
			mails := subCount(t, stores[0], "outbox_messages", "kind = ?", store.MailNotify)
			if sum != subscribers || mails != subscribers {
				t.Fatalf("queued %v (sum %d), %d mails; want %d in all", total, sum, mails, subscribers)
			}
		})
	}
}

func TestEachMessageIsClaimedByOneWorkerAndALapsedLeaseIsTakenOver(t *testing.T) {
	subEachEngine(t, func(t *testing.T, s *store.Store, clk *subClock) {
		ctx := context.Background()
		now := clk.now()
		if err := s.EnqueueMail(ctx, &store.OutboxMessage{MessageID: store.NewMessageID("example.com"), Recipient: "a@example.com", Subject: "s", TextBody: "t"}); err != nil {
			t.Fatal(err)
		}
		m, err := s.ClaimMail(ctx, "w1", time.Minute)
		if err != nil || m.Attempts != 1 || m.LeaseOwner != "w1" {
			t.Fatalf("claim: %+v %v", m, err)
		}
		if _, err := s.ClaimMail(ctx, "w2", time.Minute); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second worker while leased: %v, want ErrNotFound", err)
		}
		clk.add(2 * time.Minute)
		m2, err := s.ClaimMail(ctx, "w2", time.Minute)
		if err != nil || m2.ID != m.ID || m2.Attempts != 2 {
			t.Fatalf("after the lease lapsed: %+v %v", m2, err)
		}
		// The first worker's late failure must not undo w2's claim; w2's success is recorded.
		if err := s.FinishMail(ctx, m.ID, "w1", store.MailResult{Status: store.MailPending, Err: "timeout", NextTry: now}); err != nil {
			t.Fatal(err)
		}
		if err := s.FinishMail(ctx, m.ID, "w2", store.MailResult{Status: store.MailSent}); err != nil {
			t.Fatal(err)
		}
		out, _ := s.Outbox(ctx, 10)
		attempts, _ := s.MailAttempts(ctx, m.ID)
		if out[0].Status != store.MailSent || out[0].SentAt == nil || len(attempts) != 2 || !attempts[1].OK || attempts[0].OK {
			t.Fatalf("message %+v, attempts %+v", out[0], attempts)
		}
	})
}

// TestConcurrentWorkersClaimEachMessageOnce has workers on separate connections race for
// one outbox.
func TestConcurrentWorkersClaimEachMessageOnce(t *testing.T) {
	for _, kind := range storetest.Engines(t) {
		t.Run(kind, func(t *testing.T) {
			clk := subNewClock()
			dsn := storetest.DSN(t, kind)
			var stores []*store.Store
			for range 4 {
				s, err := store.Open(dsn, clk.now)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				stores = append(stores, s)
			}
			ctx := context.Background()
			const messages = 120
			for range messages {
				if err := stores[0].EnqueueMail(ctx, &store.OutboxMessage{MessageID: store.NewMessageID("example.com"), Recipient: "a@example.com", Subject: "s", TextBody: "t"}); err != nil {
					t.Fatal(err)
				}
			}
			var mu sync.Mutex
			claimed := map[int64]string{}
			var wg sync.WaitGroup
			for i, s := range stores {
				wg.Add(1)
				go func() {
					defer wg.Done()
					owner := "w" + itoa(i)
					for {
						// Batches of 1, 3, 5 and 7: one-at-a-time claims and batches race.
						batch, err := s.ClaimMails(ctx, owner, time.Hour, 1+2*i)
						if errors.Is(err, store.ErrNotFound) {
							return
						}
						if err != nil {
							t.Error(err)
							return
						}
						for _, m := range batch {
							mu.Lock()
							if prev, dup := claimed[m.ID]; dup {
								t.Errorf("message %d claimed by %s and %s", m.ID, prev, owner)
							}
							claimed[m.ID] = owner
							mu.Unlock()
							if err := s.FinishMail(ctx, m.ID, owner, store.MailResult{Status: store.MailSent}); err != nil {
								t.Error(err)
							}
						}
					}
				}()
			}
			wg.Wait()
			if len(claimed) != messages {
				t.Fatalf("%d of %d messages claimed", len(claimed), messages)
			}
			if n := subCount(t, stores[0], "outbox_attempts", ""); n != messages {
				t.Fatalf("%d attempts recorded, want %d", n, messages)
			}
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
