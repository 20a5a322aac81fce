package server

import (
	"net/http"
	"runtime"
	"time"

	"github.com/labstack/echo/v4"
)

// admission bounds how many requests are worked on at once; the rest wait their turn, first
// come first served, before any middleware has taken memory for them.
//
// Without it, an exam start that outruns the server for a few seconds leaves thousands of
// requests in flight at once, each holding what the middleware took for it, above all a gzip
// writer (hundreds of KB of deflate state): 5,000 trainees in 10 seconds drove the server past
// 2 GB. The work is CPU and a single database writer, so a few
// requests per core keep both busy; more in flight only share the same cores more thinly.
// /healthz is never queued, so a load balancer can still tell a busy instance from a dead one.
type admission struct {
	slots chan struct{}
	wait  time.Duration
}

func newAdmission() *admission {
	return &admission{slots: make(chan struct{}, 16*runtime.GOMAXPROCS(0)), wait: 30 * time.Second}
}

func (a *admission) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().URL.Path == "/healthz" {
			return next(c)
		}
		select {
		case a.slots <- struct{}{}:
		default:
			t := time.NewTimer(a.wait)
			defer t.Stop()
			select {
			case a.slots <- struct{}{}:
			case <-t.C:
				return echo.NewHTTPError(http.StatusServiceUnavailable, "Rapport is very busy right now. Please try again in a minute.")
			case <-c.Request().Context().Done():
				return c.Request().Context().Err()
			}
		}
		defer func() { <-a.slots }()
		return next(c)
	}
}
