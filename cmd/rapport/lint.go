package main

import (
	"fmt"
	"os"
	"path/filepath"

	"rapport/content"
	"rapport/courses"
)

// runLint checks DIR (the embedded course when empty), prints file:line: message for each
// problem, and fails when there are any.
func (m *Main) runLint(args []string) error {
	if len(args) > 1 {
		return usageError("lint takes at most one folder")
	}
	fsys, prefix := content.FS(), "content"
	if len(args) == 1 {
		if _, err := os.Stat(args[0]); err != nil {
			return fmt.Errorf("lint: %w", err)
		}
		fsys, prefix = os.DirFS(args[0]), args[0]
	}
	cat, problems := courses.Load(fsys)
	for _, p := range problems {
		p.File = filepath.Join(prefix, p.File)
		fmt.Fprintln(m.stdout, p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(m.stderr, "%d problem(s)\n", len(problems))
		return errSilent
	}
	fmt.Fprintf(m.stdout, "ok: %s\n", summary(cat))
	return nil
}

func summary(cat *courses.Catalog) string {
	lessons, quizzes, scenarios := 0, 0, 0
	for _, c := range cat.Courses {
		lessons += len(c.Lessons)
		for _, l := range c.Lessons {
			quizzes += len(l.Quizzes)
			scenarios += len(l.Scenarios)
		}
	}
	return fmt.Sprintf("%d course(s), %d lesson(s), %d quiz(zes), %d conversation(s)", len(cat.Courses), lessons, quizzes, scenarios)
}
