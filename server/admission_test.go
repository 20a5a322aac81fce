package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

func TestAdmissionQueuesRequestsOverTheLimitButNeverHealthz(t *testing.T) {
	a := &admission{slots: make(chan struct{}, 1), wait: 50 * time.Millisecond}
	e := echo.New()
	release := make(chan struct{})
	started := make(chan struct{})
	h := a.middleware(func(c echo.Context) error {
		if c.Request().URL.Path == "/slow" {
			close(started)
			<-release
		}
		return c.NoContent(http.StatusNoContent)
	})
	serve := func(path string) (int, error) {
		c := e.NewContext(httptest.NewRequest(http.MethodGet, path, nil), httptest.NewRecorder())
		err := h(c)
		if he, ok := err.(*echo.HTTPError); ok {
			return he.Code, nil
		}
		return c.Response().Status, err
	}

	done := make(chan int)
	go func() { code, _ := serve("/slow"); done <- code }()
	<-started // the one slot is taken

	t.Run("a request over the limit waits, then is told the server is busy", func(t *testing.T) {
		if code, err := serve("/page"); err != nil || code != http.StatusServiceUnavailable {
			t.Fatalf("status %d, err %v; want 503", code, err)
		}
	})
	t.Run("health checks are never queued", func(t *testing.T) {
		if code, err := serve("/healthz"); err != nil || code != http.StatusNoContent {
			t.Fatalf("status %d, err %v; want 204", code, err)
		}
	})
	close(release)
	if code := <-done; code != http.StatusNoContent {
		t.Fatalf("the admitted request: status %d", code)
	}
	t.Run("a freed slot admits the next request", func(t *testing.T) {
		if code, err := serve("/page"); err != nil || code != http.StatusNoContent {
			t.Fatalf("status %d, err %v; want 204", code, err)
		}
	})
}
