package server

import (
	"encoding/csv"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"rapport/server/store"
)

// directorListLimit bounds the lists on the page; the CSV export has every subscriber.
const directorListLimit = 200

type directorSubscribersPage struct {
	Mail         string
	MailEnabled  bool
	Counts       store.SubscriberCounts
	Subscribers  []store.Subscriber
	Truncated    bool
	OutboxCounts map[string]int64
	Outbox       []store.OutboxMessage
}

// handleDirectorSubscribers: GET /director/subscribers. Who subscribed, in which state, and
// the outbox: each message's status and last error, and its text, which is how mail is
// read on a server with no SMTP settings.
func (s *Server) handleDirectorSubscribers(c echo.Context) error {
	ctx := c.Request().Context()
	d := directorSubscribersPage{Mail: s.cfg.Mail.String(), MailEnabled: s.cfg.Mail.Enabled()}
	var err error
	if d.Counts, err = s.store.CountSubscribers(ctx); err != nil {
		return err
	}
	if d.Subscribers, err = s.store.ListSubscribers(ctx, directorListLimit); err != nil {
		return err
	}
	d.Truncated = d.Counts.Total() > int64(len(d.Subscribers))
	if d.OutboxCounts, err = s.store.CountOutbox(ctx); err != nil {
		return err
	}
	if d.Outbox, err = s.store.Outbox(ctx, directorListLimit); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "director_subscribers", "Subscribers", d)
}

// handleDirectorSubscribersCSV: GET /director/subscribers.csv. Every subscriber, streamed.
func (s *Server) handleDirectorSubscribersCSV(c echo.Context) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="rapport-subscribers.csv"`)
	w := csv.NewWriter(c.Response())
	stamp := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	if err := w.Write([]string{"email", "status", "signed_up", "confirmed", "unsubscribed"}); err != nil {
		return err
	}
	err := s.store.EachSubscriber(c.Request().Context(), func(sub *store.Subscriber) error {
		return w.Write([]string{csvSafe(sub.Email), sub.Status, stamp(&sub.CreatedAt), stamp(sub.ConfirmedAt), stamp(sub.UnsubscribedAt)})
	})
	if err != nil {
		return err
	}
	w.Flush()
	return w.Error()
}
