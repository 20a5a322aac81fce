package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"rapport/server/mail"
)

// serveConfig is every setting of "rapport serve"; each flag has a RAPPORT_* variable.
type serveConfig struct {
	Addr           string
	DataDir        string
	DB             string
	ContentDir     string
	SessionKeyFile string
	BaseURL        string
	LogFormat      string
	MetricsToken   string
	TrustProxy     bool
	NotifyEvery    time.Duration
	// BenchStaticFile is for load testing only (cmd/rapport-load): a page served as a static
	// file at /static/bench/lesson.html, the baseline live pages are compared against.
	BenchStaticFile string
	// CPUProfile, when set, names a file the server writes a pprof CPU profile of its whole
	// run to, when it stops: for finding what bounds a load test (docs/performance.md).
	CPUProfile string
	// Mail is the SMTP server (RAPPORT_SMTP_URL) and From address (RAPPORT_MAIL_FROM).
	Mail mail.Settings
}

// parseServeFlags reads flags, falling back to the environment, then to defaults.
func parseServeFlags(args []string, getenv func(string) string, out io.Writer) (serveConfig, error) {
	var c serveConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(out)
	env := envOr(getenv)
	fs.StringVar(&c.Addr, "addr", env("RAPPORT_ADDR", "127.0.0.1:8080"), "address to listen on (RAPPORT_ADDR)")
	dbFlags(fs, &c.DataDir, &c.DB, env)
	fs.StringVar(&c.ContentDir, "content", env("RAPPORT_CONTENT", ""), "course folder to serve and watch instead of the embedded course (RAPPORT_CONTENT)")
	fs.StringVar(&c.SessionKeyFile, "session-key-file", env("RAPPORT_SESSION_KEY_FILE", ""), "file holding the session keys, made on first start; default DATA/session.key (RAPPORT_SESSION_KEY_FILE)")
	fs.StringVar(&c.BaseURL, "base-url", env("RAPPORT_BASE_URL", ""), "public URL; https makes cookies Secure; default http://ADDR (RAPPORT_BASE_URL)")
	fs.StringVar(&c.LogFormat, "log-format", env("RAPPORT_LOG_FORMAT", "text"), "text or json (RAPPORT_LOG_FORMAT)")
	fs.DurationVar(&c.NotifyEvery, "notify-every", envDuration(env("RAPPORT_NOTIFY_EVERY", ""), time.Minute), "how often to look for newly published parts to tell subscribers about (RAPPORT_NOTIFY_EVERY)")
	fs.BoolVar(&c.TrustProxy, "trust-proxy", env("RAPPORT_TRUST_PROXY", "") == "true", "take client addresses from X-Forwarded-For set by a proxy on this machine (RAPPORT_TRUST_PROXY=true)")
	fs.StringVar(&c.MetricsToken, "metrics-token", env("RAPPORT_METRICS_TOKEN", ""), "bearer token required for /metrics; empty: /metrics answers loopback clients only (RAPPORT_METRICS_TOKEN)")
	fs.StringVar(&c.BenchStaticFile, "bench-static-file", "", "for load testing only: serve this file at /static/bench/lesson.html as the load tool's baseline")
	fs.StringVar(&c.CPUProfile, "cpuprofile", "", "for profiling: write a pprof CPU profile of the whole run to this file when the server stops")
	// No env default shown for the SMTP URL: -h prints defaults, and this one holds a password.
	smtpURL := fs.String("smtp-url", "", "SMTP server for subscriber mail, smtp://user:password@host:587?tls=starttls|opportunistic|none or smtps://user:password@host:465; prefer the variable, which keeps the password out of the process list; empty: mail is logged and kept in the outbox (RAPPORT_SMTP_URL)")
	fs.StringVar(&c.Mail.From, "mail-from", env("RAPPORT_MAIL_FROM", ""), `From address of subscriber mail, e.g. "Rapport <news@example.com>"; needed with an SMTP server (RAPPORT_MAIL_FROM)`)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, errSilent
		}
		return c, usageError(err.Error())
	}
	if fs.NArg() > 0 {
		return c, usageError("serve takes no arguments, only flags")
	}
	if *smtpURL == "" {
		*smtpURL = getenv("RAPPORT_SMTP_URL")
	}
	from := c.Mail.From
	var err error
	if c.Mail, err = mail.ParseURL(*smtpURL); err != nil {
		return c, usageError(err.Error())
	}
	c.Mail.From = from
	if c.Mail.Enabled() && from == "" {
		return c, usageError("an SMTP server needs a From address: set --mail-from or RAPPORT_MAIL_FROM")
	}
	if from != "" {
		if err := mail.CheckFrom(from); err != nil {
			return c, usageError(err.Error())
		}
	}
	c.DB = dbPath(c.DataDir, c.DB)
	if c.SessionKeyFile == "" {
		c.SessionKeyFile = filepath.Join(c.DataDir, "session.key")
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return c, usageError("log-format must be text or json")
	}
	return c, nil
}

// dbFlags declares the flags that locate the database, shared by every command that opens it.
func dbFlags(fs *flag.FlagSet, dataDir, db *string, env func(name, def string) string) {
	fs.StringVar(dataDir, "data", env("RAPPORT_DATA", "rapport-data"), "folder for the database and keys (RAPPORT_DATA)")
	fs.StringVar(db, "db", env("RAPPORT_DB", ""), "SQLite file or postgres:// URL; default DATA/rapport.db (RAPPORT_DB)")
}

func dbPath(dataDir, db string) string {
	if db == "" {
		return filepath.Join(dataDir, "rapport.db")
	}
	return db
}

// envOr returns a lookup that falls back to def when the variable is unset.
func envOr(getenv func(string) string) func(name, def string) string {
	return func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
}

// envDuration parses a duration from the environment, or returns def when it is unset or bad
// (a bad flag value is reported by the flag package; a bad variable falls back quietly).
func envDuration(v string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return d
	}
	return def
}

// loadOrCreateKey reads the 96-byte session key (hex) from path, creating it with fresh random
// bytes on first start. Instances that share the file share sessions.
func loadOrCreateKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		key, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(key) != 96 {
			return nil, fmt.Errorf("session key file %s must hold 96 bytes in hex", path)
		}
		return key, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read session key: %w", err)
	}
	key := make([]byte, 96)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	// O_EXCL: when two instances start at once, one writes and the other reads its key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return loadOrCreateKey(path)
	} else if err != nil {
		return nil, fmt.Errorf("write session key: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		return nil, fmt.Errorf("write session key: %w", err)
	}
	return key, f.Close()
}
