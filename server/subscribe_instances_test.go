package server

import (
	"context"
	"path/filepath"
	"rapport/server/mail/mailtest"
	"strconv"
	"testing"
	"time"

	"rapport/server/store"
)

// TestTwoInstancesOnOneDatabaseSendOneNotificationEach runs two complete servers, each with
// its own scheduler and mail worker polling every few milliseconds, on one SQLite file. Two
// parts go live at once; every subscriber receives exactly one mail per part, and one
// confirmation each, however the instances interleave.
func TestTwoInstancesOnOneDatabaseSendOneNotificationEach(t *testing.T) {
	smtp := mailtest.Start(t)
	db := filepath.Join(t.TempDir(), "shared.db")
	clock := &testClock{t: day1}
	one := subNewAppOn(t, db, clock, smtp.Settings(), nil)
	two := subNewAppOn(t, db, clock, smtp.Settings(), nil)
	ctx := context.Background()

	const readers = 24
	for i := range readers {
		app := one
		if i%2 == 1 {
			app = two
		}
		subConfirmed(t, app, "reader"+strconv.Itoa(i)+"@example.com")
	}
	subEventually(t, "the confirmations", func() bool { return len(smtp.Received()) == readers && subOutboxSettled(t, one) })

	clock.Set(subPart(one, 6).Publish.Add(time.Minute)) // parts 5 and 6 are both due now
	subEventually(t, "the notifications", func() bool {
		return len(smtp.Received()) >= 3*readers && subOutboxSettled(t, one)
	})
	// Both instances run their scheduler and worker once more by hand: nothing is left.
	for _, app := range []*testApp{one, two} {
		if n, err := app.srv.NotifyDue(ctx); err != nil || n != 0 {
			t.Fatalf("another scheduler run queued %d (%v)", n, err)
		}
		if n, err := app.srv.Mailer().Drain(ctx); err != nil || n != 0 {
			t.Fatalf("another drain tried %d (%v)", n, err)
		}
	}

	perCopy := map[string]int{}
	for _, m := range smtp.Received() {
		perCopy[m.To[0]+" | "+m.Header.Get("Subject")]++
	}
	for k, n := range perCopy {
		if n != 1 {
			t.Errorf("%d copies of %s", n, k)
		}
	}
	if len(perCopy) != 3*readers || len(smtp.Received()) != 3*readers {
		t.Fatalf("%d mails, %d distinct; want %d of each", len(smtp.Received()), len(perCopy), 3*readers)
	}
	for _, part := range []int{5, 6} {
		l := subPart(one, part)
		n, err := one.store.CountNotifications(ctx, l.Course.Slug+"/"+l.Slug)
		if err != nil || n != readers {
			t.Fatalf("part %d: %d notification rows (%v), want %d", part, n, err, readers)
		}
	}
	var sent int64
	one.store.DB().Table("outbox_messages").Where("status = ?", store.MailSent).Count(&sent)
	if sent != 3*readers {
		t.Fatalf("%d messages marked sent, want %d", sent, 3*readers)
	}
}
