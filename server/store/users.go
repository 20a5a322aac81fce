package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// CreateUser adds an account; the email must not be in use (ErrConflict).
func (s *Store) CreateUser(ctx context.Context, u *User) error {
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	if u.Role == "" {
		u.Role = RoleTrainee
	}
	if err := s.db.WithContext(ctx).Create(u).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return fmt.Errorf("store: create user: %w", ErrConflict)
		}
		return fmt.Errorf("store: create user: %w", err)
	}
	return nil
}

// UserByEmail finds an account by email, case-insensitively.
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	var u User
	err := s.db.WithContext(ctx).Where("email = ?", strings.ToLower(strings.TrimSpace(email))).Take(&u).Error
	if err != nil {
		return nil, notFound(err, "user by email")
	}
	return &u, nil
}

// UserByID finds an account by id.
func (s *Store) UserByID(ctx context.Context, id int64) (*User, error) {
	u, err := s.sessionUser(ctx, id) // every signed-in request: see pagereads.go
	if err != nil {
		return nil, notFound(err, "user by id")
	}
	return u, nil
}

// SetRole changes a user's role and records it in the audit log in the same transaction.
// actor is nil for the command line.
func (s *Store) SetRole(ctx context.Context, actor *User, email, role string) (*User, error) {
	var u User
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("email = ?", strings.ToLower(strings.TrimSpace(email))).Take(&u).Error; err != nil {
			return err
		}
		if u.Role == role {
			return nil
		}
		from := u.Role
		if err := tx.Model(&u).Update("role", role).Error; err != nil {
			return err
		}
		return s.audit(tx, actor, "user.role", nil, u.Email, from+" → "+role)
	})
	if err != nil {
		return nil, notFound(err, "set role")
	}
	return &u, nil
}
