// Command rapport-load measures a Rapport server under the standard workloads of issue 8 and
// prints throughput, latency percentiles, errors and ratios against a baseline from the same run.
//
// It starts the real rapport binary (--bin) on a loopback port in a fresh data folder, prepares
// signed-in trainees, and runs, in order:
//
//	static   the bytes of a lesson page served as a static file by the same server (baseline)
//	lesson   signed-in trainees reading that lesson page (alternated with static, round by round)
//	quiz     quiz submissions, each a graded attempt written to the database
//	scenario replies in a branching conversation, restarted when it ends
//	spike    N fresh trainees arriving within a window, each opening the lesson and submitting
//	         its quiz
//
// Why vegeta: it is a maintained load library whose attacker, connection handling and latency
// metrics (t-digest percentiles) are widely used and understood, so the numbers here mean what
// they mean elsewhere. The steady workloads are vegeta attacks in its closed model (a fixed set
// of workers, one request in flight each, as many connections). The spike is a journey of two
// dependent requests per trainee on its own connection, which vegeta's one-request-per-hit model
// cannot express, so it is driven here with net/http and recorded into vegeta's Metrics.
//
// Trainees are created in the database and signed in with server.SessionCookie, the exact cookie
// the sign-in form would set: the form is rate limited per address and costs a bcrypt hash, and
// preparing 6,000 trainees through it would measure neither. Every timed request is real HTTP
// with that cookie and a real CSRF token (cookie and form field), as a browser sends them.
//
// Only loopback addresses are targeted, and every phase is bounded in time and request count.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

type options struct {
	bin         string
	data        string
	keep        bool
	conns       int
	duration    time.Duration
	rounds      int
	maxRequests int
	trainees    int
	spike       int
	spikeWindow time.Duration
	startRuns   int
	gzip        bool
	workloads   string
	course      string
	lesson      string
	markdown    bool
	serverArgs  string
	db          string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "rapport-load:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	var o options
	fs := flag.NewFlagSet("rapport-load", flag.ContinueOnError)
	fs.StringVar(&o.bin, "bin", "", "the rapport binary to start (required; build it with go build -o)")
	fs.StringVar(&o.data, "data", "", "data folder for the server (default: a new temporary folder, removed after)")
	fs.BoolVar(&o.keep, "keep", false, "keep the data folder (database, server log) after the run")
	fs.IntVar(&o.conns, "c", 64, "concurrent connections (and clients) for the steady workloads")
	fs.DurationVar(&o.duration, "d", 10*time.Second, "duration of each steady phase")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds of static then lesson, side by side")
	fs.IntVar(&o.maxRequests, "max-requests", 1_000_000, "upper bound of requests in any one phase")
	fs.IntVar(&o.trainees, "trainees", 1000, "signed-in trainees shared by the steady workloads")
	fs.IntVar(&o.spike, "spike", 5000, "trainees in the exam-start spike (each opens the lesson and submits its quiz)")
	fs.DurationVar(&o.spikeWindow, "spike-window", 10*time.Second, "the spike's trainees arrive evenly within this window")
	fs.IntVar(&o.startRuns, "start-runs", 3, "times the server is started to measure start-up")
	fs.BoolVar(&o.gzip, "gzip", true, "ask for gzip (Accept-Encoding) as browsers do; false measures uncompressed answers")
	fs.StringVar(&o.workloads, "workloads", "static,lesson,quiz,scenario,spike", "workloads to run, comma separated")
	fs.StringVar(&o.course, "course", "difficult-customers", "course slug")
	fs.StringVar(&o.lesson, "lesson", "why-difficult-customers-matter", "lesson slug; its first quiz and conversation are used")
	fs.BoolVar(&o.markdown, "markdown", true, "print the results as a markdown table")
	fs.StringVar(&o.serverArgs, "server-args", "", "extra flags for rapport serve, space separated")
	fs.StringVar(&o.db, "db", "", "database for the server and the tool: a postgres:// URL of an empty database on 127.0.0.1 (default: SQLite in the data folder)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.bin == "" {
		return fmt.Errorf("--bin is required: go build -o /tmp/rapport ./cmd/rapport")
	}
	if o.conns < 1 || o.trainees < 2*o.conns {
		return fmt.Errorf("need at least one connection and --trainees at least twice -c, so no trainee has two requests in flight")
	}
	if o.data == "" {
		dir, err := os.MkdirTemp("", "rapport-load-")
		if err != nil {
			return err
		}
		o.data = dir
		if !o.keep {
			defer os.RemoveAll(dir)
		}
	}
	if o.db != "" && !strings.Contains(o.db, "@127.0.0.1") && !strings.Contains(o.db, "@localhost") {
		return fmt.Errorf("--db must be on 127.0.0.1 or localhost")
	}
	bin, err := filepath.Abs(o.bin)
	if err != nil {
		return err
	}
	o.bin = bin
	want := map[string]bool{}
	for _, w := range strings.Split(o.workloads, ",") {
		want[strings.TrimSpace(w)] = true
	}

	fmt.Fprintf(out, "rapport-load: %d CPUs (GOMAXPROCS %d), %s, data %s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), time.Now().UTC().Format(time.RFC3339), o.data)
	env, err := prepare(ctx, o, out)
	if err != nil {
		return err
	}
	rep := &report{out: out, markdown: o.markdown}

	srv, starts, err := measureStarts(ctx, o, env, out)
	if err != nil {
		return err
	}
	defer srv.stop()
	rep.starts = starts
	if err := warm(ctx, env, srv); err != nil {
		return err
	}

	if want["static"] || want["lesson"] {
		for r := 1; r <= o.rounds && ctx.Err() == nil; r++ {
			var base *phase
			if want["static"] {
				base = runStatic(ctx, o, env, srv, r)
				rep.add(base)
			}
			if want["lesson"] {
				p := runLesson(ctx, o, env, srv, r)
				p.baseline = base
				rep.add(p)
			}
		}
	}
	if want["quiz"] && ctx.Err() == nil {
		rep.add(runQuiz(ctx, o, env, srv))
	}
	if want["scenario"] && ctx.Err() == nil {
		rep.add(runScenario(ctx, o, env, srv))
	}
	if want["spike"] && ctx.Err() == nil {
		rep.add(runSpike(ctx, o, env, srv)...)
	}
	hwm := srv.rss().hwm
	if err := srv.stop(); err != nil {
		fmt.Fprintln(out, "server stop:", err)
	}
	rep.hwm = hwm
	rep.verify, err = verifyAttempts(env)
	if err != nil {
		return err
	}
	rep.print()
	return ctx.Err()
}
