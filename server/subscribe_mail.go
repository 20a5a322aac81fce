package server

import (
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"
	"sync"

	"github.com/labstack/echo/v4/middleware"

	"rapport/courses"
	"rapport/server/mail"
	"rapport/server/store"
	"rapport/templates"
)

// defaultFrom is the sender when no mail server is configured: the mail only reaches the
// log and the outbox page, so the address just has to be well formed.
const defaultFrom = "Rapport <rapport@localhost>"

// subscriptions is the server's part in subscriber mail.
type subscriptions struct {
	templates *mail.Templates
	mailer    *mail.Worker
	domain    string // right-hand side of Message-IDs: the From address's domain
	signUpIP  *middleware.RateLimiterMemoryStore

	bgMu     sync.Mutex
	bgCancel func()
	bgDone   chan struct{}
}

// setupSubscriptions parses the mail templates and builds the worker, so bad templates or
// mail settings stop the start. Background work begins only with Start.
func (s *Server) setupSubscriptions() error {
	settings := s.cfg.Mail
	if settings.From == "" {
		if settings.Enabled() {
			return errors.New("server: a From address (RAPPORT_MAIL_FROM) is needed to send mail through " + settings.String())
		}
		settings.From = defaultFrom
	}
	addr, err := netmail.ParseAddress(settings.From)
	if err != nil {
		return fmt.Errorf("server: From address %q: %w", settings.From, err)
	}
	s.subs.domain = addr.Address[strings.LastIndex(addr.Address, "@")+1:]
	if s.subs.templates, err = mail.ParseTemplates(templates.FS()); err != nil {
		return err
	}
	s.subs.mailer, err = mail.NewWorker(mail.WorkerConfig{
		Store: s.store, Settings: settings, Now: s.now, Log: s.log, Poll: s.cfg.MailPoll, Retry: s.cfg.MailRetry,
	})
	if err != nil {
		return err
	}
	s.subs.signUpIP = newSubscribeLimiter()
	return nil
}

// Mailer is the outbox worker; tests step it with Drain.
func (s *Server) Mailer() *mail.Worker { return s.subs.mailer }

// mailData is what every mail template receives.
type mailData struct {
	SiteURL        string
	Email          string
	ConfirmURL     string
	UnsubscribeURL string
	Lesson         *mailLesson
}

type mailLesson struct {
	CourseTitle, Title, Summary, URL string
	Part                             int
}

func (s *Server) siteURL() string { return strings.TrimRight(s.cfg.BaseURL, "/") }

// newMail renders a mail for a subscriber. Every mail, confirmation included, carries the
// unsubscribe link in its body and the RFC 8058 one-click headers, which point at a separate
// URL: the only POST route that takes no CSRF token, since a mail provider sends it.
func (s *Server) newMail(name string, sub *store.Subscriber, tok store.MailTokens, l *mailLesson) (*store.OutboxMessage, error) {
	base := s.siteURL()
	d := mailData{SiteURL: base, Email: sub.Email, UnsubscribeURL: base + "/unsubscribe?token=" + tok.Unsubscribe, Lesson: l}
	if tok.Confirm != "" {
		d.ConfirmURL = base + "/subscribe/confirm?token=" + tok.Confirm
	}
	r, err := s.subs.templates.Render(name, d)
	if err != nil {
		return nil, err
	}
	m := &store.OutboxMessage{
		MessageID: store.NewMessageID(s.subs.domain), Recipient: sub.Email,
		Subject: r.Subject, TextBody: r.Text, HTMLBody: r.HTML,
	}
	err = m.SetHeaders(map[string]string{
		"List-Unsubscribe":      "<" + base + "/unsubscribe/one-click?token=" + tok.Unsubscribe + ">",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		"Auto-Submitted":        "auto-generated", // RFC 3834: no out-of-office replies, please
	})
	return m, err
}

// composeConfirm is the store.Composer for confirmation mails.
func (s *Server) composeConfirm(sub *store.Subscriber, tok store.MailTokens) (*store.OutboxMessage, error) {
	return s.newMail("confirm", sub, tok, nil)
}

// composeNotify returns the store.Composer for the mail announcing lesson l.
func (s *Server) composeNotify(l *courses.Lesson) store.Composer {
	ml := &mailLesson{CourseTitle: l.Course.Title, Title: l.Title, Summary: l.Summary, Part: l.Part, URL: s.siteURL() + lessonURL(l)}
	return func(sub *store.Subscriber, tok store.MailTokens) (*store.OutboxMessage, error) {
		return s.newMail("notify", sub, tok, ml)
	}
}
