package main

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"rapport/courses"
	"rapport/server/store"
)

// runImport makes the course folder DIR the published content: it lints the folder as the
// server would, then, in one transaction, publishes a new revision of every changed file, adds
// new files and withdraws documents the folder no longer has. Running instances pick the
// result up within their poll interval. A folder that fails lint changes nothing.
func (m *Main) runImport(ctx context.Context, args []string) error {
	var dataDir, db string
	flags := flag.NewFlagSet("import", flag.ContinueOnError)
	flags.SetOutput(m.stderr)
	dbFlags(flags, &dataDir, &db, envOr(m.getenv))
	if err := flags.Parse(args); err != nil {
		return usageError(err.Error())
	}
	if flags.NArg() != 1 {
		return usageError("import takes one folder")
	}
	dir := flags.Arg(0)
	if _, err := os.Stat(dir); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	fsys := os.DirFS(dir)
	if _, problems := courses.Load(fsys); len(problems) > 0 {
		for _, p := range problems {
			p.File = filepath.Join(dir, p.File)
			fmt.Fprintln(m.stdout, p)
		}
		fmt.Fprintf(m.stderr, "%d problem(s): nothing was imported\n", len(problems))
		return errSilent
	}
	files := map[string]string{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".md") || strings.HasPrefix(p, ".") {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		files[p] = string(b)
		return err
	})
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	st, err := store.Open(dbPath(dataDir, db), m.now)
	if err != nil {
		return err
	}
	defer st.Close()
	changed, err := st.ImportDocuments(ctx, nil, files, "imported from "+filepath.Base(filepath.Clean(dir)))
	if err != nil {
		return err
	}
	for _, p := range changed {
		fmt.Fprintln(m.stdout, "published", p)
	}
	fmt.Fprintf(m.stdout, "Imported %s: %d of %d document(s) changed\n", dir, len(changed), len(files))
	return nil
}
