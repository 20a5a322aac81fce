package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --cpuprofile writes a profile of the run when the server stops (pprof's format is gzipped
// protobuf), and a path it cannot create stops the start with a message naming the flag.
func TestServeWritesACPUProfileWhenItStops(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cpu.prof")
	p := startProgram(t, filepath.Join(dir, "data"), "--cpuprofile", path)
	if status, _ := newClient(t, p.addr).get("/healthz"); status != 200 {
		t.Fatalf("healthz: %d", status)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("profile file while running: %v", err)
	}
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	prof, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(prof, []byte{0x1f, 0x8b}) {
		t.Fatalf("profile after stop: %d bytes, %v; want a gzipped pprof profile", len(prof), err)
	}

	m := NewMain(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
	m.getenv = func(string) string { return "" }
	err = m.Run(t.Context(), []string{"serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data2"), "--cpuprofile", filepath.Join(dir, "missing", "cpu.prof")})
	if err == nil || !strings.Contains(err.Error(), "cpu profile") {
		t.Fatalf("an uncreatable profile path: %v; want a cpu profile error", err)
	}
}
