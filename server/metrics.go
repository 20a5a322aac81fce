package server

import (
	"context"
	"crypto/subtle"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"rapport/server/store"
)

// metrics are Rapport's Prometheus series, on a registry of its own so tests and several
// servers in one process never collide.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	written  *prometheus.CounterVec
}

func newMetrics(st *store.Store) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rapport_http_requests_total", Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "rapport_http_request_seconds", Help: "HTTP request latency by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route", "method"}),
		written: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rapport_attempts_written_total", Help: "Quiz attempts and conversation replies stored.",
		}, []string{"kind"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.written, outboxCollector{st},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// outboxCollector reports the outbox by status when Prometheus scrapes, from one grouped
// count: the depth is read where it lives rather than tracked beside it.
type outboxCollector struct{ st *store.Store }

var outboxDesc = prometheus.NewDesc("rapport_outbox_messages", "Messages in the mail outbox by status.", []string{"status"}, nil)

func (o outboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- outboxDesc }

func (o outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := o.st.CountOutbox(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(outboxDesc, err)
		return
	}
	for _, status := range []string{store.MailPending, store.MailSending, store.MailSent, store.MailLogged, store.MailFailed, store.MailCancelled} {
		ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(counts[status]), status)
	}
}

// record counts a finished request under its route pattern (never the raw path, which would
// let any visitor create series without bound). logRequests calls it, so one middleware times
// each request and renders its error once.
func (m *metrics) record(c echo.Context, took time.Duration) {
	route := c.Path()
	if route == "" {
		route = "unmatched"
	}
	method := c.Request().Method
	m.requests.WithLabelValues(route, method, strconv.Itoa(c.Response().Status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(took.Seconds())
}

// handleMetrics: GET /metrics. Without a configured token only loopback clients are served,
// judged by the connection's address, not by any header a client could forge. Behind a proxy on
// the same host, set a token.
func (s *Server) handleMetrics(c echo.Context) error {
	if tok := s.cfg.MetricsToken; tok != "" {
		got := c.Request().Header.Get("Authorization")
		if subtle.ConstantTimeCompare([]byte(got), []byte("Bearer "+tok)) != 1 {
			return echo.NewHTTPError(http.StatusUnauthorized, "A metrics token is required.")
		}
	} else if !fromLoopback(c.Request()) {
		return echo.NewHTTPError(http.StatusForbidden, "Metrics are served to this machine only.")
	}
	// compressAnswers already compresses; promhttp doing it too would gzip twice.
	promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{DisableCompression: true}).ServeHTTP(c.Response(), c.Request())
	return nil
}

func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
