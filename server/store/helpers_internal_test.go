package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// mustOpen opens a store on a fresh SQLite file, for tests inside the package (benchmarks).
// Tests that should run on every engine live in package store_test and use storetest.
func mustOpen(tb testing.TB) (*Store, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "rapport.db")
	s, err := Open(path, func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) })
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s, path
}

func mustCreateUser(tb testing.TB, s *Store, email string) *User {
	tb.Helper()
	u := &User{Email: email, Name: "Test", PasswordHash: "x"}
	if err := s.CreateUser(context.Background(), u); err != nil {
		tb.Fatal(err)
	}
	return u
}
