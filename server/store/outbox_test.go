package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"rapport/server/store"
)

// TestBatchClaimsRenewalsAndReleases covers what a worker does with a batch: it claims the
// oldest due messages up to its limit, keeps only what is still its own when it renews a
// lease that lapsed, and gives back untried messages with their attempt taken back.
func TestBatchClaimsRenewalsAndReleases(t *testing.T) {
	subEachEngine(t, func(t *testing.T, s *store.Store, clk *subClock) {
		ctx := context.Background()
		var all []int64
		for range 5 {
			m := &store.OutboxMessage{MessageID: store.NewMessageID("example.com"), Recipient: "a@example.com", Subject: "s", TextBody: "t"}
			if err := s.EnqueueMail(ctx, m); err != nil {
				t.Fatal(err)
			}
			all = append(all, m.ID)
			clk.add(time.Second) // distinct due times, so "oldest first" means something
		}
		idsOf := func(ms []store.OutboxMessage) []int64 {
			var ids []int64
			for _, m := range ms {
				if m.Attempts != 1 || m.Status != store.MailSending {
					t.Errorf("claimed message %+v", m)
				}
				ids = append(ids, m.ID)
			}
			return ids
		}
		first, err := s.ClaimMails(ctx, "w1", time.Minute, 3)
		if err != nil || !slices.Equal(idsOf(first), all[:3]) {
			t.Fatalf("w1 claimed %v (%v), want the three oldest %v", idsOf(first), err, all[:3])
		}
		second, err := s.ClaimMails(ctx, "w2", time.Hour, 3)
		if err != nil || !slices.Equal(idsOf(second), all[3:]) {
			t.Fatalf("w2 claimed %v (%v), want the rest %v", idsOf(second), err, all[3:])
		}
		if _, err := s.ClaimMails(ctx, "w3", time.Minute, 3); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a third claim with everything leased: %v, want ErrNotFound", err)
		}

		// w1 is slow: its lease lapses and w3 takes one of its messages before w1 renews.
		clk.add(2 * time.Minute)
		taken, err := s.ClaimMail(ctx, "w3", time.Minute)
		if err != nil || taken.ID != all[0] || taken.Attempts != 2 {
			t.Fatalf("w3 after the lapse: %+v %v", taken, err)
		}
		mine, err := s.RenewMails(ctx, "w1", all[:3], time.Minute)
		if err != nil || !slices.Equal(mine, all[1:3]) {
			t.Fatalf("w1 renewed %v (%v), want %v: the message w3 took is w3's", mine, err, all[1:3])
		}
		clk.add(30 * time.Second) // inside the renewed lease: nobody may take w1's two
		if m, err := s.ClaimMail(ctx, "w4", time.Minute); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("w4 claimed %+v (%v) with every lease current", m, err)
		}

		// w1 stops before trying its two: they are due again at once, attempt taken back.
		if err := s.ReleaseMails(ctx, "w1", mine); err != nil {
			t.Fatal(err)
		}
		back, err := s.ClaimMails(ctx, "w5", time.Minute, 5)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(idsOf(back), all[1:3]) {
			t.Fatalf("after the release w5 claimed %v, want %v with one attempt each", idsOf(back), all[1:3])
		}
		// A release names only its owner's messages: w1 cannot give back w5's.
		if err := s.ReleaseMails(ctx, "w1", all[1:3]); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ClaimMails(ctx, "w6", time.Minute, 5); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("w1's stale release freed w5's messages: %v", err)
		}
	})
}
