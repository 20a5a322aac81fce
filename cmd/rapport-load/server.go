package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// serverProc is a rapport serve process started by the load tool on a loopback port.
type serverProc struct {
	cmd  *exec.Cmd
	url  string
	done chan error
	once sync.Once
	err  error
}

// startServer starts rapport serve in the data folder and returns once /healthz answers 200,
// with the time from starting the process to that first 200.
func startServer(ctx context.Context, o options, extra ...string) (*serverProc, time.Duration, error) {
	args := []string{"serve", "--addr", "127.0.0.1:0", "--data", o.data}
	if o.db != "" {
		args = append(args, "--db", o.db)
	}
	args = append(args, extra...)
	args = append(args, strings.Fields(o.serverArgs)...)
	cmd := exec.Command(o.bin, args...)
	cmd.Env = serverEnv()
	logf, err := os.OpenFile(filepath.Join(o.data, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, 0, err
	}
	defer logf.Close() // the child keeps its own descriptor
	cmd.Stderr = logf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, 0, err
	}
	began := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, fmt.Errorf("start %s: %w", o.bin, err)
	}
	p := &serverProc{cmd: cmd, done: make(chan error, 1)}
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if _, rest, ok := strings.Cut(sc.Text(), "running at "); ok {
				urlc <- strings.Fields(rest)[0]
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() { p.done <- cmd.Wait() }()
	deadline := time.After(30 * time.Second)
	select {
	case p.url = <-urlc:
	case err := <-p.done:
		return nil, 0, fmt.Errorf("rapport serve exited before listening (%v); see %s/server.log", err, o.data)
	case <-deadline:
		p.kill()
		return nil, 0, fmt.Errorf("rapport serve did not listen within 30s")
	case <-ctx.Done():
		p.kill()
		return nil, 0, ctx.Err()
	}
	if !strings.HasPrefix(p.url, "http://127.") {
		p.kill()
		return nil, 0, fmt.Errorf("server listens on %s, not a loopback address", p.url)
	}
	client := &http.Client{Timeout: time.Second}
	for {
		res, err := client.Get(p.url + "/healthz")
		if err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p, time.Since(began), nil
			}
		}
		select {
		case <-deadline:
			p.kill()
			return nil, 0, fmt.Errorf("/healthz did not answer 200 within 30s")
		case <-ctx.Done():
			p.kill()
			return nil, 0, ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

// serverEnv is this process's environment without RAPPORT_* settings, so only the flags count.
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RAPPORT_") {
			env = append(env, kv)
		}
	}
	return env
}

// stop sends SIGTERM, as an operator would, and waits for the graceful stop.
func (p *serverProc) stop() error {
	p.once.Do(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case p.err = <-p.done:
		case <-time.After(30 * time.Second):
			_ = p.cmd.Process.Kill()
			p.err = fmt.Errorf("server did not stop within 30s after SIGTERM; killed")
			<-p.done
		}
	})
	return p.err
}

func (p *serverProc) kill() {
	p.once.Do(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		p.err = fmt.Errorf("killed")
	})
}

// memory is the server's resident set now and its peak so far, from /proc.
type memory struct{ rss, hwm int64 } // bytes

func (p *serverProc) rss() memory {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return memory{}
	}
	var m memory
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			m.rss = kb << 10
		case "VmHWM:":
			m.hwm = kb << 10
		}
	}
	return m
}

// cpu is the CPU time (user and system) the server has used so far, from /proc/PID/stat in
// clock ticks of 10ms (USER_HZ is 100 on Linux).
func (p *serverProc) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b)[i+1:]) // f[0] is field 3, the state
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// selfCPU is the CPU time this load tool has used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// sampleRSS records the largest resident set seen every 20ms until stop is called.
func (p *serverProc) sampleRSS() (stop func() int64) {
	var max int64
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			if m := p.rss(); m.rss > max {
				max = m.rss
			}
			select {
			case <-quit:
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 { close(quit); <-done; return max }
}

// startRun is one measured start of the server.
type startRun struct {
	took time.Duration
	rss  int64
}

// measureStarts starts the server o.startRuns times on the prepared database, each time
// timing the way to the first 200 from /healthz and reading the resident set then, and leaves
// the last one running for the workloads.
func measureStarts(ctx context.Context, o options, env *environment, out io.Writer) (*serverProc, []startRun, error) {
	var runs []startRun
	for i := 0; i < max(1, o.startRuns); i++ {
		p, took, err := startServer(ctx, o, "--bench-static-file", env.pageFile)
		if err != nil {
			return nil, nil, err
		}
		runs = append(runs, startRun{took: took, rss: p.rss().rss})
		fmt.Fprintf(out, "start %d: first 200 from /healthz after %s, resident %s\n", i+1, took.Round(100*time.Microsecond), mib(runs[i].rss))
		if i == max(1, o.startRuns)-1 {
			return p, runs, nil
		}
		if err := p.stop(); err != nil {
			return nil, nil, err
		}
	}
	panic("unreachable")
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
