package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"time"

	"rapport/content"
	"rapport/server"
	"rapport/server/store"
)

// runServe starts the platform and serves until ctx is cancelled, then lets requests in flight
// finish and closes the database.
func (m *Main) runServe(ctx context.Context, args []string) error {
	cfg, err := parseServeFlags(args, m.getenv, m.stderr)
	if err != nil {
		return err
	}
	log := m.logger(cfg.LogFormat)
	if cfg.CPUProfile != "" {
		stop, err := startCPUProfile(cfg.CPUProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	key, err := loadOrCreateKey(cfg.SessionKeyFile)
	if err != nil {
		return err
	}
	var contentFS fs.FS = content.FS()
	if cfg.ContentDir != "" {
		contentFS = os.DirFS(cfg.ContentDir)
	}
	var benchPage []byte
	if cfg.BenchStaticFile != "" {
		if benchPage, err = os.ReadFile(cfg.BenchStaticFile); err != nil {
			return fmt.Errorf("bench static file: %w", err)
		}
	}
	// Listen first, so the default base URL names the real port even for --addr HOST:0, and
	// links in pages and mails point where the server is.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://" + ln.Addr().String()
	}
	st, err := store.Open(cfg.DB, m.now)
	if err != nil {
		return err
	}
	defer st.Close()
	srv, err := server.New(server.Config{BaseURL: cfg.BaseURL, SessionKey: key, Content: contentFS, Authoring: cfg.ContentDir == "", Now: m.now, Logger: log, BcryptCost: m.bcryptCost, MetricsToken: cfg.MetricsToken, TrustProxy: cfg.TrustProxy, NotifyPoll: cfg.NotifyEvery, BenchStaticPage: benchPage, Mail: cfg.Mail}, st)
	if err != nil {
		return err
	}
	if cfg.ContentDir != "" {
		stop, err := watchContent(ctx, cfg.ContentDir, srv, log)
		if err != nil {
			return err
		}
		defer stop()
	}
	// Start-up (parsing the course and the templates, migrating) leaves megabytes of garbage;
	// hand it back to the OS now rather than whenever the scavenger gets to it.
	debug.FreeOSMemory()
	// The outbox worker and the installment scheduler: srv.Shutdown stops them on the way
	// out; the cancel covers a return on a serve error.
	bgCtx, stopBackground := context.WithCancel(ctx)
	defer stopBackground()
	srv.Start(bgCtx)
	log.Info("subscriber mail", slog.String("via", cfg.Mail.String()))
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(m.stdout, "Rapport is running at %s (press Ctrl+C to stop)\n", url)
	log.Info("listening", slog.String("url", url), slog.String("db", redactDSN(cfg.DB)))
	if m.OnListen != nil {
		m.OnListen(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: letting requests in flight finish")
	shutCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := srv.Shutdown(shutCtx); err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}

func (m *Main) logger(format string) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(m.stderr, nil))
	}
	return slog.New(slog.NewTextHandler(m.stderr, nil))
}

// redactDSN keeps a database password out of the log.
func redactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
	}
	return dsn
}
