// Package store keeps Rapport's data through GORM: SQLite by default, PostgreSQL to scale out.
// It knows nothing of HTTP; errors are wrapped with what was being done, and "not found" is
// ErrNotFound, never a nil result.
package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Errors callers can test for with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("already exists")
	ErrStale    = errors.New("changed by another request")
)

// Store is the database.
type Store struct {
	db       *gorm.DB
	postgres bool
	now      func() time.Time
	pool     *sqlitePool // SQLite only
	attempts attemptQueue
}

// Open connects to dsn, a SQLite file path or a postgres:// URL, and migrates it.
func Open(dsn string, now func() time.Time) (*Store, error) {
	if now == nil {
		now = time.Now
	}
	cfg := &gorm.Config{Logger: logger.Discard, NowFunc: func() time.Time { return now().UTC() }, TranslateError: true}
	var dialector gorm.Dialector
	var pool *sqlitePool
	isPG := strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
	if isPG {
		dialector = postgres.Open(dsn)
	} else {
		if dir := filepath.Dir(dsn); dir != "." {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("store: create data folder: %w", err)
			}
		}
		// WAL lets readers run beside the writer; _txlock=immediate takes the write lock at
		// BEGIN so two writers queue on the busy timeout instead of failing mid-transaction.
		// Writes queue for one connection in Go (see sqlitePool); the busy timeout still
		// covers other processes, such as the user and backup commands.
		var err error
		pool, err = openSQLitePool("file:" + dsn + "?_journal_mode=WAL&_foreign_keys=on&_busy_timeout=10000&_txlock=immediate&_synchronous=NORMAL")
		if err != nil {
			return nil, fmt.Errorf("store: open: %w", err)
		}
		dialector = sqlite.New(sqlite.Config{Conn: pool})
	}
	db, err := gorm.Open(dialector, cfg)
	if err != nil {
		if pool != nil {
			pool.Close()
		}
		return nil, fmt.Errorf("store: open: %w", err)
	}
	if isPG {
		// database/sql keeps two idle connections unless told: under load every other request
		// would open a connection, with a full SCRAM login, and close it again.
		sqlDB, err := db.DB()
		if err != nil {
			return nil, fmt.Errorf("store: open: %w", err)
		}
		sqlDB.SetMaxOpenConns(pgConns)
		sqlDB.SetMaxIdleConns(pgConns)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	s := &Store{db: db, postgres: isPG, now: now, pool: pool}
	if err := s.migrate(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// pgConns is each instance's share of PostgreSQL's connections (max_connections is 100 by
// default): enough to keep a few cores busy with requests waiting on the network.
const pgConns = 20

// Close closes the connection pool.
func (s *Store) Close() error {
	if s.pool != nil {
		return s.pool.Close()
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Postgres reports whether the store runs on PostgreSQL.
func (s *Store) Postgres() bool { return s.postgres }

// DB exposes the connection for tests and tools that must check rows directly.
func (s *Store) DB() *gorm.DB { return s.db }

func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("store: %s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("store: %s: %w", what, err)
}
