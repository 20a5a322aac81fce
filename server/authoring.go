package server

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing/fstest"
	"time"
)

// Authored content lives in the database as documents and revisions. On first start the
// course given in Config.Content is copied in; from then on the published revisions are the
// course. Publishing moves a one-row counter; every instance polls it (one primary-key read
// every couple of seconds) and reloads when it moves, so all instances serve a published
// revision within a few seconds without talking to each other. Documents become an fs.FS, so
// loading and lint are exactly those of files on disk.

// authoringState is the server's side of authoring.
type authoringState struct {
	enabled bool
	mu      sync.Mutex   // one reload at a time, so an older read never replaces a newer
	version atomic.Int64 // the content version being served
	stop    context.CancelFunc
	done    chan struct{}
}

// filesFS serves path -> text as a read-only file system.
func filesFS(files map[string]string) fs.FS {
	m := make(fstest.MapFS, len(files))
	for p, body := range files {
		m[p] = &fstest.MapFile{Data: []byte(body), Mode: 0o444}
	}
	return m
}

// readFiles collects every markdown file of a content tree.
func readFiles(fsys fs.FS) (map[string]string, error) {
	files := map[string]string{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".md") {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		files[p] = string(b)
		return err
	})
	return files, err
}

// startAuthoring seeds the documents from the configured content when there are none, serves
// the published documents, and starts watching the content version.
func (s *Server) startAuthoring() error {
	ctx := context.Background()
	seed, err := readFiles(s.cfg.Content)
	if err != nil {
		return fmt.Errorf("server: read content to seed: %w", err)
	}
	if seeded, err := s.store.SeedDocuments(ctx, seed); err != nil {
		return err
	} else if seeded {
		s.log.Info("authoring: copied the course into the database", slog.Int("documents", len(seed)))
	}
	if err := s.reloadDocuments(ctx); err != nil {
		return err
	}
	s.authoring.enabled = true
	poll := s.cfg.ContentPoll
	if poll <= 0 {
		poll = 2 * time.Second
	}
	pctx, cancel := context.WithCancel(ctx)
	s.authoring.stop, s.authoring.done = cancel, make(chan struct{})
	go s.pollContent(pctx, poll)
	return nil
}

// reloadDocuments serves the published documents. Publishing refuses content that fails lint,
// so a refusal here means the database was changed behind the server's back; the last good
// content stays, as with files.
func (s *Server) reloadDocuments(ctx context.Context) error {
	s.authoring.mu.Lock()
	defer s.authoring.mu.Unlock()
	files, version, err := s.store.PublishedFiles(ctx)
	if err != nil {
		return err
	}
	if err := s.LoadContent(filesFS(files)); err != nil {
		return err
	}
	s.authoring.version.Store(version)
	return nil
}

func (s *Server) pollContent(ctx context.Context, every time.Duration) {
	defer close(s.authoring.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		v, err := s.store.ContentVersion(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("authoring: read content version", slog.Any("err", err))
			}
			continue
		}
		if v == s.authoring.version.Load() {
			continue
		}
		if err := s.reloadDocuments(ctx); err != nil {
			s.log.Error("authoring: reload refused", slog.Any("err", err))
			s.authoring.version.Store(v) // do not retry a refused version every tick
			continue
		}
		s.log.Info("authoring: published content reloaded", slog.Int64("version", v))
	}
}

// stopAuthoring ends the poller; it is safe when authoring never started.
func (s *Server) stopAuthoring() {
	if s.authoring.stop != nil {
		s.authoring.stop()
		<-s.authoring.done
	}
}
