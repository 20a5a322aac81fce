package server

import (
	"context"
	"net/http"
	"net/url"
	"rapport/server/mail/mailtest"
	"strings"
	"testing"
	"time"

	"rapport/server/store"
)

// TestSubscriberJourneyOverSMTP follows one reader through the whole loop on a real SMTP
// conversation: sign-up, confirmation mail, the confirm page and its POST, the notification
// when the injected clock passes part 5's publish time (once, with both unsubscribe headers),
// one-click unsubscribe, and schedulers that find nothing more to send.
func TestSubscriberJourneyOverSMTP(t *testing.T) {
	smtp := mailtest.Start(t)
	a := subNewApp(t, smtp.Settings())
	ctx := context.Background()
	b := a.browser()
	b.get("/")
	if p := b.post("/subscribe", url.Values{"email": {"Reader@Example.com"}}); p.status != http.StatusSeeOther || p.location != "/subscribe/sent" {
		t.Fatalf("sign-up: %d %q", p.status, p.location)
	}
	mustContain(t, b.get("/subscribe/sent"), "Check your inbox")
	subEventually(t, "the confirmation mail", func() bool { return len(smtp.Received()) == 1 })
	confirm := smtp.Received()[0]
	if len(confirm.To) != 1 || confirm.To[0] != "reader@example.com" || !strings.Contains(confirm.Header.Get("Subject"), "Confirm") {
		t.Fatalf("confirmation to %v, subject %q", confirm.To, confirm.Header.Get("Subject"))
	}
	subHasUnsubscribeHeaders(t, a, confirm)

	// Opening the link, as a mail scanner would, subscribes nobody.
	link := subLink(t, a, confirm.Text, "subscribe/confirm")
	p := b.get(link)
	if p.status != http.StatusOK {
		t.Fatalf("confirm page: %d", p.status)
	}
	mustContain(t, p, "reader@example.com", ">Confirm</button>")
	if got := subStatus(t, a, "reader@example.com"); got != store.SubscriberPending {
		t.Fatalf("after opening the link: %s, want pending", got)
	}
	token := strings.TrimPrefix(link, "/subscribe/confirm?token=")
	if p := b.post("/subscribe/confirm", url.Values{"token": {token}}); p.status != http.StatusSeeOther || p.location != "/subscribe/confirmed" {
		t.Fatalf("confirm: %d %q\n%s", p.status, p.location, p.body)
	}
	if got := subStatus(t, a, "reader@example.com"); got != store.SubscriberConfirmed {
		t.Fatalf("after confirming: %s", got)
	}
	if p := b.post("/subscribe/confirm", url.Values{"token": {token}}); p.status != http.StatusGone {
		t.Fatalf("confirm link used twice: %d, want 410", p.status)
	}

	// Part 5 goes live: the scheduler queues, the worker sends, exactly one mail.
	part5 := subPart(a, 5)
	a.clock.Set(part5.Publish.Add(time.Minute))
	subEventually(t, "the part 5 mail", func() bool { return len(smtp.Received()) == 2 })
	subEventually(t, "the outbox to settle", func() bool { return subOutboxSettled(t, a) })
	note := smtp.Received()[1]
	if note.To[0] != "reader@example.com" || !strings.Contains(note.Header.Get("Subject"), "Part 5") {
		t.Fatalf("notification to %v, subject %q", note.To, note.Header.Get("Subject"))
	}
	for _, want := range []string{part5.Title, part5.Summary, a.srv.siteURL() + lessonURL(part5), "/unsubscribe?token="} {
		if !strings.Contains(note.Text, want) {
			t.Errorf("notification text lacks %q:\n%s", want, note.Text)
		}
	}
	if !strings.Contains(note.HTML, lessonURL(part5)) {
		t.Errorf("notification HTML lacks the lesson link")
	}
	oneClick := subHasUnsubscribeHeaders(t, a, note)
	if note.Header.Get("Message-Id") == "" || note.Header.Get("Message-Id") == confirm.Header.Get("Message-Id") {
		t.Fatalf("Message-IDs %q and %q", confirm.Header.Get("Message-Id"), note.Header.Get("Message-Id"))
	}

	// Running the scheduler and the worker again sends nothing new.
	if n, err := a.srv.NotifyDue(ctx); err != nil || n != 0 {
		t.Fatalf("second scheduler run queued %d (%v)", n, err)
	}
	if n, err := a.srv.Mailer().Drain(ctx); err != nil || n != 0 {
		t.Fatalf("second drain tried %d (%v)", n, err)
	}

	// One-click unsubscribe, as a mail provider sends it: no cookies, no CSRF token.
	for i := range 2 {
		res, err := http.Post(oneClick, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("one-click POST %d: %d", i+1, res.StatusCode)
		}
	}
	if got := subStatus(t, a, "reader@example.com"); got != store.SubscriberUnsubscribed {
		t.Fatalf("after one-click: %s", got)
	}

	// Part 6 goes live: nobody is subscribed any more.
	a.clock.Set(subPart(a, 6).Publish.Add(time.Minute))
	if n, err := a.srv.NotifyDue(ctx); err != nil || n != 0 {
		t.Fatalf("after unsubscribing, part 6 queued %d (%v)", n, err)
	}
	subEventually(t, "the outbox to settle", func() bool { return subOutboxSettled(t, a) })
	if got := len(smtp.Received()); got != 2 {
		t.Fatalf("%d mails in all, want 2", got)
	}
}

// subHasUnsubscribeHeaders checks the RFC 8058 headers and returns the one-click URL.
func subHasUnsubscribeHeaders(t *testing.T, a *testApp, m mailtest.Mail) string {
	t.Helper()
	lu := m.Header.Get("List-Unsubscribe")
	if m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" || !strings.HasPrefix(lu, "<"+a.srv.siteURL()+"/unsubscribe/one-click?token=") || !strings.HasSuffix(lu, ">") {
		t.Fatalf("List-Unsubscribe %q, List-Unsubscribe-Post %q", lu, m.Header.Get("List-Unsubscribe-Post"))
	}
	return strings.Trim(lu, "<>")
}

// TestMailWaitsWhileTheSMTPServerIsDownAndArrivesOnce takes the mail server away in the
// middle of announcing a part: the first mail goes, the server refuses the next and shuts
// down, the rest wait with their errors recorded, and when it returns and their retry time
// comes every subscriber has exactly one copy.
func TestMailWaitsWhileTheSMTPServerIsDownAndArrivesOnce(t *testing.T) {
	smtp := mailtest.Start(t)
	a := subNewApp(t, smtp.Settings())
	ctx := context.Background()
	readers := []string{"ana@example.com", "ben@example.com", "cat@example.com"}
	for _, r := range readers {
		subConfirmed(t, a, r)
	}
	subEventually(t, "the confirmation mails", func() bool { return len(smtp.Received()) == len(readers) && subOutboxSettled(t, a) })

	smtp.GoDownAfter(1)
	a.clock.Set(subPart(a, 5).Publish.Add(time.Minute))
	var waiting []store.OutboxMessage
	subEventually(t, "two notifications to fail and wait", func() bool {
		waiting = waiting[:0]
		out, err := a.store.Outbox(ctx, 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out {
			if m.Kind == store.MailNotify && m.Status == store.MailPending && m.Attempts >= 1 && m.LastError != "" {
				waiting = append(waiting, m)
			}
		}
		return len(waiting) == 2 && smtp.Down()
	})
	if got := subNotes(smtp.Received()); len(got) != 1 {
		t.Fatalf("before the outage %d notifications arrived, want 1", len(got))
	}
	for _, m := range waiting {
		if !m.NextTry.After(a.clock.Now()) {
			t.Fatalf("message %d retries at %v, not after now", m.ID, m.NextTry)
		}
	}

	smtp.Restart()
	a.clock.Set(a.clock.Now().Add(time.Hour)) // past the backoff
	subEventually(t, "every notification", func() bool { return len(subNotes(smtp.Received())) == len(readers) && subOutboxSettled(t, a) })
	got := subNotes(smtp.Received())
	for _, r := range readers {
		if got[r] != 1 {
			t.Errorf("%s got %d notifications, want 1 (%v)", r, got[r], got)
		}
	}
	for _, m := range waiting {
		attempts, err := a.store.MailAttempts(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := attempts[len(attempts)-1]
		if len(attempts) < 2 || attempts[0].OK || attempts[0].Error == "" || !last.OK {
			t.Fatalf("attempts for message %d: %+v", m.ID, attempts)
		}
	}
	if n, _ := a.srv.NotifyDue(ctx); n != 0 {
		t.Fatalf("scheduler queued %d more", n)
	}
}

// subConfirmed subscribes and confirms an address through the store, with the server's own
// confirmation mail (which the worker then sends), and returns the tokens that mail carried.
// Sign-ups through the form are covered by the journey test; this keeps the per-IP limit
// out of tests that need many readers.
func subConfirmed(t *testing.T, a *testApp, email string) store.MailTokens {
	t.Helper()
	tok := subSignedUp(t, a, email)
	if _, err := a.store.Confirm(context.Background(), tok.Confirm); err != nil {
		t.Fatalf("confirm %s: %v", email, err)
	}
	return tok
}

// subSignedUp signs an address up through the store and returns its mail's tokens.
func subSignedUp(t *testing.T, a *testApp, email string) store.MailTokens {
	t.Helper()
	var tok store.MailTokens
	_, err := a.store.Subscribe(context.Background(), email, func(sub *store.Subscriber, tk store.MailTokens) (*store.OutboxMessage, error) {
		tok = tk
		return a.srv.composeConfirm(sub, tk)
	})
	if err != nil || tok.Confirm == "" {
		t.Fatalf("sign up %s: %v", email, err)
	}
	a.srv.Mailer().Kick()
	return tok
}

// subNotes counts notification mails (not confirmations) per recipient.
func subNotes(mails []mailtest.Mail) map[string]int {
	n := map[string]int{}
	for _, m := range mails {
		if strings.HasPrefix(m.Header.Get("Subject"), "New in") {
			n[m.To[0]]++
		}
	}
	return n
}
