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
	"rapport/server/mail"
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
	// MetricsToken, when set, is required as a bearer token for /metrics; without it /metrics
	// answers loopback clients only.
	MetricsToken string
	// TrustProxy takes the client address from X-Forwarded-For when the request comes from a
	// proxy on this machine (loopback). Off, the connection's own address is used, so no client
	// can dodge a per-IP limit by sending the header itself.
	TrustProxy bool
	// BenchStaticPage, for load testing only, is served as a static file at
	// /static/bench/lesson.html: the baseline the load tool compares live pages against.
	BenchStaticPage []byte
	// Authoring serves the course from the database's published documents, seeded from
	// Content on first start, and lets directors edit it in the browser. Off, Content is
	// served as it is (the --content folder mode).
	Authoring bool
	// ContentPoll is how often an authoring instance checks for newly published content;
	// zero means every 2 seconds.
	ContentPoll time.Duration
	// Mail is the SMTP server and From address for subscriber mail. With no server, mail
	// is written to the log and kept in the outbox for the director's page.
	Mail mail.Settings
	// MailPoll and NotifyPoll are how often the mail worker and the installment scheduler
	// look for work when nothing wakes them; zero means 5 seconds and 1 minute.
	MailPoll, NotifyPoll time.Duration
	// MailRetry is the backoff for failed sends; zero means mail.DefaultRetry.
	MailRetry mail.Retry
}

// Server is the application: its dependencies and the Echo instance serving them.
type Server struct {
	cfg      Config
	store    *store.Store
	catalog  atomic.Pointer[courses.Catalog]
	prose    atomic.Pointer[packedProse] // the catalog's prose, compressed when it loads
	sessions *sessions.CookieStore
	pages    *pages
	assets   *static.Assets
	metrics  *metrics
	limits   *limits
	echo     *echo.Echo
	log      *slog.Logger
	now      func() time.Time
	secure   bool

	contentStatus contentStatus
	authoring     authoringState
	subs          subscriptions // subscriber mail: templates, worker, scheduler (subscribe.go, notify.go)

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
	s.metrics = newMetrics(st)
	if err := s.setupSubscriptions(); err != nil {
		return nil, err
	}
	s.echo = s.routes()
	if cfg.Authoring {
		if err := s.startAuthoring(); err != nil {
			return nil, err
		}
	}
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
	// The prose first: a render that meets the new catalog with the old table writes the
	// prose uncompressed into the page rather than splice the wrong runs (spliced.go).
	packed := packProse(cat)
	s.prose.Store(&packed)
	s.catalog.Store(cat)
	s.contentStatus.set(nil, time.Time{})
	return nil
}

// Catalog returns the content being served.
func (s *Server) Catalog() *courses.Catalog { return s.catalog.Load() }

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Shutdown is a hook for background work; the HTTP server itself is shut down by its owner.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopAuthoring()
	return s.stopBackground(ctx)
}
