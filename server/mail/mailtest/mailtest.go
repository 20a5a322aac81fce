// Package mailtest is a real SMTP server (emersion/go-smtp) on 127.0.0.1 for tests: it keeps
// what it receives, can be stopped and started again on the same port, and can be told to go
// down in the middle of a run. Server tests and whole-program tests share it.
package mailtest

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net"
	netmail "net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"rapport/server/mail"
)

// Server is the SMTP server.
type Server struct {
	t        testing.TB
	addr     string
	mu       sync.Mutex
	srv      *smtp.Server
	mails    []Mail
	sessions int
	allow    int // messages to accept before going down; negative: no limit
}

// Mail is one message as the server received it.
type Mail struct {
	From   string
	To     []string
	Header netmail.Header
	Text   string // the decoded text/plain part
	HTML   string
}

// Start listens on a free port of 127.0.0.1 until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	m := &Server{t: t, addr: "127.0.0.1:0", allow: -1}
	m.Restart()
	t.Cleanup(m.Stop)
	return m
}

// Restart listens (again) on the server's address.
func (m *Server) Restart() {
	m.t.Helper()
	ln, err := net.Listen("tcp", m.addr)
	if err != nil {
		m.t.Fatal(err)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		m.mu.Lock()
		m.sessions++
		m.mu.Unlock()
		return &session{m: m}, nil
	}))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	m.mu.Lock()
	m.addr, m.srv, m.allow = ln.Addr().String(), srv, -1
	m.mu.Unlock()
	go srv.Serve(ln) //nolint:errcheck // ends with Close
}

// Stop closes the server; Restart brings it back on the same port.
func (m *Server) Stop() {
	m.mu.Lock()
	srv := m.srv
	m.srv = nil
	m.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// GoDownAfter lets n more messages through, then refuses the next one with 421 and shuts the
// server down, as a mail server going away in the middle of a run.
func (m *Server) GoDownAfter(n int) {
	m.mu.Lock()
	m.allow = n
	m.mu.Unlock()
}

// Down reports whether the server is stopped.
func (m *Server) Down() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.srv == nil
}

// Received returns the messages received so far.
func (m *Server) Received() []Mail {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Mail(nil), m.mails...)
}

// Sessions counts SMTP connections made to the server.
func (m *Server) Sessions() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sessions
}

// Addr is the host:port the server listens on.
func (m *Server) Addr() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.addr
}

// URL is the server as RAPPORT_SMTP_URL names it.
func (m *Server) URL() string { return "smtp://" + m.Addr() + "?tls=none" }

// Settings are Rapport's mail settings for this server.
func (m *Server) Settings() mail.Settings {
	_, port, _ := net.SplitHostPort(m.Addr())
	p, _ := strconv.Atoi(port)
	return mail.Settings{Host: "127.0.0.1", Port: p, TLS: mail.TLSNone, From: "Rapport <news@rapport.example>"}
}

type session struct {
	m    *Server
	from string
	to   []string
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	if s.m.allow == 0 {
		go s.m.Stop()
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Going down for maintenance"}
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error { s.to = append(s.to, to); return nil }

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	got := Mail{From: s.from, To: s.to, Header: msg.Header}
	got.Text, got.HTML = parts(msg)
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.mails = append(s.m.mails, got)
	if s.m.allow > 0 {
		s.m.allow--
	}
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

// parts decodes the text and HTML parts of a multipart/alternative message.
func parts(msg *netmail.Message) (text, html string) {
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
