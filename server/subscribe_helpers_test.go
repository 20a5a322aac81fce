package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/http/httptest"
	netmail "net/mail"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"golang.org/x/crypto/bcrypt"

	"rapport/content"
	"rapport/courses"
	"rapport/server/mail"
	"rapport/server/store"
)

// Helpers for the subscriber tests, prefixed sub so they stay out of the shared helpers' way.

// subSMTP is a real SMTP server on 127.0.0.1 (emersion/go-smtp) that keeps what it receives.
// It can be stopped and started again on the same port, and told to go down mid-run.
type subSMTP struct {
	t        *testing.T
	addr     string
	mu       sync.Mutex
	srv      *smtp.Server
	mails    []subMail
	sessions int
	allow    int // messages to accept before going down; negative: no limit
}

// subMail is one message as the server received it.
type subMail struct {
	From   string
	To     []string
	Header netmail.Header
	Text   string // the decoded text/plain part
	HTML   string
}

func subStartSMTP(t *testing.T) *subSMTP {
	t.Helper()
	m := &subSMTP{t: t, addr: "127.0.0.1:0", allow: -1}
	m.start()
	t.Cleanup(m.stop)
	return m
}

// start listens (again) on the server's address.
func (m *subSMTP) start() {
	m.t.Helper()
	ln, err := net.Listen("tcp", m.addr)
	if err != nil {
		m.t.Fatal(err)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		m.mu.Lock()
		m.sessions++
		m.mu.Unlock()
		return &subSession{m: m}, nil
	}))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	m.mu.Lock()
	m.addr, m.srv, m.allow = ln.Addr().String(), srv, -1
	m.mu.Unlock()
	go srv.Serve(ln) //nolint:errcheck // ends with Close
}

func (m *subSMTP) stop() {
	m.mu.Lock()
	srv := m.srv
	m.srv = nil
	m.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// goDownAfter lets n more messages through, then refuses the next one with 421 and shuts
// the server down, as a mail server going away in the middle of a run.
func (m *subSMTP) goDownAfter(n int) {
	m.mu.Lock()
	m.allow = n
	m.mu.Unlock()
}

func (m *subSMTP) down() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.srv == nil
}

func (m *subSMTP) received() []subMail {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]subMail(nil), m.mails...)
}

func (m *subSMTP) settings() mail.Settings {
	_, port, _ := net.SplitHostPort(m.addr)
	p, _ := strconv.Atoi(port)
	return mail.Settings{Host: "127.0.0.1", Port: p, TLS: mail.TLSNone, From: "Rapport <news@rapport.example>"}
}

type subSession struct {
	m    *subSMTP
	from string
	to   []string
}

func (s *subSession) Mail(from string, _ *smtp.MailOptions) error {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	if s.m.allow == 0 {
		go s.m.stop()
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Going down for maintenance"}
	}
	s.from = from
	return nil
}

func (s *subSession) Rcpt(to string, _ *smtp.RcptOptions) error { s.to = append(s.to, to); return nil }

func (s *subSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	got := subMail{From: s.from, To: s.to, Header: msg.Header}
	got.Text, got.HTML = subParts(s.m.t, msg)
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.mails = append(s.m.mails, got)
	if s.m.allow > 0 {
		s.m.allow--
	}
	return nil
}

func (s *subSession) Reset()        { s.from, s.to = "", nil }
func (s *subSession) Logout() error { return nil }

// subParts decodes the text and HTML parts of a multipart/alternative message.
func subParts(t *testing.T, msg *netmail.Message) (text, html string) {
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		b, _ := io.ReadAll(msg.Body)
		return string(b), ""
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return text, html
		}
		b, _ := io.ReadAll(p) // quoted-printable is decoded by the multipart reader
		if p.Header.Get("Content-Transfer-Encoding") == "base64" {
			b, _ = base64.StdEncoding.DecodeString(strings.ReplaceAll(string(b), "\r\n", ""))
		}
		switch ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct {
		case "text/plain":
			text = string(b)
		case "text/html":
			html = string(b)
		}
	}
}

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
	st, err := store.Open(db, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key := make([]byte, 96)
	_, _ = rand.Read(key)
	hs := httptest.NewUnstartedServer(nil)
	cfg := Config{
		BaseURL: "http://" + hs.Listener.Addr().String(), SessionKey: key, Content: content.FS(),
		Now: clock.Now, Logger: discardLogger(), BcryptCost: bcrypt.MinCost,
		Mail: settings, MailPoll: 5 * time.Millisecond, NotifyPoll: 5 * time.Millisecond,
	}
	if log == nil {
		log = &subLog{}
	}
	cfg.Logger = slog.New(slog.NewTextHandler(log, nil))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", log.String())
		}
	})
	srv, err := New(cfg, st)
	if err != nil {
		t.Fatal(err)
	}
	hs.Config.Handler = srv
	hs.Start()
	t.Cleanup(hs.Close)
	srv.Start(context.Background())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return &testApp{t: t, srv: srv, store: st, clock: clock, http: hs}
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
