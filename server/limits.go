package server

import (
	"strings"
	"time"

	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"
)

// limits are the in-memory rate limiters. Per-IP limits slow down one client; the per-account
// limit stops a password being guessed from many addresses. Each instance keeps its own, so N
// instances allow N times the rate: still far below what guessing needs.
type limits struct {
	signInIP      *middleware.RateLimiterMemoryStore
	signInAccount *middleware.RateLimiterMemoryStore
	signUpIP      *middleware.RateLimiterMemoryStore
}

func newLimits() *limits {
	store := func(every time.Duration, burst int) *middleware.RateLimiterMemoryStore {
		return middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Every(every), Burst: burst, ExpiresIn: 30 * time.Minute,
		})
	}
	return &limits{
		signInIP:      store(6*time.Second, 20),
		signInAccount: store(30*time.Second, 5),
		signUpIP:      store(30*time.Second, 10),
	}
}

func allow(st *middleware.RateLimiterMemoryStore, key string) bool {
	ok, _ := st.Allow(strings.ToLower(key)) // the memory store never returns an error
	return ok
}
