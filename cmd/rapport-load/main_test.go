package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestEveryWorkloadRunsCleanlyAgainstTheRealServer builds rapport, runs each workload for a
// moment with a handful of trainees, and checks what the tool checks: every answer right, every
// acknowledged attempt in the database. It asserts nothing about speed.
func TestEveryWorkloadRunsCleanlyAgainstTheRealServer(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("needs the go tool to build rapport")
	}
	bin := filepath.Join(t.TempDir(), "rapport")
	if out, err := exec.Command(goTool, "build", "-o", bin, "rapport/cmd/rapport").CombinedOutput(); err != nil {
		t.Fatalf("build rapport: %v\n%s", err, out)
	}
	var out bytes.Buffer
	err = run(context.Background(), []string{
		"--bin", bin, "--data", t.TempDir(), "-c", "4", "-trainees", "16", "-d", "300ms", "-rounds", "1",
		"-spike", "20", "-spike-window", "200ms", "-start-runs", "1", "-max-requests", "5000",
	}, &out)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	report := out.String()
	for _, name := range []string{"static page (baseline)", "lesson page, signed in", "quiz submission", "conversation reply", "spike: 20 trainees submit the quiz"} {
		row := regexp.MustCompile(`(?m)^\| ` + regexp.QuoteMeta(name) + `[^|]*\| \d+ \| (\d+) \| (\d+) \|`).FindStringSubmatch(report)
		if row == nil || row[1] == "0" || row[2] != "0" {
			t.Errorf("%s: want requests and no errors, got %q", name, row)
		}
	}
	if strings.Contains(report, " × ") {
		t.Errorf("the report lists failures:\n%s", report)
	}
	m := regexp.MustCompile(`acknowledged (\d+), found in the database after the server stopped (\d+)`).FindStringSubmatch(report)
	if m == nil || m[1] == "0" || m[1] != m[2] {
		t.Errorf("acknowledged and stored attempts: %q\n%s", m, report)
	}
}
