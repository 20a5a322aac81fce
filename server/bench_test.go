package server

import (
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"rapport/content"
	"rapport/courses"
	"rapport/server/store"
)

// Benchmarks of the hot paths, each through the whole Echo stack (middleware, session, CSRF,
// handler, real SQLite in a temp folder) but without a network, so they measure the server's
// own cost per request. The load tool (cmd/rapport-load) measures the same over HTTP.
//
//	go test ./server -run '^$' -bench . -benchmem -cpuprofile cpu.out

// benchApp is a server on a real SQLite file with signed-in trainees.
type benchApp struct {
	srv      *Server
	store    *store.Store
	key      []byte
	lesson   *courses.Lesson
	trainees []benchTrainee
	page     []byte // the lesson page, uncompressed: the static baseline's bytes
	gzip     bool   // send Accept-Encoding: gzip
}

type benchTrainee struct {
	id      int64
	cookies string
	csrf    string
}

const benchLesson = "/courses/difficult-customers/why-difficult-customers-matter"

func newBenchApp(b *testing.B, trainees int) *benchApp {
	b.Helper()
	clock := &testClock{t: day1}
	st, err := store.Open(filepath.Join(b.TempDir(), "rapport.db"), clock.Now)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	key := make([]byte, 96)
	_, _ = rand.Read(key)
	a := &benchApp{store: st, key: key}
	srv, err := New(Config{BaseURL: "http://127.0.0.1:8080", SessionKey: key, Content: content.FS(), Now: clock.Now, Logger: discardLogger(), BcryptCost: bcrypt.MinCost}, st)
	if err != nil {
		b.Fatal(err)
	}
	a.srv = srv
	a.lesson, _ = srv.Catalog().Courses[0].Lesson("why-difficult-customers-matter")
	for i := 0; i < trainees; i++ {
		u := &store.User{Email: "bench" + strconv.Itoa(i) + "@example.com", Name: "Bench " + strconv.Itoa(i), PasswordHash: "x"}
		if err := st.CreateUser(b.Context(), u); err != nil {
			b.Fatal(err)
		}
		c, err := SessionCookie(key, false, u.ID, clock.Now())
		if err != nil {
			b.Fatal(err)
		}
		t := benchTrainee{id: u.ID, cookies: c.Name + "=" + c.Value}
		// The first opening writes and hands out the CSRF token; the benchmarks read after it.
		rec := a.serve(http.MethodGet, benchLesson, t.cookies, "")
		m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(rec.Body.String())
		if rec.Code != http.StatusOK || m == nil {
			b.Fatalf("open lesson: %d", rec.Code)
		}
		t.csrf = m[1]
		t.cookies += "; " + csrfCookie + "=" + t.csrf
		a.trainees = append(a.trainees, t)
	}
	a.page = a.serve(http.MethodGet, benchLesson, a.trainees[0].cookies, "").Body.Bytes()
	a.gzip = true // from here on, ask for gzip as browsers and the load tool do
	return a
}

func (a *benchApp) serve(method, path, cookies, form string) *httptest.ResponseRecorder {
	var req *http.Request
	if form != "" {
		req = httptest.NewRequest(method, path, strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	req.Header.Set("Cookie", cookies)
	if a.gzip {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	rec := httptest.NewRecorder()
	a.srv.ServeHTTP(rec, req)
	return rec
}

// parallel runs f on every trainee in turn from b.RunParallel's goroutines.
func (a *benchApp) parallel(b *testing.B, f func(t benchTrainee)) {
	var next atomic.Int64
	b.ReportAllocs()
	defer reportCPU(b)()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			f(a.trainees[int(next.Add(1))%len(a.trainees)])
		}
	})
}

// reportCPU resets the timer and, when the returned func is called, reports the process's CPU
// time per operation ("cpu-ns/op"). On a machine shared with other work, wall time per
// operation grows with the others' load; CPU time hardly does, so it is the number to compare.
func reportCPU(b *testing.B) func() {
	b.ResetTimer()
	start := processCPU()
	return func() {
		b.StopTimer()
		b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkLessonPage renders the lesson page for a signed-in trainee: session, user, progress
// queries, template.
func BenchmarkLessonPage(b *testing.B) {
	a := newBenchApp(b, 64)
	a.parallel(b, func(t benchTrainee) {
		if rec := a.serve(http.MethodGet, benchLesson, t.cookies, ""); rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	})
}

// BenchmarkStaticPage is the baseline: the same page's bytes as a static file.
func BenchmarkStaticPage(b *testing.B) {
	a := newBenchApp(b, 1)
	a.srv.cfg.BenchStaticPage = a.page
	a.srv.echo = a.srv.routes()
	a.parallel(b, func(benchTrainee) {
		if rec := a.serve(http.MethodGet, benchStaticPath, "", ""); rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	})
}

// BenchmarkQuizSubmit grades and stores a quiz attempt through the handler.
func BenchmarkQuizSubmit(b *testing.B) {
	a := newBenchApp(b, 64)
	q := a.lesson.Quizzes[0]
	forms := map[int64]string{}
	for _, t := range a.trainees {
		f := url.Values{"csrf": {t.csrf}, "version": {q.Hash}}
		for _, qu := range q.Questions {
			for i, c := range qu.Choices {
				if c.Correct {
					f.Add("q-"+qu.ID, strconv.Itoa(i))
				}
			}
		}
		forms[t.id] = f.Encode()
	}
	path := benchLesson + "/quiz/" + q.ID
	a.parallel(b, func(t benchTrainee) {
		if rec := a.serve(http.MethodPost, path, t.cookies, forms[t.id]); rec.Code != http.StatusSeeOther {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	})
}

// BenchmarkScenarioReply steps one trainee's conversation through the handler, restarting it
// when it ends: one run read and replayed, one reply written.
func BenchmarkScenarioReply(b *testing.B) {
	a := newBenchApp(b, 1)
	sc := a.lesson.Scenarios[0]
	t := a.trainees[0]
	path := benchLesson + "/conversation/" + sc.ID
	st := sc.Begin()
	b.ReportAllocs()
	defer reportCPU(b)()
	for i := 0; i < b.N; i++ {
		if sc.Current(st).End {
			if rec := a.serve(http.MethodPost, path+"/restart", t.cookies, "csrf="+t.csrf); rec.Code != http.StatusSeeOther {
				b.Fatalf("restart: status %d", rec.Code)
			}
			st = sc.Begin()
			continue
		}
		form := "csrf=" + t.csrf + "&step=" + strconv.Itoa(st.Steps) + "&choice=0"
		if rec := a.serve(http.MethodPost, path, t.cookies, form); rec.Code != http.StatusSeeOther {
			b.Fatalf("reply: status %d: %s", rec.Code, rec.Body)
		}
		st, _ = sc.Step(st, 0)
	}
}

// BenchmarkSessionDecode verifies and decrypts a session cookie, as every request does.
func BenchmarkSessionDecode(b *testing.B) {
	a := newBenchApp(b, 1)
	cookies := a.trainees[0].cookies
	b.ReportAllocs()
	defer reportCPU(b)()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Cookie", cookies)
		sess, err := a.srv.sessions.Get(req, sessionName)
		if err != nil || sess.Values["uid"] != a.trainees[0].id {
			b.Fatalf("decode: %v %v", err, sess.Values)
		}
	}
}
