package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// AuditEntry records who changed a document, a role or a team, and when. Entries are written
// in the same transaction as the change, so the log never claims a change that rolled back.
type AuditEntry struct {
	ID      int64
	At      time.Time
	ActorID *int64
	Actor   string // the actor's email when written; "command line" for the CLI
	Action  string // e.g. team.create, document.publish, user.create
	TeamID  *int64 // set for team changes, which only the team's director may read
	Subject string
	Detail  string
}

// TableName names the table after what it is.
func (AuditEntry) TableName() string { return "audit_log" }

// cliActor is the actor name of changes made with the rapport command.
const cliActor = "command line"

func (s *Store) audit(tx *gorm.DB, actor *User, action string, teamID *int64, subject, detail string) error {
	e := AuditEntry{At: s.now().UTC(), Actor: cliActor, Action: action, TeamID: teamID, Subject: clip(subject, 300), Detail: clip(detail, 500)}
	if actor != nil {
		e.ActorID, e.Actor = &actor.ID, actor.Email
	}
	return tx.Create(&e).Error
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// Audit records a change made outside the other store calls (the user command, say).
func (s *Store) Audit(ctx context.Context, actor *User, action, subject, detail string) error {
	if err := s.audit(s.db.WithContext(ctx), actor, action, nil, subject, detail); err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

// AuditLog returns the newest entries a director may read: every entry not about a team, and
// the entries about their own teams. It returns one page and whether there are older entries.
func (s *Store) AuditLog(ctx context.Context, viewerID int64, limit, offset int) ([]AuditEntry, bool, error) {
	var out []AuditEntry
	err := s.db.WithContext(ctx).
		Where("team_id IS NULL OR team_id IN (SELECT id FROM teams WHERE owner_id = ?)", viewerID).
		Order("id DESC").Limit(limit + 1).Offset(offset).Find(&out).Error
	if err != nil {
		return nil, false, fmt.Errorf("store: audit log: %w", err)
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	return out, more, nil
}
