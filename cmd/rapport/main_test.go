package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"rapport/content"
	"rapport/courses"
	"rapport/server/store"
	"rapport/server/store/storetest"
)

// program is the real rapport binary's Main, running "serve" on port 0 in a temp folder.
type program struct {
	t      *testing.T
	addr   string
	data   string
	cancel context.CancelFunc
	done   chan error
	stderr *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func startProgram(t *testing.T, data string, extra ...string) *program {
	t.Helper()
	p := &program{t: t, data: data, done: make(chan error, 1), stderr: &syncBuffer{}}
	m := NewMain(strings.NewReader(""), io.Discard, p.stderr)
	m.getenv = func(string) string { return "" }
	m.bcryptCost = bcrypt.MinCost
	listening := make(chan string, 1)
	m.OnListen = func(addr string) { listening <- addr }
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data}, extra...)
	go func() { p.done <- m.Run(ctx, args) }()
	select {
	case p.addr = <-listening:
	case err := <-p.done:
		t.Fatalf("rapport serve stopped: %v\n%s", err, p.stderr)
	case <-time.After(20 * time.Second):
		t.Fatalf("rapport serve did not listen\n%s", p.stderr)
	}
	t.Cleanup(func() { p.stop() })
	return p
}

// stop cancels the program as SIGINT would and waits for it to finish.
func (p *program) stop() error {
	p.cancel()
	select {
	case err, ok := <-p.done:
		if ok {
			close(p.done)
		}
		return err
	case <-time.After(30 * time.Second):
		p.t.Fatal("rapport serve did not stop")
		return nil
	}
}

type client struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func newClient(t *testing.T, addr string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: "http://" + addr, c: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

func (c *client) get(path string) (int, string) {
	c.t.Helper()
	res, err := c.c.Get(c.base + path)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.read(res)
}

func (c *client) post(path string, form url.Values) (int, string) {
	c.t.Helper()
	form.Set("csrf", c.csrf)
	res, err := c.c.PostForm(c.base+path, form)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.read(res)
}

func (c *client) read(res *http.Response) (int, string) {
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if m := csrfRE.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	return res.StatusCode, string(b)
}

func shippedCourse(t *testing.T) *courses.Course {
	cat, problems := courses.Load(content.FS())
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	c, _ := cat.Course("difficult-customers")
	return c
}

// TestTheTraineeJourneyOnTheRealProgram starts rapport serve on port 0 and walks the journey
// over HTTP: sign up, read Part 1, pass its quiz, play its conversation to an ending, find it
// all on /progress; then stops the program and finds the work in the database.
func TestTheTraineeJourneyOnTheRealProgram(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) { traineeJourney(t, storetest.DSN(t, engine)) })
	}
}

func traineeJourney(t *testing.T, dsn string) {
	data := t.TempDir()
	p := startProgram(t, data, "--db", dsn)
	c := newClient(t, p.addr)
	if code, body := c.get("/healthz"); code != 200 || !strings.Contains(body, "ok") {
		t.Fatalf("healthz: %d %s", code, body)
	}
	c.get("/signup")
	if code, body := c.post("/signup", url.Values{"name": {"Ana"}, "email": {"ana@example.com"}, "password": {"correct horse"}}); code != 200 || !strings.Contains(body, "Welcome, Ana") {
		t.Fatalf("sign up: %d\n%s", code, body)
	}
	course := shippedCourse(t)
	l, _ := course.Lesson("why-difficult-customers-matter")
	lessonPath := "/courses/difficult-customers/" + l.Slug
	if code, body := c.get(lessonPath); code != 200 || !strings.Contains(body, l.Title) {
		t.Fatalf("lesson: %d", code)
	}
	q := l.Quizzes[0]
	c.get(lessonPath + "/quiz/" + q.ID)
	form := url.Values{"version": {q.Hash}}
	for _, qu := range q.Questions {
		for i, ch := range qu.Choices {
			if ch.Correct {
				form.Add("q-"+qu.ID, strconv.Itoa(i))
			}
		}
	}
	if code, body := c.post(lessonPath+"/quiz/"+q.ID, form); code != 200 || !strings.Contains(body, "You scored 100%: passed") {
		t.Fatalf("quiz: %d\n%s", code, body)
	}
	sc := l.Scenarios[0]
	st := sc.Begin()
	for !sc.Current(st).End {
		c.get(lessonPath + "/conversation/" + sc.ID)
		if code, _ := c.post(lessonPath+"/conversation/"+sc.ID, url.Values{"step": {strconv.Itoa(st.Steps)}, "choice": {"0"}}); code != 200 {
			t.Fatalf("reply at step %d: %d", st.Steps, code)
		}
		st, _ = sc.Step(st, 0)
	}
	_, body := c.get("/progress")
	end := sc.Current(st)
	for _, want := range []string{"1 of 4 published parts complete", "Best 100%", "Best: " + strconv.Itoa(*end.Score) + " points"} {
		if !strings.Contains(body, want) {
			t.Fatalf("/progress lacks %q:\n%s", want, body)
		}
	}
	if err := p.stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
	if !strings.Contains(p.stderr.String(), "msg=stopped") {
		t.Errorf("no clean stop in the log:\n%s", p.stderr)
	}

	st2, err := store.Open(dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	var runs, attempts int64
	st2.DB().Table("scenario_runs").Where("status = ?", "finished").Count(&runs)
	st2.DB().Table("quiz_attempts").Where("passed = ?", true).Count(&attempts)
	if runs != 1 || attempts != 1 {
		t.Fatalf("after restart: %d finished runs, %d passed attempts; want 1 and 1", runs, attempts)
	}
}

func TestServeRefusesContentThatFailsLint(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "c", "course.md"), "---\ntitle: T\nslug: t\nsummary: s\npass_mark: 50\n---\n")
	writeFile(t, filepath.Join(dir, "c", "l.md"), "---\ntitle: L\nslug: l\npart: 1\nsummary: s\nminutes: 5\npublish: someday\n---\n")
	var stderr bytes.Buffer
	m := NewMain(strings.NewReader(""), io.Discard, &stderr)
	m.getenv = func(string) string { return "" }
	err := m.Run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--content", dir})
	if err == nil || !strings.Contains(err.Error(), "c/l.md:7: publish date") {
		t.Fatalf("serve with broken content: %v", err)
	}
}

func TestLintCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	m := NewMain(nil, &out, &errOut)
	if err := m.Run(context.Background(), []string{"lint"}); err != nil {
		t.Fatalf("lint of the shipped course: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "7 lesson(s), 7 quiz(zes), 7 conversation(s)") {
		t.Fatalf("lint summary: %s", out.String())
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "c", "course.md"), "---\ntitle: T\nslug: t\nsummary: s\npass_mark: 500\n---\n")
	out.Reset()
	err := m.Run(context.Background(), []string{"lint", dir})
	if err == nil || exitCode(err) != 1 || !strings.Contains(out.String(), filepath.Join(dir, "c/course.md")+":2: pass_mark must be from 1 to 100") {
		t.Fatalf("lint of a broken course: err=%v out=%s", err, out.String())
	}
}

func TestUserCreateAndBackupRestore(t *testing.T) {
	data := t.TempDir()
	var out bytes.Buffer
	m := NewMain(strings.NewReader("a long password\n"), &out, io.Discard)
	m.getenv = func(string) string { return "" }
	m.bcryptCost = bcrypt.MinCost
	if err := m.Run(context.Background(), []string{"user", "create", "--data", data, "--email", "Boss@Example.com", "--name", "Boss", "--role", "director"}); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "copy.db")
	if err := m.Run(context.Background(), []string{"backup", "--data", data, backup}); err != nil {
		t.Fatal(err)
	}
	restored, err := store.Open(backup, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	u, err := restored.UserByEmail(context.Background(), "boss@example.com")
	if err != nil || u.Role != store.RoleDirector || bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte("a long password")) != nil {
		t.Fatalf("restored user: %+v %v", u, err)
	}
	var integrity string
	restored.DB().Raw("PRAGMA integrity_check").Scan(&integrity)
	if integrity != "ok" {
		t.Fatalf("integrity check of the backup: %s", integrity)
	}
	if err := m.Run(context.Background(), []string{"user", "role", "--data", data, "--email", "boss@example.com", "--role", "trainee"}); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(data, "rapport.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	st.DB().Table("audit_log").Order("id").Pluck("action", &actions)
	u, _ = st.UserByEmail(context.Background(), "boss@example.com")
	st.Close()
	if u.Role != store.RoleTrainee || strings.Join(actions, ",") != "user.create,user.role" {
		t.Fatalf("after user role: role %s, audit %v", u.Role, actions)
	}
	if err := m.Run(context.Background(), []string{"user", "role", "--data", data, "--email", "nobody@example.com", "--role", "director"}); err == nil {
		t.Fatal("a role was set on an account that does not exist")
	}
	m2 := NewMain(strings.NewReader("short\n"), io.Discard, io.Discard)
	m2.getenv = func(string) string { return "" }
	if err := m2.Run(context.Background(), []string{"user", "create", "--data", data, "--email", "x@example.com", "--name", "X"}); err == nil {
		t.Fatal("a short password was accepted")
	}
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
