package store

import (
	"context"
	"errors"
	"fmt"
)

// Backup writes a consistent copy of the SQLite database to path while it stays in use:
// VACUUM INTO reads one snapshot, so writes made meanwhile are either wholly in or out.
// PostgreSQL is backed up with pg_dump instead.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.postgres {
		return errors.New("store: backup: use pg_dump for PostgreSQL")
	}
	if err := s.db.WithContext(ctx).Exec("VACUUM INTO ?", path).Error; err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	return nil
}
