// Package server is Rapport's web application: Echo routes, handlers, sessions and pages.
package server

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"rapport/courses"
	"rapport/server/store"
	"rapport/static"
)

// Config is everything the server needs, parsed once by cmd/rapport.
type Config struct {
	BaseURL    string // public URL, e.g. https://training.example.com; decides Secure cookies
	SessionKey []byte // 64-byte signing key followed by a 32-byte encryption key
	Content    fs.FS  // the course folders
	Now        func() time.Time
	Logger     *slog.Logger
	// BcryptCost lowers password hashing cost in tests; zero means bcrypt's default.
	BcryptCost int
}

// Server is the application: its dependencies and the Echo instance serving them.
type Server struct {
	cfg      Config
	store    *store.Store
	catalog  atomic.Pointer[courses.Catalog]
	sessions *sessions.CookieStore
	pages    *pages
	assets   *static.Assets
	limits   *limits
	echo     *echo.Echo
	log      *slog.Logger
	now      func() time.Time
	secure   bool

	contentStatus contentStatus

	dummyOnce sync.Once
	dummy     []byte
}

// New builds the server. It fails when the content does not pass lint or a template does not
// parse, so a broken deployment stops at start rather than on a trainee's request.
func New(cfg Config, st *store.Store) (*Server, error) {
	if len(cfg.SessionKey) != 96 {
		return nil, fmt.Errorf("server: session key must be 96 bytes, got %d", len(cfg.SessionKey))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("server: base URL %q must be absolute, like http://127.0.0.1:8080", cfg.BaseURL)
	}
	s := &Server{cfg: cfg, store: st, log: cfg.Logger, now: cfg.Now, secure: base.Scheme == "https"}
	if err := s.LoadContent(cfg.Content); err != nil {
		return nil, err
	}
	if s.assets, err = static.New(); err != nil {
		return nil, err
	}
	if s.pages, err = parsePages(s.assets); err != nil {
		return nil, err
	}
	s.sessions = newSessionStore(cfg.SessionKey, s.secure)
	s.limits = newLimits()
	s.echo = s.routes()
	return s, nil
}

// ContentError is content that failed lint; it lists every problem.
type ContentError struct{ Problems []courses.Problem }

func (e *ContentError) Error() string {
	msg := fmt.Sprintf("content has %d problem(s):", len(e.Problems))
	for _, p := range e.Problems {
		msg += "\n  " + p.String()
	}
	return msg
}

// LoadContent checks and swaps in new course content; on failure the old content stays.
func (s *Server) LoadContent(fsys fs.FS) error {
	cat, problems := courses.Load(fsys)
	if len(problems) > 0 {
		s.contentStatus.set(problems, s.now())
		return &ContentError{Problems: problems}
	}
	s.catalog.Store(cat)
	s.contentStatus.set(nil, time.Time{})
	return nil
}

// Catalog returns the content being served.
func (s *Server) Catalog() *courses.Catalog { return s.catalog.Load() }

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Shutdown is a hook for background work; the HTTP server itself is shut down by its owner.
func (s *Server) Shutdown(ctx context.Context) error { return nil }
