package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"rapport/server/store"
)

// runExport writes the published revision of every authored document into DIR, one file per
// document at its path, so an author who prefers files and git can work there and bring the
// result back with "rapport import".
func (m *Main) runExport(ctx context.Context, args []string) error {
	var dataDir, db string
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(m.stderr)
	dbFlags(fs, &dataDir, &db, envOr(m.getenv))
	if err := fs.Parse(args); err != nil {
		return usageError(err.Error())
	}
	if fs.NArg() != 1 {
		return usageError("export takes one folder")
	}
	dir := fs.Arg(0)
	st, err := store.Open(dbPath(dataDir, db), m.now)
	if err != nil {
		return err
	}
	defer st.Close()
	files, _, err := st.PublishedFiles(ctx)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return errors.New("the database holds no course documents yet: start rapport serve once (without --content) to copy the course in, or use rapport import")
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		// Paths come from the database: refuse any that would land outside DIR.
		if !filepath.IsLocal(p) || !strings.HasSuffix(p, ".md") {
			return fmt.Errorf("document path %q is not a relative .md path", p)
		}
		target := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(target, []byte(files[p]), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(m.stdout, "Exported %d document(s) to %s\n", len(paths), dir)
	return nil
}
