package server

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"rapport/courses"
	"rapport/server/mail"
	"rapport/server/store"
)

// Helpers for the subscriber tests, prefixed sub so they stay out of the shared helpers' way.

// subEventually polls cond until it holds, failing the test after ten seconds. It asserts an
// outcome, never a duration.
func subEventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// subNewApp is a started server (mail worker and scheduler running, polling every few
// milliseconds) on a fresh SQLite file, sending mail with the settings.
func subNewApp(t *testing.T, settings mail.Settings) *testApp {
	t.Helper()
	return subNewAppOn(t, filepath.Join(t.TempDir(), "rapport.db"), &testClock{t: day1}, settings, nil)
}

// subNewAppOn is subNewApp on a given database, clock and log (nil: a fresh one), so tests
// can run several instances on one database. The log is printed when the test fails.
func subNewAppOn(t *testing.T, db string, clock *testClock, settings mail.Settings, log *subLog) *testApp {
	t.Helper()
	if log == nil {
		log = &subLog{}
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", log.String())
		}
	})
	return startApp(t, db, clock, func(c *Config) {
		c.Mail, c.MailPoll, c.NotifyPoll = settings, 5*time.Millisecond, 5*time.Millisecond
		c.Logger = slog.New(slog.NewTextHandler(log, nil))
	}, true)
}

// subPart returns a lesson of the shipped course by part number.
func subPart(a *testApp, part int) *courses.Lesson {
	c, _ := a.srv.Catalog().Course("difficult-customers")
	for _, l := range c.Lessons {
		if l.Part == part {
			return l
		}
	}
	a.t.Fatalf("no part %d", part)
	return nil
}

var subLinkRE = regexp.MustCompile(`https?://[^\s"<>]+/(subscribe/confirm|unsubscribe|unsubscribe/one-click)\?token=[A-Za-z0-9_-]+`)

// subLink finds the link of the kind ("subscribe/confirm", "unsubscribe") in a mail body and
// returns it as a path on the test server.
func subLink(t *testing.T, a *testApp, body, kind string) string {
	t.Helper()
	for _, m := range subLinkRE.FindAllStringSubmatch(body, -1) {
		if m[1] == kind {
			return strings.TrimPrefix(m[0], a.srv.siteURL())
		}
	}
	t.Fatalf("no %s link in:\n%s", kind, body)
	return ""
}

// subStatus is the state of an address in the subscribers table ("" when absent).
func subStatus(t *testing.T, a *testApp, email string) string {
	t.Helper()
	var status string
	if err := a.store.DB().Table("subscribers").Where("email = ?", email).Select("status").Scan(&status).Error; err != nil {
		t.Fatal(err)
	}
	return status
}

func subRows(t *testing.T, a *testApp, table string) int64 {
	t.Helper()
	var n int64
	if err := a.store.DB().Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// subOutboxSettled reports whether no mail is waiting or being sent.
func subOutboxSettled(t *testing.T, a *testApp) bool {
	t.Helper()
	var n int64
	a.store.DB().Table("outbox_messages").Where("status IN ?", []string{store.MailPending, store.MailSending}).Count(&n)
	return n == 0
}

// subLog collects log output safely from several goroutines.
type subLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *subLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}
func (l *subLog) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.buf.String() }
