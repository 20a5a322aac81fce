package server

import (
	"log/slog"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"
)

// logRequests writes one structured line per request and records it in the metrics.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err) // render the error now so the line below logs its real status
		}
		took := time.Since(start)
		s.metrics.record(c, took)
		req, res := c.Request(), c.Response()
		s.log.Info("request",
			slog.String("method", req.Method),
			slog.String("path", req.URL.Path),
			slog.Int("status", res.Status),
			slog.Int64("bytes", res.Size),
			slog.Duration("took", took),
			slog.String("request_id", res.Header().Get(echo.HeaderXRequestID)),
		)
		return nil
	}
}

// securityHeaders sets the headers every answer carries. The policy allows no inline script
// and nothing from other hosts.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		return next(c)
	}
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// safeNext returns next when it is a path on this site, and "/" otherwise, so a sign-in link
// can never send someone to another host.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || u.Scheme != "" || u.Host != "" || len(next) > 500 {
		return "/"
	}
	if next[0] != '/' || (len(next) > 1 && (next[1] == '/' || next[1] == '\\')) {
		return "/"
	}
	return next
}
