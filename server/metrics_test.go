package server

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func TestMetricsCountRequestsByRouteForLoopbackOnly(t *testing.T) {
	a := newTestApp(t)
	b := a.browser()
	b.signUp("Ana", "ana@example.com")
	q := a.part1().Quizzes[0]
	b.get(part1 + "/quiz/" + q.ID)
	b.post(part1+"/quiz/"+q.ID, answers(q, true))
	b.get("/courses/nope")
	b.get("/subscribe")
	if p := b.post("/subscribe", url.Values{"email": {"reader@example.com"}}); p.status != http.StatusSeeOther {
		t.Fatalf("subscribe: %d", p.status)
	}
	var queued int64
	a.store.DB().Table("outbox_messages").Count(&queued)

	p := b.get("/metrics") // the test client connects over loopback
	if p.status != http.StatusOK {
		t.Fatalf("/metrics over loopback: %d", p.status)
	}
	mustContain(t, p,
		`rapport_http_requests_total{method="POST",route="/courses/:course/:lesson/quiz/:quiz",status="303"} 1`,
		`rapport_http_requests_total{method="GET",route="/courses/:course",status="404"} 1`,
		`rapport_attempts_written_total{kind="quiz"} 1`,
		`rapport_http_request_seconds_bucket`,
	)
	if queued != 1 || !strings.Contains(p.body, `rapport_outbox_messages{status="failed"} 0`) {
		t.Fatalf("%d messages queued; outbox metrics missing", queued)
	}
	var total int
	for _, line := range strings.Split(p.body, "\n") {
		if strings.HasPrefix(line, "rapport_outbox_messages{") {
			n, _ := strconv.Atoi(line[strings.LastIndex(line, " ")+1:])
			total += n
		}
	}
	if total != 1 {
		t.Fatalf("outbox metrics add up to %d messages, want 1", total)
	}
	if strings.Contains(p.body, "/courses/nope") {
		t.Error("a raw path became a label")
	}

	// A request arriving from another address is refused.
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.RemoteAddr = "203.0.113.9:4242"
	req.Header.Set("X-Forwarded-For", "127.0.0.1") // a forged header changes nothing
	rec := httptest.NewRecorder()
	a.srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("/metrics from another host: %d, want 403", rec.Code)
	}

	// With a token, the token is required even from loopback.
	a.srv.cfg.MetricsToken = "s3cret"
	if p := b.get("/metrics"); p.status != http.StatusUnauthorized {
		t.Fatalf("/metrics without the token: %d, want 401", p.status)
	}
	req, _ = http.NewRequest(http.MethodGet, a.http.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	if p := b.do(req); p.status != http.StatusOK {
		t.Fatalf("/metrics with the token: %d", p.status)
	}
}
