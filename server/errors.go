package server

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"rapport/server/store"
)

// handleError is Echo's HTTPErrorHandler: it maps errors to statuses, logs only the unexpected
// ones, and answers with the site's error page (JSON under /healthz). Internals never reach
// the client.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, msg := http.StatusInternalServerError, "Something went wrong on our side. Please try again in a moment."
	var he *echo.HTTPError
	switch {
	case errors.As(err, &he):
		status = he.Code
		if m, ok := he.Message.(string); ok && status < 500 {
			msg = m
		} else if status == http.StatusNotFound {
			msg = "We could not find that page."
		} else if status < 500 {
			msg = http.StatusText(status)
		}
	case errors.Is(err, store.ErrNotFound):
		status, msg = http.StatusNotFound, "We could not find that page."
	}
	if status == http.StatusNotFound && (msg == "Not Found" || msg == "") {
		msg = "We could not find that page."
	}
	if status >= 500 {
		s.log.Error("request failed", slog.String("path", c.Request().URL.Path), slog.Any("err", err), slog.String("request_id", c.Response().Header().Get(echo.HeaderXRequestID)))
	}
	if strings.HasPrefix(c.Request().URL.Path, "/healthz") {
		_ = c.JSON(status, map[string]string{"status": "error", "error": msg})
		return
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	title := http.StatusText(status)
	if status == http.StatusNotFound {
		title = "Page not found"
	}
	if rerr := s.render(c, status, "error", title, errorPage{Status: status, Message: msg}); rerr != nil {
		_ = c.String(status, msg)
	}
}

type errorPage struct {
	Status  int
	Message string
}

func notFoundPage() error {
	return echo.NewHTTPError(http.StatusNotFound, "We could not find that page.")
}
