// Command rapport serves the Rapport training platform and runs its tools. main only reads the
// command line; the work lives in Main so tests can run the program in-process.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	applyGCSettings(os.Getenv) // the process's, not Main's: tests run Main inside go test
	m := NewMain(os.Stdin, os.Stdout, os.Stderr)
	if err := m.Run(ctx, os.Args[1:]); err != nil {
		if err != errSilent {
			fmt.Fprintln(os.Stderr, "rapport:", err)
		}
		os.Exit(exitCode(err))
	}
}
