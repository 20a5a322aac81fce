// Package mail sends Rapport's outgoing mail: a worker drains the outbox table over SMTP
// (wneessen/go-mail), keeping its connection between messages, retrying failures with
// backoff and recording every attempt. Without SMTP settings the worker writes each message
// to the log instead and marks it logged, so a laptop with no mail server still works.
package mail

import (
	"fmt"
	"net"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
)

// TLS modes for the connection to the SMTP server.
const (
	TLSStartTLS      = "starttls"      // STARTTLS required (the default for smtp://)
	TLSOpportunistic = "opportunistic" // STARTTLS when offered, plain otherwise
	TLSImplicit      = "tls"           // TLS from the first byte (smtps://, port 465)
	TLSNone          = "none"          // plain text: only for a relay on the same host
)

// Settings locate the SMTP server and say who mail is from. A zero Host means no server:
// mail is logged and kept in the outbox.
type Settings struct {
	Host     string
	Port     int
	Username string
	Password string
	TLS      string
	From     string // a bare address or "Name <address>"
}

// Enabled reports whether mail goes to an SMTP server.
func (s Settings) Enabled() bool { return s.Host != "" }

// String describes the server without the password, for the log and the director's page.
func (s Settings) String() string {
	if !s.Enabled() {
		return "no SMTP server: mail is written to the log and kept in the outbox"
	}
	who := ""
	if s.Username != "" {
		who = s.Username + "@"
	}
	return fmt.Sprintf("smtp %s%s (TLS: %s)", who, net.JoinHostPort(s.Host, strconv.Itoa(s.Port)), s.TLS)
}

// ParseURL reads an SMTP URL, smtp://user:password@host:port?tls=starttls|opportunistic|none
// or smtps://user:password@host:port for TLS from the start. The port defaults to 587
// (smtp), 465 (smtps) or 25 (tls=none). An empty URL gives zero Settings.
func ParseURL(raw string) (Settings, error) {
	var s Settings
	if raw == "" {
		return s, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return s, fmt.Errorf("mail: SMTP URL does not parse (is a password with special characters percent-encoded?)")
	}
	if u.Hostname() == "" {
		return s, fmt.Errorf("mail: SMTP URL %q has no host", redact(u))
	}
	s.Host = u.Hostname()
	q := u.Query()
	for k := range q {
		if k != "tls" {
			return s, fmt.Errorf("mail: SMTP URL: unknown setting %q (only tls is known)", k)
		}
	}
	switch u.Scheme {
	case "smtp":
		s.TLS = TLSStartTLS
		if t := q.Get("tls"); t != "" {
			if t != TLSStartTLS && t != TLSOpportunistic && t != TLSNone {
				return s, fmt.Errorf("mail: SMTP URL: tls must be starttls, opportunistic or none, not %q", t)
			}
			s.TLS = t
		}
	case "smtps":
		s.TLS = TLSImplicit
		if t := q.Get("tls"); t != "" && t != TLSImplicit {
			return s, fmt.Errorf("mail: SMTP URL: smtps:// always uses TLS; drop tls=%s or use smtp://", t)
		}
	default:
		return s, fmt.Errorf("mail: SMTP URL must start with smtp:// or smtps://")
	}
	s.Port = 587
	switch {
	case u.Port() != "":
		if s.Port, err = strconv.Atoi(u.Port()); err != nil || s.Port < 1 || s.Port > 65535 {
			return s, fmt.Errorf("mail: SMTP URL: bad port %q", u.Port())
		}
	case s.TLS == TLSImplicit:
		s.Port = 465
	case s.TLS == TLSNone:
		s.Port = 25
	}
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	return s, nil
}

// CheckFrom validates a From address, so a bad setting stops the start, not every send.
func CheckFrom(from string) error {
	if strings.ContainsAny(from, "\r\n") {
		return fmt.Errorf("mail: From address must be one line")
	}
	if _, err := netmail.ParseAddress(from); err != nil {
		return fmt.Errorf("mail: From address %q: %w", from, err)
	}
	return nil
}

func redact(u *url.URL) string {
	if u.User != nil {
		if _, has := u.User.Password(); has {
			c := *u
			c.User = url.UserPassword(u.User.Username(), "xxxxx")
			return c.String()
		}
	}
	return u.String()
}
