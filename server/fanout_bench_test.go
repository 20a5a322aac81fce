package server

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"golang.org/x/crypto/bcrypt"

	"rapport/content"
	"rapport/server/mail"
	"rapport/server/store"
)

// BenchmarkFanOut10000Subscribers publishes a part to 10,000 confirmed subscribers: the
// server's scheduler (NotifyDue) writes a notification row, an unsubscribe token and an
// outbox message for each, and its mail worker delivers them to a real SMTP listener on
// 127.0.0.1 that counts what it accepts. It reports the two figures of issue 8:
//
//	go test ./server -run '^$' -bench FanOut -benchtime 1x
//
// queue-s: seconds from the scheduler's start to the last notification row (target < 2);
// mails/s: subscribers over the seconds from the start to the last mail accepted by the
// listener (target >= 300).
func BenchmarkFanOut10000Subscribers(b *testing.B) {
	const subscribers = 10_000
	for i := 0; i < b.N; i++ {
		queued, mails := fanOut(b, subscribers)
		b.ReportMetric(queued.Seconds(), "queue-s")
		b.ReportMetric(float64(subscribers)/mails.Seconds(), "mails/s")
	}
}

func fanOut(b *testing.B, n int) (queued, delivered time.Duration) {
	b.Helper()
	b.StopTimer()
	// Part 5 is published on 2027-01-11: subscribers who confirmed the day before are due
	// one mail about it, and none about the earlier parts.
	confirmed := time.Date(2027, 1, 10, 9, 0, 0, 0, time.UTC)
	clock := &testClock{t: time.Date(2027, 1, 12, 9, 0, 0, 0, time.UTC)}
	st, err := store.Open(filepath.Join(b.TempDir(), "rapport.db"), clock.Now)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	subs := make([]*store.Subscriber, n)
	for i := range subs {
		subs[i] = &store.Subscriber{Email: "reader" + strconv.Itoa(i) + "@example.com", Status: store.SubscriberConfirmed, CreatedAt: confirmed, ConfirmedAt: &confirmed}
	}
	if err := st.DB().CreateInBatches(subs, 500).Error; err != nil {
		b.Fatal(err)
	}

	sink := startCountingSMTP(b)
	key := make([]byte, 96)
	_, _ = rand.Read(key)
	_, port, _ := net.SplitHostPort(sink.addr)
	p, _ := strconv.Atoi(port)
	srv, err := New(Config{
		BaseURL: "http://127.0.0.1:8080", SessionKey: key, Content: content.FS(), Now: clock.Now,
		Logger: discardLogger(), BcryptCost: bcrypt.MinCost,
		Mail:     mail.Settings{Host: "127.0.0.1", Port: p, TLS: mail.TLSNone, From: "Rapport <news@rapport.example>"},
		MailPoll: 50 * time.Millisecond, NotifyPoll: time.Hour, // the benchmark calls NotifyDue itself
	}, st)
	if err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
	start := time.Now()
	srv.Start(context.Background()) // the scheduler looks at once, then every NotifyPoll
	defer srv.Shutdown(context.Background())
	deadline := start.Add(5 * time.Minute)
	// Rows are only added by this fan-out, so the highest id is the count, read without the
	// table scan a COUNT(*) every few milliseconds would add to what is measured.
	for rows := int64(0); rows < int64(n); {
		if err := st.DB().Model(&store.Notification{}).Select("COALESCE(MAX(id), 0)").Scan(&rows).Error; err != nil {
			b.Fatal(err)
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d notification rows after 5 minutes", rows, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	queued = time.Since(start)
	for sink.count.Load() < int64(n) {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d mails delivered after 5 minutes", sink.count.Load(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// From the start, not from the end of queueing: the worker sends while rows are written.
	delivered = time.Since(start)
	b.StopTimer()
	if extra := sink.count.Load() - int64(n); extra != 0 {
		b.Fatalf("%d mails more than subscribers", extra)
	}
	return queued, delivered
}

// countingSMTP is an SMTP listener on 127.0.0.1 that accepts every message and counts it.
type countingSMTP struct {
	addr  string
	count atomic.Int64
}

func startCountingSMTP(b *testing.B) *countingSMTP {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	c := &countingSMTP{addr: ln.Addr().String()}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &countingSession{c: c}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	b.Cleanup(func() { srv.Close() })
	return c
}

type countingSession struct{ c *countingSMTP }

func (s *countingSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *countingSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *countingSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return fmt.Errorf("read message: %w", err)
	}
	s.c.count.Add(1)
	return nil
}
func (s *countingSession) Reset()        {}
func (s *countingSession) Logout() error { return nil }
