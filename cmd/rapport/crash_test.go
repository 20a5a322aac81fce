package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"rapport/server/store"
)

// buildBinary compiles rapport once per test binary run, so a test can start, kill and restart
// a real process.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "rapport-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "rapport")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// process is rapport serve running as a child process.
type process struct {
	cmd  *exec.Cmd
	addr string
	log  *syncBuffer
	done chan error
}

var runningAt = regexp.MustCompile(`running at http://(\S+)`)

func startProcess(t *testing.T, args ...string) *process {
	t.Helper()
	return startProcessEnv(t, nil, args...)
}

// startProcessEnv starts rapport serve with extra environment variables.
func startProcessEnv(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(append(os.Environ(), "RAPPORT_ADDR=", "RAPPORT_DB=", "RAPPORT_DATA="), env...)
	stdout, _ := cmd.StdoutPipe()
	p := &process{cmd: cmd, log: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = p.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-p.done })
	lines := bufio.NewScanner(stdout)
	found := make(chan string, 1)
	go func() {
		for lines.Scan() {
			if m := runningAt.FindStringSubmatch(lines.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case p.addr = <-found:
	case err := <-p.done:
		t.Fatalf("rapport exited at start: %v\n%s", err, p.log)
	case <-time.After(30 * time.Second):
		t.Fatalf("rapport did not start\n%s", p.log)
	}
	return p
}

// TestSIGTERMStopsGracefully sends SIGTERM to a running server: it must exit cleanly.
func TestSIGTERMStopsGracefully(t *testing.T) {
	p := startProcess(t, "--data", t.TempDir())
	if res, err := http.Get("http://" + p.addr + "/healthz"); err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz: %v", err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		p.done <- err // for the cleanup
		if err != nil || !strings.Contains(p.log.String(), "msg=stopped") {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, p.log)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no exit 30 s after SIGTERM")
	}
}

// TestSubmissionsSurviveSIGKILL streams quiz submissions and conversation replies, kills the
// server with SIGKILL in the middle, restarts it, and checks that every submission that got a
// success answer is stored and that SQLite's integrity check passes.
func TestSubmissionsSurviveSIGKILL(t *testing.T) {
	data := t.TempDir()
	p := startProcess(t, "--data", data)
	course := shippedCourse(t)
	l, _ := course.Lesson("why-difficult-customers-matter")
	q, sc := l.Quizzes[0], l.Scenarios[0]
	lesson := "/courses/difficult-customers/" + l.Slug

	const workers = 8
	clients := make([]*client, workers)
	for i := range clients {
		c := newClient(t, p.addr)
		c.get("/signup")
		if code, _ := c.post("/signup", url.Values{"name": {"W"}, "email": {fmt.Sprintf("w%d@example.com", i)}, "password": {"correct horse"}}); code != 200 {
			t.Fatalf("sign up worker %d: %d", i, code)
		}
		c.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		clients[i] = c
	}
	answers := url.Values{"version": {q.Hash}}
	for _, qu := range q.Questions {
		answers.Set("q-"+qu.ID, "0")
	}

	var ackedQuiz, ackedSteps atomic.Int64
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := sc.Begin()
			for n := 0; ctx.Err() == nil && n < 2000; n++ {
				var form url.Values
				var path string
				if i%2 == 0 {
					path, form = lesson+"/quiz/"+q.ID, cloneValues(answers)
				} else {
					if sc.Current(st).End {
						if postAcked(c, lesson+"/conversation/"+sc.ID+"/restart", url.Values{}) {
							st = sc.Begin()
						}
						continue
					}
					path, form = lesson+"/conversation/"+sc.ID, url.Values{"step": {strconv.Itoa(st.Steps)}, "choice": {"0"}}
				}
				if !postAcked(c, path, form) {
					continue
				}
				if i%2 == 0 {
					ackedQuiz.Add(1)
				} else {
					ackedSteps.Add(1)
					st, _ = sc.Step(st, 0)
				}
			}
		}()
	}
	for ackedQuiz.Load() < 50 || ackedSteps.Load() < 20 {
		time.Sleep(10 * time.Millisecond)
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	stop()
	wg.Wait()

	// Restart on the same data, then count what was kept.
	p2 := startProcess(t, "--data", data)
	if res, err := http.Get("http://" + p2.addr + "/healthz"); err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz after restart: %v", err)
	}
	st, err := store.Open(filepath.Join(data, "rapport.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var attempts, steps int64
	var integrity string
	st.DB().Table("quiz_attempts").Count(&attempts)
	st.DB().Table("scenario_steps").Count(&steps)
	st.DB().Raw("PRAGMA integrity_check").Scan(&integrity)
	t.Logf("acknowledged %d quiz submissions and %d replies before SIGKILL; stored %d and %d", ackedQuiz.Load(), ackedSteps.Load(), attempts, steps)
	if attempts < ackedQuiz.Load() || steps < ackedSteps.Load() {
		t.Fatalf("lost acknowledged work: %d of %d attempts, %d of %d steps stored", attempts, ackedQuiz.Load(), steps, ackedSteps.Load())
	}
	if integrity != "ok" {
		t.Fatalf("integrity check: %s", integrity)
	}
}

// postAcked posts a form and reports whether the server acknowledged it (303 See Other).
func postAcked(c *client, path string, form url.Values) bool {
	form.Set("csrf", c.csrf)
	res, err := c.c.PostForm(c.base+path, form)
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode == http.StatusSeeOther
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
