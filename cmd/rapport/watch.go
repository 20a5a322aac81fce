package main

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"

	"rapport/server"
)

// watchContent reloads the course folder when a file in it changes. Editors write files in
// bursts (temp file, rename, chmod), so changes are gathered for a moment before one reload.
// Content that fails lint is refused; the last good content keeps being served.
func watchContent(ctx context.Context, dir string, srv *server.Server, log *slog.Logger) (func(), error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	addAll := func() {
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				_ = w.Add(p) // a folder removed mid-walk is picked up on the next event
			}
			return nil
		})
	}
	addAll()
	done := make(chan struct{})
	go func() {
		defer close(done)
		var timer <-chan time.Time
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				if ev.Op.Has(fsnotify.Create) {
					addAll()
				}
				timer = time.After(200 * time.Millisecond)
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				log.Warn("content watcher", slog.Any("err", err))
			case <-timer:
				timer = nil
				err := srv.LoadContent(os.DirFS(dir))
				var ce *server.ContentError
				switch {
				case errors.As(err, &ce):
					for _, p := range ce.Problems {
						log.Error("content reload refused: "+p.String(), slog.String("file", filepath.Join(dir, p.File)), slog.Int("line", p.Line))
					}
				case err != nil:
					log.Error("content reload failed", slog.Any("err", err))
				default:
					log.Info("content reloaded", slog.String("dir", dir))
				}
			}
		}
	}()
	return func() { w.Close(); <-done }, nil
}
