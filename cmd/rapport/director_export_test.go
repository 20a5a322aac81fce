package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportEditImportReachesTheRunningServer exports the seeded course to a folder, edits a
// lesson there as an author with git would, imports it, and finds the running server serving
// the edit within its poll interval; a folder that fails lint imports nothing.
func TestExportEditImportReachesTheRunningServer(t *testing.T) {
	data := t.TempDir()
	p := startProgram(t, data)
	c := newClient(t, p.addr)
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		m := NewMain(strings.NewReader(""), &out, io.Discard)
		m.getenv = func(string) string { return "" }
		err := m.Run(context.Background(), append(args[:1:1], append([]string{"--data", data}, args[1:]...)...))
		return out.String(), err
	}
	dir := t.TempDir()
	out, err := run("export", dir)
	if err != nil || !strings.Contains(out, "Exported 8 document(s)") {
		t.Fatalf("export: %v\n%s", err, out)
	}
	file := filepath.Join(dir, "difficult-customers", "01-why-difficult-customers-matter.md")
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(src), "title: Why difficult customers matter", "title: Why hard conversations pay off", 1)
	writeFile(t, file, edited)
	out, err = run("import", dir)
	if err != nil || !strings.Contains(out, "published difficult-customers/01-why-difficult-customers-matter.md") || !strings.Contains(out, "1 of 8 document(s) changed") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	const path = "/courses/difficult-customers/why-difficult-customers-matter"
	eventually(t, "the imported title", func() bool {
		_, body := c.get(path)
		return strings.Contains(body, "Why hard conversations pay off")
	})

	writeFile(t, file, strings.Replace(edited, "publish: 2026-09-07", "publish: someday", 1))
	out, err = run("import", dir)
	if err == nil || !strings.Contains(out, "01-why-difficult-customers-matter.md:7: publish date") {
		t.Fatalf("import of a broken folder: %v\n%s", err, out)
	}
	if _, body := c.get(path); !strings.Contains(body, "Why hard conversations pay off") {
		t.Fatal("a refused import changed the served course")
	}
}
