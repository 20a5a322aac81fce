// Package storetest opens stores for tests on every database Rapport supports: a fresh SQLite
// file, and a fresh PostgreSQL database when RAPPORT_TEST_POSTGRES names a server (.ci/run starts
// one). Without it PostgreSQL is skipped locally; under CI=true its absence fails the test.
package storetest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the driver gorm's postgres dialect uses

	"rapport/server/store"
)

// Engines returns the database kinds to run a test on.
func Engines(tb testing.TB) []string {
	tb.Helper()
	if os.Getenv("RAPPORT_TEST_POSTGRES") != "" {
		return []string{"sqlite", "postgres"}
	}
	if os.Getenv("CI") == "true" {
		tb.Fatal("CI=true but RAPPORT_TEST_POSTGRES is not set: .ci/run must start PostgreSQL")
	}
	return []string{"sqlite"}
}

// DSN returns a fresh, empty database of the kind for the test, removed when it ends.
func DSN(tb testing.TB, kind string) string {
	tb.Helper()
	if kind == "sqlite" {
		return filepath.Join(tb.TempDir(), "rapport.db")
	}
	admin := os.Getenv("RAPPORT_TEST_POSTGRES")
	if admin == "" {
		tb.Skip("RAPPORT_TEST_POSTGRES not set")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "rapport_test_" + hex.EncodeToString(b)
	db, err := sql.Open("pgx", admin)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		db, err := sql.Open("pgx", admin)
		if err == nil {
			_, _ = db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			db.Close()
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// Open returns a migrated store on a fresh database of the kind, closed when the test ends.
func Open(tb testing.TB, kind string, now func() time.Time) *store.Store {
	tb.Helper()
	s, err := store.Open(DSN(tb, kind), now)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}
