package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"rapport/server/store"
)

// runBackup writes a consistent copy of a live SQLite database to FILE.
func (m *Main) runBackup(ctx context.Context, args []string) error {
	var dataDir, db string
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(m.stderr)
	dbFlags(fs, &dataDir, &db, envOr(m.getenv))
	if err := fs.Parse(args); err != nil {
		return usageError(err.Error())
	}
	if fs.NArg() != 1 {
		return usageError("backup takes one file name")
	}
	target := fs.Arg(0)
	if _, err := os.Stat(target); err == nil {
		return fmt.Errorf("%s exists: choose a new file name", target)
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	st, err := store.Open(dbPath(dataDir, db), m.now)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Backup(ctx, target); err != nil {
		return err
	}
	fmt.Fprintf(m.stdout, "Backed up to %s\n", target)
	return nil
}
