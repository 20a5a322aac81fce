package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// phase is one measured workload.
type phase struct {
	name     string
	conns    int
	metrics  vegeta.Metrics
	ok       int
	failures map[string]int
	elapsed  time.Duration // first request sent to last answer received
	rssMax   int64
	cpu      time.Duration // the server's CPU time over the phase
	toolCPU  time.Duration // the load tool's own
	baseline *phase        // for lesson rounds: the static round just before
	note     string
}

func (p *phase) errors() int {
	n := 0
	for _, c := range p.failures {
		n += c
	}
	return n
}

// cpuPerRequest is the server's CPU time per request: unlike throughput, it hardly moves when
// other processes share the machine.
func (p *phase) cpuPerRequest() time.Duration {
	if p.metrics.Requests == 0 {
		return 0
	}
	return p.cpu / time.Duration(p.metrics.Requests)
}

func (p *phase) toolCPUPerRequest() time.Duration {
	if p.metrics.Requests == 0 {
		return 0
	}
	return p.toolCPU / time.Duration(p.metrics.Requests)
}

// throughput is successful requests per second over the phase.
func (p *phase) throughput() float64 {
	if p.elapsed <= 0 {
		return 0
	}
	return float64(p.ok) / p.elapsed.Seconds()
}

// traineeHeader names the trainee a request is for, so the transport can hand the trainee back
// when the answer arrives. The server ignores it.
const traineeHeader = "X-Load-Trainee"

// hookTransport calls after once the answer's headers are in (or the request failed).
type hookTransport struct {
	base  http.RoundTripper
	after func(req *http.Request, res *http.Response)
}

func (h *hookTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := h.base.RoundTrip(req)
	if err != nil {
		res = nil
	}
	if h.after != nil {
		h.after(req, res)
	}
	return res, err
}

// newClient is a browser-like client without a cookie jar (each request carries its trainee's
// cookies) that does not follow redirects, with at most conns connections.
func newClient(conns int, gzip bool, after func(*http.Request, *http.Response)) *http.Client {
	return &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &hookTransport{after: after, base: &http.Transport{
			MaxConnsPerHost:     conns,
			MaxIdleConnsPerHost: conns,
			DisableCompression:  !gzip,
			IdleConnTimeout:     time.Minute,
		}},
	}
}

// attack runs a closed-model vegeta attack: conns workers, each with one request in flight,
// for o.duration or o.maxRequests requests, whichever comes first. check returns "" for an
// answer that is right, or what is wrong with it.
func attack(ctx context.Context, o options, srv *serverProc, name string, tr vegeta.Targeter, after func(*http.Request, *http.Response), check func(*vegeta.Result) string) *phase {
	p := &phase{name: name, conns: o.conns, failures: map[string]int{}}
	client := newClient(o.conns, o.gzip, after)
	defer client.CloseIdleConnections()
	atk := vegeta.NewAttacker(vegeta.Client(client), vegeta.Workers(uint64(o.conns)), vegeta.MaxWorkers(uint64(o.conns)))
	limit := uint64(o.maxRequests)
	pacer := vegeta.ConstantPacer{} // no rate: each worker sends its next request when the last is answered
	stopRSS := srv.sampleRSS()
	cpu0, tool0 := srv.cpu(), selfCPU()
	stopCtx := context.AfterFunc(ctx, func() { atk.Stop() })
	defer stopCtx()
	var sent uint64
	for r := range atk.Attack(tr, pacer, o.duration, name) {
		if sent++; sent >= limit {
			atk.Stop()
		}
		if r.Error != "" && r.Code == 0 {
			p.failures[r.Error]++
		} else if msg := check(r); msg != "" {
			p.failures[msg]++
		} else {
			p.ok++
		}
		p.metrics.Add(r)
	}
	p.metrics.Close()
	p.cpu, p.toolCPU = srv.cpu()-cpu0, selfCPU()-tool0
	p.rssMax = stopRSS()
	p.elapsed = p.metrics.End.Sub(p.metrics.Earliest)
	return p
}

// traineePool hands out trainees so that none has two requests in flight.
type traineePool struct {
	ctx  context.Context
	free chan *trainee
	all  []*trainee
}

func newPool(ctx context.Context, all []*trainee) *traineePool {
	tp := &traineePool{ctx: ctx, free: make(chan *trainee, len(all)), all: all}
	for _, t := range all {
		tp.free <- t
	}
	return tp
}

func (tp *traineePool) take() (*trainee, error) {
	select {
	case t := <-tp.free:
		return t, nil
	case <-tp.ctx.Done():
		return nil, tp.ctx.Err()
	case <-time.After(30 * time.Second):
		return nil, fmt.Errorf("no free trainee for 30s")
	}
}

// owner returns the trainee a request was for.
func (tp *traineePool) owner(req *http.Request) *trainee {
	n, err := strconv.Atoi(req.Header.Get(traineeHeader))
	if err != nil || n < 0 || n >= len(tp.all) {
		return nil
	}
	return tp.all[n]
}

func traineeTarget(tgt *vegeta.Target, t *trainee, method, url string, body []byte) {
	tgt.Method, tgt.URL, tgt.Body = method, url, body
	tgt.Header = http.Header{"Cookie": {t.cookies}, traineeHeader: {strconv.Itoa(t.n)}}
	if body != nil {
		tgt.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
}

// runStatic is the baseline: the lesson page's bytes as a static file, with no cookies, as a
// file server or CDN in front would see it.
func runStatic(ctx context.Context, o options, env *environment, srv *serverProc, round int) *phase {
	u := srv.url + "/static/bench/lesson.html"
	tr := func(tgt *vegeta.Target) error {
		tgt.Method, tgt.URL = http.MethodGet, u
		return nil
	}
	p := attack(ctx, o, srv, fmt.Sprintf("static page (baseline), round %d", round), tr, nil, func(r *vegeta.Result) string {
		if r.Code != http.StatusOK || len(r.Body) != len(env.page) {
			return fmt.Sprintf("static: status %d, %d bytes", r.Code, len(r.Body))
		}
		return ""
	})
	return p
}

// runLesson is signed-in trainees reading the lesson: session cookie and CSRF cookie sent, the
// page checked to be rendered for a signed-in trainee.
func runLesson(ctx context.Context, o options, env *environment, srv *serverProc, round int) *phase {
	pool := newPool(ctx, env.pool)
	u := srv.url + env.lessonPath
	tr := func(tgt *vegeta.Target) error {
		t, err := pool.take()
		if err != nil {
			return err
		}
		traineeTarget(tgt, t, http.MethodGet, u, nil)
		return nil
	}
	after := func(req *http.Request, res *http.Response) {
		if t := pool.owner(req); t != nil {
			pool.free <- t
		}
	}
	return attack(ctx, o, srv, fmt.Sprintf("lesson page, signed in, round %d", round), tr, after, func(r *vegeta.Result) string {
		if r.Code != http.StatusOK || !signedIn(r.Body) {
			return fmt.Sprintf("lesson: status %d, signed in %v", r.Code, signedIn(r.Body))
		}
		return ""
	})
}

// runQuiz is trainees submitting the lesson's quiz; every answer must be the redirect to the
// stored attempt, whose id is kept to check the database afterwards.
func runQuiz(ctx context.Context, o options, env *environment, srv *serverProc) *phase {
	pool := newPool(ctx, env.pool)
	u := srv.url + env.quizPath
	tr := func(tgt *vegeta.Target) error {
		t, err := pool.take()
		if err != nil {
			return err
		}
		traineeTarget(tgt, t, http.MethodPost, u, t.quizBody)
		return nil
	}
	after := func(req *http.Request, res *http.Response) {
		if t := pool.owner(req); t != nil {
			pool.free <- t
		}
	}
	return attack(ctx, o, srv, "quiz submission", tr, after, func(r *vegeta.Result) string {
		return env.checkAttempt(r.Code, r.Headers)
	})
}

// checkAttempt accepts the answer to a quiz submission when it is the redirect to the new
// attempt, and records the attempt's id.
func (e *environment) checkAttempt(code uint16, h http.Header) string {
	loc := h.Get("Location")
	i := strings.LastIndex(loc, "/attempts/")
	if code != http.StatusSeeOther || i < 0 {
		return fmt.Sprintf("quiz: status %d, location %q", code, loc)
	}
	id, err := strconv.ParseInt(loc[i+len("/attempts/"):], 10, 64)
	if err != nil {
		return fmt.Sprintf("quiz: location %q", loc)
	}
	e.ack(id)
	return ""
}

// runScenario is trainees playing the lesson's conversation: each reply names the step the
// trainee has seen, as the form does; a finished run is restarted. The trainee's state moves
// on only when the server accepts the reply, so the next request is always the right one.
func runScenario(ctx context.Context, o options, env *environment, srv *serverProc) *phase {
	pool := newPool(ctx, env.pool)
	sc := env.scenario
	reply, restart := srv.url+env.scenarioPath, srv.url+env.scenarioPath+"/restart"
	tr := func(tgt *vegeta.Target) error {
		t, err := pool.take()
		if err != nil {
			return err
		}
		if t.restart {
			traineeTarget(tgt, t, http.MethodPost, restart, []byte("csrf="+t.csrf))
			return nil
		}
		node := sc.Current(t.state)
		t.lastPost = (t.n + t.state.Steps) % len(node.Choices)
		body := fmt.Sprintf("csrf=%s&step=%d&choice=%d", t.csrf, t.state.Steps, t.lastPost)
		traineeTarget(tgt, t, http.MethodPost, reply, []byte(body))
		return nil
	}
	after := func(req *http.Request, res *http.Response) {
		t := pool.owner(req)
		if t == nil {
			return
		}
		switch {
		case res == nil || res.StatusCode != http.StatusSeeOther:
			t.restart = true // start over rather than guess where the run stands
		case t.restart:
			t.state, t.restart = sc.Begin(), false
		default:
			next, err := sc.Step(t.state, t.lastPost)
			t.state = next
			t.restart = err != nil || sc.Current(next).End
		}
		pool.free <- t
	}
	return attack(ctx, o, srv, "conversation reply", tr, after, func(r *vegeta.Result) string {
		if r.Code != http.StatusSeeOther {
			return fmt.Sprintf("conversation: status %d", r.Code)
		}
		return ""
	})
}

// warm sends a few requests of each kind so the first round does not pay for cold caches.
func warm(ctx context.Context, env *environment, srv *serverProc) error {
	for i := 0; i < 50 && ctx.Err() == nil; i++ {
		if _, err := fetch(srv.url+env.lessonPath, env.pool[i%len(env.pool)]); err != nil {
			return fmt.Errorf("warm up: %w", err)
		}
		if _, err := fetch(srv.url+"/static/bench/lesson.html", &trainee{}); err != nil {
			return fmt.Errorf("warm up: %w", err)
		}
	}
	return nil
}
