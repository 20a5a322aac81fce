package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"rapport/server/store"
)

// transport delivers one built message. Only the worker's goroutine uses it.
type transport interface {
	send(ctx context.Context, m *store.OutboxMessage, msg *gomail.Msg) error
	idle()  // the outbox is empty for now
	close() // the worker stops
	delivered() string
}

const (
	smtpTimeout = 30 * time.Second
	// keepIdle is how long an unused connection is kept for the next message. Most servers
	// drop idle clients after a minute or more; a NOOP before each send catches those that
	// drop sooner.
	keepIdle = 30 * time.Second
)

// smtpTransport keeps one connection open across messages, so a notification to every
// subscriber is one SMTP session rather than one per mail.
type smtpTransport struct {
	client    *gomail.Client
	connected bool
	lastUsed  time.Time
}

func newSMTPTransport(s Settings) (*smtpTransport, error) {
	opts := []gomail.Option{gomail.WithPort(s.Port), gomail.WithTimeout(smtpTimeout)}
	switch s.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSOpportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(s.Username), gomail.WithPassword(s.Password))
	}
	c, err := gomail.NewClient(s.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("mail: SMTP client: %w", err)
	}
	return &smtpTransport{client: c}, nil
}

func (t *smtpTransport) send(ctx context.Context, _ *store.OutboxMessage, msg *gomail.Msg) error {
	for try := 0; ; try++ {
		if !t.connected {
			if err := t.client.DialWithContext(ctx); err != nil {
				return fmt.Errorf("connect: %w", err)
			}
			t.connected = true
		}
		err := t.client.Send(msg)
		if err == nil {
			t.lastUsed = time.Now()
			return nil
		}
		// After any failure the session's state is unknown; start the next send afresh.
		t.drop()
		var se *gomail.SendError
		if try == 0 && errors.As(err, &se) && se.Reason == gomail.ErrConnCheck {
			continue // the kept connection had gone stale: a fresh one is not a new attempt
		}
		return err
	}
}

func (t *smtpTransport) drop() {
	if t.connected {
		_ = t.client.Close() // QUIT on a broken connection fails; it is being dropped anyway
		t.connected = false
	}
}

func (t *smtpTransport) idle() {
	if t.connected && time.Since(t.lastUsed) > keepIdle {
		t.drop()
	}
}

func (t *smtpTransport) close()            { t.drop() }
func (t *smtpTransport) delivered() string { return store.MailSent }

// logTransport stands in for a mail server: each message goes to the log, links and all,
// so someone running Rapport locally can follow a confirmation link.
type logTransport struct{ log *slog.Logger }

func (t logTransport) send(_ context.Context, m *store.OutboxMessage, _ *gomail.Msg) error {
	t.log.Info("mail kept in the outbox, not sent: no SMTP server is configured (RAPPORT_SMTP_URL)",
		slog.Int64("outbox_id", m.ID), slog.String("to", m.Recipient), slog.String("subject", m.Subject), slog.String("text", m.TextBody))
	return nil
}

func (logTransport) idle()             {}
func (logTransport) close()            {}
func (logTransport) delivered() string { return store.MailLogged }

// buildMsg turns an outbox row into a go-mail message. Its errors are permanent: the same
// row would fail the same way on every retry.
func buildMsg(m *store.OutboxMessage, from string, date time.Time) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(from); err != nil {
		return nil, err
	}
	if strings.ContainsAny(m.Recipient, "\r\n") {
		return nil, errors.New("recipient has a line break")
	}
	if err := msg.To(m.Recipient); err != nil {
		return nil, err
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDateWithValue(date)
	h, err := m.HeaderMap()
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "" || strings.ContainsAny(k, ": \r\n") || strings.ContainsAny(h[k], "\r\n") {
			return nil, fmt.Errorf("header %q is not one line", k)
		}
		// Preformatted: these are ASCII values Rapport wrote, such as <https://...> lists
		// that must not be encoded or folded.
		msg.SetGenHeaderPreformatted(gomail.Header(k), h[k])
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.TextBody)
	if m.HTMLBody != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTMLBody)
	}
	return msg, nil
}

// permanent reports whether the server refused the message for good (a 5xx reply): trying
// again would only be refused again.
func permanent(err error) bool {
	var se *gomail.SendError
	if errors.As(err, &se) {
		code := se.ErrorCode()
		return code >= 500 && code < 600
	}
	return false
}
