package main

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"
)

type report struct {
	out      io.Writer
	markdown bool
	phases   []*phase
	starts   []startRun
	hwm      int64
	verify   verification
}

func (r *report) add(ps ...*phase) {
	for _, p := range ps {
		if p != nil {
			r.phases = append(r.phases, p)
			fmt.Fprintf(r.out, "  %-44s %8d ok %6d errors %9.0f req/s  p50 %-8s p99 %-8s server CPU %s/req  max RSS %s\n",
				p.name, p.ok, p.errors(), p.throughput(), ms(p.metrics.Latencies.P50), ms(p.metrics.Latencies.P99), us(p.cpuPerRequest()), mib(p.rssMax))
		}
	}
}

func us(d time.Duration) string { return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond)) }

func ms(d time.Duration) string {
	switch {
	case d >= 100*time.Millisecond:
		return fmt.Sprintf("%.0fms", float64(d)/float64(time.Millisecond))
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	}
}

func (r *report) print() {
	w := r.out
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| workload | clients | requests | errors | req/s | p50 | p90 | p99 | max | vs baseline (req/s, p99) | server CPU/req | tool CPU/req | server RSS max |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|")
	for _, p := range r.phases {
		l := p.metrics.Latencies
		vs := ""
		if b := p.baseline; b != nil && b.throughput() > 0 && b.metrics.Latencies.P99 > 0 {
			vs = fmt.Sprintf("%.0f%%, %.2f×", 100*p.throughput()/b.throughput(), float64(l.P99)/float64(b.metrics.Latencies.P99))
		}
		cpu, tool := "", ""
		if p.cpu > 0 {
			cpu, tool = us(p.cpuPerRequest()), us(p.toolCPUPerRequest())
		}
		fmt.Fprintf(w, "| %s | %d | %d | %d | %.0f | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			p.name, p.conns, p.metrics.Requests, p.errors(), p.throughput(), ms(l.P50), ms(l.P90), ms(l.P99), ms(l.Max), vs, cpu, tool, mib(p.rssMax))
	}
	for _, p := range r.phases {
		keys := make([]string, 0, len(p.failures))
		for k := range p.failures {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "\n%s: %d × %s", p.name, p.failures[k], k)
		}
	}
	fmt.Fprintln(w)

	var starts []string
	var tooks []time.Duration
	var rss []int64
	for _, s := range r.starts {
		starts = append(starts, fmt.Sprintf("%s (%s)", ms(s.took), mib(s.rss)))
		tooks, rss = append(tooks, s.took), append(rss, s.rss)
	}
	fmt.Fprintf(w, "\nstart to first 200 from /healthz (resident then): %s\n", strings.Join(starts, ", "))
	fmt.Fprintf(w, "server peak resident (VmHWM) over the whole run: %s\n", mib(r.hwm))
	fmt.Fprintf(w, "quiz attempts acknowledged %d, found in the database after the server stopped %d (rows %d)\n", r.verify.acked, r.verify.stored, r.verify.rows)

	fmt.Fprintln(w, "\ntargets:")
	var ratios, p99s, cpus []float64
	for _, p := range r.phases {
		if b := p.baseline; b != nil && b.throughput() > 0 {
			ratios = append(ratios, p.throughput()/b.throughput())
			p99s = append(p99s, float64(p.metrics.Latencies.P99)/float64(b.metrics.Latencies.P99))
			if p.cpuPerRequest() > 0 {
				cpus = append(cpus, float64(b.cpuPerRequest())/float64(p.cpuPerRequest()))
			}
		}
	}
	if len(cpus) > 0 {
		fmt.Fprintf(w, "  (info) server CPU per static page / per lesson page: %.0f%% (rounds %s): the throughput ratio a server would reach with the load tool elsewhere\n", 100*median(cpus), pcts(cpus))
	}
	if len(ratios) > 0 {
		verdict(w, median(ratios) >= 0.5 && median(p99s) <= 2,
			"lesson pages vs static baseline: throughput %.0f%% (rounds %s), p99 %.2f× (rounds %s); want >= 50%%, <= 2×",
			100*median(ratios), pcts(ratios), median(p99s), xs(p99s))
	}
	for _, p := range r.phases {
		switch {
		case p.name == "quiz submission":
			verdict(w, p.throughput() >= 2000 && p.errors() == 0 && r.verify.stored == r.verify.acked,
				"quiz submissions: %.0f/s with %d clients, %d errors, %d of %d acknowledged stored; want >= 2000/s, none lost",
				p.throughput(), p.conns, p.errors(), r.verify.stored, r.verify.acked)
		case strings.HasPrefix(p.name, "spike:") && strings.Contains(p.name, "journey"):
			worst := time.Duration(0)
			errs := 0
			for _, q := range r.phases {
				if strings.HasPrefix(q.name, "spike:") && !strings.Contains(q.name, "journey") {
					worst = max(worst, q.metrics.Latencies.P99)
					errs += q.errors()
				}
			}
			span := p.metrics.End.Sub(p.metrics.Earliest)
			verdict(w, errs == 0 && worst < time.Second,
				"spike: %d trainees %s, all done in %s, %d errors, request p99 %s (journey p99 %s); want no errors, p99 < 1s",
				p.metrics.Requests, p.note, span.Round(time.Millisecond), errs, ms(worst), ms(p.metrics.Latencies.P99))
			verdict(w, p.rssMax < 200<<20, "memory during the spike: %s; want < 200 MiB", mib(p.rssMax))
		}
	}
	if len(rss) > 0 {
		verdict(w, slices.Max(rss) < 40<<20, "memory after start: %s (largest of %d starts); want < 40 MiB", mib(slices.Max(rss)), len(rss))
		verdict(w, medianD(tooks) < 300*time.Millisecond, "start to first 200: median %s of %d starts; want < 300ms", ms(medianD(tooks)), len(tooks))
	}
}

func verdict(w io.Writer, ok bool, format string, args ...any) {
	mark := "MET   "
	if !ok {
		mark = "MISSED"
	}
	fmt.Fprintf(w, "  %s %s\n", mark, fmt.Sprintf(format, args...))
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func medianD(v []time.Duration) time.Duration {
	f := make([]float64, len(v))
	for i, d := range v {
		f[i] = float64(d)
	}
	return time.Duration(median(f))
}

func pcts(v []float64) string {
	var s []string
	for _, x := range v {
		s = append(s, fmt.Sprintf("%.0f%%", 100*x))
	}
	return strings.Join(s, " ")
}

func xs(v []float64) string {
	var s []string
	for _, x := range v {
		s = append(s, fmt.Sprintf("%.2f×", x))
	}
	return strings.Join(s, " ")
}
