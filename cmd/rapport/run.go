package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// errSilent marks a failure whose explanation has already been printed.
var errSilent = errors.New("failed")

type usageError string

func (e usageError) Error() string { return string(e) + "\n" + usage }

const usage = `usage:
  rapport [serve] [flags]        start the platform (the default)
  rapport lint [DIR]             check course content; DIR defaults to the embedded course
  rapport user create --email E --name N --role trainee|director   (password on stdin)
  rapport user role --email E --role trainee|director              (recorded in the audit log)
  rapport backup FILE            write a consistent copy of the SQLite database
  rapport export DIR             write the published course documents into DIR
  rapport import DIR             lint DIR and publish it as the course documents
Run "rapport serve -h" for the settings.`

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

// Main is the program, with its streams, environment and clock injectable for tests.
type Main struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	now            func() time.Time
	bcryptCost     int

	// OnListen, when set, is called with the address once the server listens.
	OnListen func(addr string)
}

// NewMain returns a program that talks on the given streams and reads the process environment.
func NewMain(stdin io.Reader, stdout, stderr io.Writer) *Main {
	return &Main{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv, now: time.Now}
}

// Run runs the subcommand named in args until it finishes or ctx is cancelled.
func (m *Main) Run(ctx context.Context, args []string) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return m.runServe(ctx, args)
	case "lint":
		return m.runLint(args)
	case "user":
		return m.runUser(ctx, args)
	case "backup":
		return m.runBackup(ctx, args)
	case "export":
		return m.runExport(ctx, args)
	case "import":
		return m.runImport(ctx, args)
	default:
		return usageError(fmt.Sprintf("unknown command %q", cmd))
	}
}
