package server

import (
	"context"
	"crypto/rand"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"rapport/content"
	"rapport/server/store"
)

// testClock is a clock tests move by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *testClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// testApp is a server on a real SQLite file, served over a real listener.
type testApp struct {
	t     testing.TB
	srv   *Server
	store *store.Store
	clock *testClock
	http  *httptest.Server
}

// day1 is a moment when parts 1-4 of the shipped course are out and 5-7 are not.
var day1 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func newTestApp(t testing.TB) *testApp {
	t.Helper()
	return startApp(t, filepath.Join(t.TempDir(), "rapport.db"), &testClock{t: day1}, nil, false)
}

// startApp serves a Server over a real listener on the database db, which several apps may
// share. tune adjusts the configuration; background starts the mail worker and the scheduler.
func startApp(t testing.TB, db string, clock *testClock, tune func(*Config), background bool) *testApp {
	t.Helper()
	st, err := store.Open(db, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key := make([]byte, 96)
	_, _ = rand.Read(key)
	hs := httptest.NewUnstartedServer(nil)
	cfg := Config{
		BaseURL: "http://" + hs.Listener.Addr().String(), SessionKey: key, Content: content.FS(),
		Now: clock.Now, Logger: discardLogger(), BcryptCost: bcrypt.MinCost,
	}
	if tune != nil {
		tune(&cfg)
	}
	srv, err := New(cfg, st)
	if err != nil {
		t.Fatal(err)
	}
	hs.Config.Handler = srv
	hs.Start()
	t.Cleanup(hs.Close)
	if background {
		srv.Start(context.Background())
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return &testApp{t: t, srv: srv, store: st, clock: clock, http: hs}
}

// browser is an HTTP client with its own cookies that does not follow redirects, so tests see
// each answer.
type browser struct {
	t    testing.TB
	app  *testApp
	c    *http.Client
	csrf string
}

func (a *testApp) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: a.t, app: a, c: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// withT returns the same browser (same cookies) reporting to t, for use inside a fuzz target.
func (b *browser) withT(t testing.TB) *browser {
	c := *b
	c.t = t
	return &c
}

type page struct {
	status   int
	body     string
	location string
	header   http.Header
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	p := page{status: res.StatusCode, body: string(body), location: res.Header.Get("Location"), header: res.Header}
	if m := csrfInput.FindStringSubmatch(p.body); m != nil {
		b.csrf = m[1]
	}
	return p
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, b.app.http.URL+path, nil)
	return b.do(req)
}

// post submits a form with the CSRF token of the last page seen, as a browser would.
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, set := form["csrf"]; !set {
		form.Set("csrf", b.csrf)
	}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, b.app.http.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// signUp creates a trainee account through the form and leaves the browser signed in.
func (b *browser) signUp(name, email string) {
	b.t.Helper()
	b.get("/signup")
	p := b.post("/signup", url.Values{"name": {name}, "email": {email}, "password": {"correct horse"}})
	if p.status != http.StatusSeeOther {
		b.t.Fatalf("sign up %s: status %d\n%s", email, p.status, p.body)
	}
}

// mustContain checks the page holds each string, as written or as HTML-escaped text.
func mustContain(t *testing.T, p page, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(p.body, w) && !strings.Contains(p.body, html.EscapeString(w)) {
			t.Fatalf("page (status %d) lacks %q:\n%s", p.status, w, p.body)
		}
	}
}
