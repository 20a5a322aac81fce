package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// runSpike is the exam start: every spike trainee arrives within o.spikeWindow (evenly spread)
// on a connection of its own, opens the lesson for the first time (which records the opening),
// takes the CSRF token from the page and submits the quiz. Arrivals do not wait for earlier
// trainees to finish, so a slow server faces a growing crowd, as it would.
func runSpike(ctx context.Context, o options, env *environment, srv *serverProc) []*phase {
	n := len(env.spike)
	get := &phase{name: fmt.Sprintf("spike: %d trainees open the lesson", n), conns: n, failures: map[string]int{}}
	post := &phase{name: fmt.Sprintf("spike: %d trainees submit the quiz", n), conns: n, failures: map[string]int{}}
	journey := &phase{name: "spike: whole journey (open + submit)", conns: n, failures: map[string]int{}}
	type outcome struct {
		p   *phase
		r   *vegeta.Result
		bad string
	}
	results := make(chan outcome, 256)
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for oc := range results {
			if oc.bad != "" {
				oc.p.failures[oc.bad]++
			} else {
				oc.p.ok++
			}
			oc.p.metrics.Add(oc.r)
		}
	}()

	ctx, cancel := context.WithTimeout(ctx, o.spikeWindow+2*time.Minute)
	defer cancel()
	stopRSS := srv.sampleRSS()
	cpu0, tool0 := srv.cpu(), selfCPU()
	began := time.Now()
	var wg sync.WaitGroup
	for i, t := range env.spike {
		at := began.Add(time.Duration(int64(o.spikeWindow) * int64(i) / int64(n)))
		if d := time.Until(at); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func(t *trainee) {
			defer wg.Done()
			tr := &http.Transport{MaxConnsPerHost: 1, DisableCompression: !o.gzip}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			start := time.Now()
			r, body, h, bad := spikeRequest(ctx, c, http.MethodGet, srv.url+env.lessonPath, t.session, nil)
			if bad == "" {
				bad = spikeToken(t, body, h)
			}
			results <- outcome{get, r, bad}
			if bad != "" {
				results <- outcome{journey, journeyResult(start, r), "lesson failed: " + bad}
				return
			}
			form := quizForm(env.quiz, t)
			r, _, h, bad = spikeRequest(ctx, c, http.MethodPost, srv.url+env.quizPath, t.cookies, []byte(form))
			if bad == "" {
				bad = env.checkAttempt(r.Code, h)
			}
			results <- outcome{post, r, bad}
			results <- outcome{journey, journeyResult(start, r), bad}
		}(t)
	}
	wg.Wait()
	close(results)
	<-collected
	rss := stopRSS()
	// The CPU is counted once, on the journey: two requests and a connection per trainee.
	journey.cpu, journey.toolCPU = srv.cpu()-cpu0, selfCPU()-tool0
	for _, p := range []*phase{get, post, journey} {
		p.metrics.Close()
		p.elapsed = p.metrics.End.Sub(p.metrics.Earliest)
		p.rssMax = rss
		p.note = fmt.Sprintf("arrivals over %s", o.spikeWindow)
	}
	return []*phase{get, post, journey}
}

// spikeRequest sends one request and returns it as a vegeta result, with the body and headers.
func spikeRequest(ctx context.Context, c *http.Client, method, url, cookies string, body []byte) (*vegeta.Result, []byte, http.Header, string) {
	r := &vegeta.Result{Method: method, URL: url, Timestamp: time.Now(), BytesOut: uint64(len(body))}
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(string(body))
	}
	req, _ := http.NewRequestWithContext(ctx, method, url, rd)
	req.Header.Set("Cookie", cookies)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := c.Do(req)
	if err != nil {
		r.Latency, r.Error = time.Since(r.Timestamp), err.Error()
		return r, nil, nil, err.Error()
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	r.Latency, r.Code, r.BytesIn = time.Since(r.Timestamp), uint16(res.StatusCode), uint64(len(b))
	if err != nil {
		r.Error = err.Error()
		return r, b, res.Header, err.Error()
	}
	return r, b, res.Header, ""
}

// spikeToken checks the lesson page was rendered for the signed-in trainee and keeps its CSRF
// token and cookie, as a browser would for the quiz form.
func spikeToken(t *trainee, body []byte, h http.Header) string {
	res := &http.Response{Header: h}
	m := csrfInput.FindSubmatch(body)
	if len(body) == 0 || !signedIn(body) || m == nil {
		return "lesson: not a signed-in page with a form"
	}
	for _, c := range res.Cookies() {
		if c.Name == "rapport_csrf" && c.Value == string(m[1]) {
			t.csrf = c.Value
			t.cookies = t.session + "; rapport_csrf=" + c.Value
			return ""
		}
	}
	return "lesson: no CSRF cookie matching the form"
}

// journeyResult is the whole journey as one result: from the first request's start to the
// last answer.
func journeyResult(start time.Time, last *vegeta.Result) *vegeta.Result {
	return &vegeta.Result{Timestamp: start, Latency: time.Since(start), Code: last.Code}
}
