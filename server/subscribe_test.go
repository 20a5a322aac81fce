package server

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"rapport/server/mail"
	"rapport/server/store"
)

func TestTheSignUpFormIsOnTheHomePageEveryLessonAndEachComingSoonPart(t *testing.T) {
	a := subNewApp(t, mail.Settings{})
	b := a.browser()
	promise := "We never share or sell your address; leave at any time."
	mustContain(t, b.get("/"), `action="/subscribe"`, promise)
	c, _ := a.srv.Catalog().Course("difficult-customers")
	for _, l := range c.Published(a.clock.Now()) {
		mustContain(t, b.get(lessonURL(l)), `action="/subscribe"`, promise)
	}
	p := b.get("/courses/difficult-customers")
	upcoming := len(c.Lessons) - len(c.Published(a.clock.Now()))
	if got := strings.Count(p.body, `class="subscribe-inline"`); upcoming == 0 || got != upcoming {
		t.Fatalf("%d sign-up forms on the course page, want one per coming part (%d)", got, upcoming)
	}
}

// TestSignUpAnswersTheSameWhateverTheAddressesState posts a new, a pending, a confirmed and
// an unsubscribed address: the answers are identical, and only the confirmed one is sent
// nothing.
func TestSignUpAnswersTheSameWhateverTheAddressesState(t *testing.T) {
	a := subNewApp(t, mail.Settings{})
	ctx := context.Background()
	subSignedUp(t, a, "pending@example.com")
	subConfirmed(t, a, "confirmed@example.com")
	left := subConfirmed(t, a, "left@example.com")
	if _, _, err := a.store.Unsubscribe(ctx, left.Unsubscribe); err != nil {
		t.Fatal(err)
	}
	a.clock.Set(day1.Add(time.Hour))
	type answer struct {
		status         int
		location, body string
	}
	var first *answer
	for _, email := range []string{"new@example.com", "pending@example.com", "confirmed@example.com", "left@example.com"} {
		t.Run(email, func(t *testing.T) {
			before := subRows(t, a, "outbox_messages")
			b := a.browser()
			b.get("/")
			p := b.post("/subscribe", url.Values{"email": {email}})
			got := answer{p.status, p.location, b.get(p.location).body}
			if first == nil {
				first = &got
			} else if got != *first {
				t.Fatalf("answer %+v differs from the first %+v", got, *first)
			}
			sent := subRows(t, a, "outbox_messages") - before
			if want := int64(1); email == "confirmed@example.com" && sent != 0 || email != "confirmed@example.com" && sent != want {
				t.Fatalf("%d mails queued", sent)
			}
		})
	}
	if got := subStatus(t, a, "left@example.com"); got != store.SubscriberUnsubscribed {
		t.Fatalf("a sign-up alone re-subscribed an address that left: %s", got)
	}
}

func TestSignUpRefusesBadInputAndChangesNothing(t *testing.T) {
	a := subNewApp(t, mail.Settings{})
	cases := []struct {
		name, email string
		noCSRF      bool
		status      int
		msg         string
	}{
		{"an empty address", "", false, http.StatusUnprocessableEntity, "Enter your email address."},
		{"no at sign", "reader.example.com", false, http.StatusUnprocessableEntity, "Enter a valid email address"},
		{"no dot in the domain", "reader@localhost", false, http.StatusUnprocessableEntity, "Enter a valid email address"},
		{"a display name", "Reader <reader@example.com>", false, http.StatusUnprocessableEntity, "Enter a valid email address"},
		{"two addresses", "a@example.com, b@example.com", false, http.StatusUnprocessableEntity, "Enter a valid email address"},
		{"a header injection with CRLF", "reader@example.com\r\nBcc: victim@example.com", false, http.StatusUnprocessableEntity, "one line"},
		{"a header injection with LF", "reader@example.com\nSubject: spam", false, http.StatusUnprocessableEntity, "one line"},
		{"a trailing CRLF", "reader@example.com\r\n", false, http.StatusUnprocessableEntity, "one line"},
		{"an overlong address", strings.Repeat("a", 250) + "@example.com", false, http.StatusUnprocessableEntity, "Enter a valid email address"},
		{"a missing CSRF token", "reader@example.com", true, http.StatusForbidden, "this form had expired"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := a.browser()
			b.get("/subscribe")
			form := url.Values{"email": {tc.email}}
			if tc.noCSRF {
				form.Set("csrf", "")
			}
			p := b.post("/subscribe", form)
			if p.status != tc.status {
				t.Fatalf("status %d, want %d", p.status, tc.status)
			}
			mustContain(t, p, tc.msg)
			if n := subRows(t, a, "subscribers") + subRows(t, a, "outbox_messages"); n != 0 {
				t.Fatalf("%d rows written", n)
			}
		})
	}
}

func TestSignUpIsRateLimitedPerIP(t *testing.T) {
	a := subNewApp(t, mail.Settings{})
	b := a.browser()
	b.get("/subscribe")
	for i := range 6 {
		p := b.post("/subscribe", url.Values{"email": {"r" + itoa(i) + "@example.com"}})
		if i < 5 && p.status != http.StatusSeeOther {
			t.Fatalf("sign-up %d: %d", i+1, p.status)
		}
		if i == 5 {
			if p.status != http.StatusTooManyRequests {
				t.Fatalf("sign-up %d: %d, want 429", i+1, p.status)
			}
			mustContain(t, p, "Too many sign-ups")
		}
	}
	if n := subRows(t, a, "subscribers"); n != 5 {
		t.Fatalf("%d subscribers, want 5", n)
	}
}

// TestBadLinksGetAClearMessageAndChangeNothing tries malformed, forged, expired, reused and
// wrong-purpose tokens on every link route.
func TestBadLinksGetAClearMessageAndChangeNothing(t *testing.T) {
	a := subNewApp(t, mail.Settings{})
	tok := subSignedUp(t, a, "reader@example.com")
	forged := strings.Repeat("Q", 43)
	b := a.browser()
	b.get("/subscribe")
	type req struct {
		method, path string
		form         url.Values
	}
	check := func(t *testing.T, r req, status int, msg, wantState string) {
		t.Helper()
		var p page
		if r.method == http.MethodGet {
			p = b.get(r.path)
		} else {
			p = b.post(r.path, r.form)
		}
		if p.status != status {
			t.Fatalf("%s %s: %d, want %d\n%s", r.method, r.path, p.status, status, p.body)
		}
		if !strings.Contains(p.body, msg) {
			t.Fatalf("%s %s: page lacks %q:\n%s", r.method, r.path, msg, p.body)
		}
		if got := subStatus(t, a, "reader@example.com"); got != wantState {
			t.Fatalf("state %s, want %s", got, wantState)
		}
	}
	const incomplete, unknown, expired, used = "link is incomplete", "do not recognise this link", "has expired", "already been used"
	cases := []struct {
		name   string
		r      req
		status int
		msg    string
	}{
		{"a truncated confirm link", req{"GET", "/subscribe/confirm?token=" + tok.Confirm[:20], nil}, 400, incomplete},
		{"a confirm link without a token", req{"GET", "/subscribe/confirm", nil}, 400, incomplete},
		{"a forged confirm link", req{"GET", "/subscribe/confirm?token=" + forged, nil}, 404, unknown},
		{"a forged confirm POST", req{"POST", "/subscribe/confirm", url.Values{"token": {forged}}}, 404, unknown},
		{"a garbage confirm POST", req{"POST", "/subscribe/confirm", url.Values{"token": {"<script>"}}}, 400, incomplete},
		{"an unsubscribe token on the confirm page", req{"GET", "/subscribe/confirm?token=" + tok.Unsubscribe, nil}, 404, unknown},
		{"a confirm token on the unsubscribe page", req{"GET", "/unsubscribe?token=" + tok.Confirm, nil}, 404, unknown},
		{"a forged unsubscribe POST", req{"POST", "/unsubscribe", url.Values{"token": {forged}}}, 404, unknown},
		{"a forged one-click POST", req{"POST", "/unsubscribe/one-click?token=" + forged, url.Values{"List-Unsubscribe": {"One-Click"}}}, 404, "not recognised"},
		{"a one-click POST without a token", req{"POST", "/unsubscribe/one-click", url.Values{"List-Unsubscribe": {"One-Click"}}}, 400, "incomplete"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { check(t, tc.r, tc.status, tc.msg, store.SubscriberPending) })
	}
	t.Run("an expired confirm link", func(t *testing.T) {
		a.clock.Set(day1.Add(store.ConfirmTTL + time.Minute))
		defer a.clock.Set(day1)
		check(t, req{"GET", "/subscribe/confirm?token=" + tok.Confirm, nil}, 410, expired, store.SubscriberPending)
		check(t, req{"POST", "/subscribe/confirm", url.Values{"token": {tok.Confirm}}}, 410, expired, store.SubscriberPending)
	})
	t.Run("a confirm POST without a CSRF token", func(t *testing.T) {
		check(t, req{"POST", "/subscribe/confirm", url.Values{"token": {tok.Confirm}, "csrf": {""}}}, 403, "expired", store.SubscriberPending)
	})
	t.Run("a reused confirm link", func(t *testing.T) {
		b.get("/subscribe/confirm?token=" + tok.Confirm)
		if p := b.post("/subscribe/confirm", url.Values{"token": {tok.Confirm}}); p.status != http.StatusSeeOther {
			t.Fatalf("first use: %d", p.status)
		}
		check(t, req{"GET", "/subscribe/confirm?token=" + tok.Confirm, nil}, 410, used, store.SubscriberConfirmed)
		check(t, req{"POST", "/subscribe/confirm", url.Values{"token": {tok.Confirm}}}, 410, used, store.SubscriberConfirmed)
	})
	t.Run("opening the unsubscribe link only shows a button", func(t *testing.T) {
		p := b.get("/unsubscribe?token=" + tok.Unsubscribe)
		mustContain(t, p, ">Unsubscribe</button>")
		if got := subStatus(t, a, "reader@example.com"); got != store.SubscriberConfirmed {
			t.Fatalf("after opening: %s", got)
		}
		if p := b.post("/unsubscribe", url.Values{"token": {tok.Unsubscribe}}); p.status != http.StatusSeeOther || p.location != "/subscribe/left" {
			t.Fatalf("unsubscribe: %d %q", p.status, p.location)
		}
		mustContain(t, b.get("/unsubscribe?token="+tok.Unsubscribe), "already unsubscribed")
	})
}

// TestWithoutSMTPMailIsLoggedAndShownToDirectors runs the embedded default: no mail server.
// The confirmation still fills the outbox, is written to the log with its link, and the
// director reads it on the subscribers page.
func TestWithoutSMTPMailIsLoggedAndShownToDirectors(t *testing.T) {
	log := &subLog{}
	a := subNewAppOn(t, t.TempDir()+"/rapport.db", &testClock{t: day1}, mail.Settings{}, log)
	b := a.browser()
	b.get("/")
	b.post("/subscribe", url.Values{"email": {"reader@example.com"}})
	subEventually(t, "the mail to be logged", func() bool {
		out, _ := a.store.Outbox(context.Background(), 10)
		return len(out) == 1 && out[0].Status == store.MailLogged
	})
	if !strings.Contains(log.String(), "no SMTP server") || !strings.Contains(log.String(), "/subscribe/confirm?token=") {
		t.Fatalf("log lacks the message:\n%s", log.String())
	}
	d := subDirector(t, a)
	p := d.get("/director/subscribers")
	if p.status != http.StatusOK {
		t.Fatalf("director page: %d", p.status)
	}
	mustContain(t, p, "no SMTP server", "reader@example.com", "logged", "Confirm your subscription", "/subscribe/confirm?token=")
}

func TestDirectorsSubscribersPageAndCSV(t *testing.T) {
	a := subNewApp(t, mail.Settings{})
	ctx := context.Background()
	subConfirmed(t, a, "ana@example.com")
	subSignedUp(t, a, "=cmd@example.com")
	left := subConfirmed(t, a, "ben@example.com")
	a.store.Unsubscribe(ctx, left.Unsubscribe)

	t.Run("strangers are sent to sign in", func(t *testing.T) {
		for _, path := range []string{"/director/subscribers", "/director/subscribers.csv"} {
			if p := a.browser().get(path); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/login") {
				t.Fatalf("%s: %d %q", path, p.status, p.location)
			}
		}
	})
	t.Run("trainees are refused", func(t *testing.T) {
		tr := a.browser()
		tr.signUp("Tia", "tia@example.com")
		for _, path := range []string{"/director/subscribers", "/director/subscribers.csv"} {
			if p := tr.get(path); p.status != http.StatusForbidden || strings.Contains(p.body, "ana@example.com") {
				t.Fatalf("%s: %d", path, p.status)
			}
		}
	})
	d := subDirector(t, a)
	t.Run("directors see counts, the list and the outbox", func(t *testing.T) {
		p := d.get("/director/subscribers")
		mustContain(t, p, "<strong>1</strong> confirmed", "<strong>1</strong> waiting", "<strong>1</strong> unsubscribed",
			"ana@example.com", "ben@example.com", "Outbox", "Confirm your subscription")
	})
	t.Run("the CSV has every subscriber, formulas defused", func(t *testing.T) {
		p := d.get("/director/subscribers.csv")
		if p.status != http.StatusOK || !strings.HasPrefix(p.header.Get("Content-Type"), "text/csv") {
			t.Fatalf("csv: %d %s", p.status, p.header.Get("Content-Type"))
		}
		rows, err := csv.NewReader(strings.NewReader(p.body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, r := range rows[1:] {
			got[r[0]] = r[1]
		}
		if len(rows) != 4 || rows[0][0] != "email" || got["ana@example.com"] != "confirmed" || got["ben@example.com"] != "unsubscribed" || got["'=cmd@example.com"] != "pending" {
			t.Fatalf("csv rows %v", rows)
		}
	})
}

// subDirector signs a new director in and returns the browser.
func subDirector(t *testing.T, a *testApp) *browser {
	t.Helper()
	hash, _ := bcrypt.GenerateFromPassword([]byte("correct horse"), bcrypt.MinCost)
	if err := a.store.CreateUser(context.Background(), &store.User{Email: "dee@example.com", Name: "Dee", Role: store.RoleDirector, PasswordHash: string(hash)}); err != nil {
		t.Fatal(err)
	}
	b := a.browser()
	b.get("/login")
	if p := b.post("/login", url.Values{"email": {"dee@example.com"}, "password": {"correct horse"}}); p.status != http.StatusSeeOther {
		t.Fatalf("director sign-in: %d", p.status)
	}
	return b
}
