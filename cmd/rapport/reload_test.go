package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rapport/content"
)

// eventually polls check until it holds or the deadline passes; it asserts no timing, only
// that the state is reached.
func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestServeReloadsAWatchedContentFolder edits a lesson under --content and sees the new text
// served without a restart; then breaks it and sees the last good content kept and the problem
// logged with its file and line.
func TestServeReloadsAWatchedContentFolder(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, content.FS()); err != nil {
		t.Fatal(err)
	}
	p := startProgram(t, t.TempDir(), "--content", dir)
	c := newClient(t, p.addr)
	const path = "/courses/difficult-customers/why-difficult-customers-matter"
	file := filepath.Join(dir, "difficult-customers", "01-why-difficult-customers-matter.md")
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(src), "title: Why difficult customers matter", "title: Why hard conversations pay off", 1)
	if edited == string(src) {
		t.Fatal("the test edit does not apply")
	}
	writeFile(t, file, edited)
	eventually(t, "the edited title", func() bool {
		_, body := c.get(path)
		return strings.Contains(body, "Why hard conversations pay off")
	})

	writeFile(t, file, strings.Replace(edited, "publish: 2026-09-07", "publish: the ninth", 1))
	eventually(t, "the refused reload in the log", func() bool {
		return strings.Contains(p.stderr.String(), "content reload refused: difficult-customers/01-why-difficult-customers-matter.md:7: publish date")
	})
	if code, body := c.get(path); code != 200 || !strings.Contains(body, "Why hard conversations pay off") {
		t.Fatalf("after a broken edit: %d; the last good content should still be served", code)
	}
}
