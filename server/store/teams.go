package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Team is a director's group of trainees. InviteNonce is mixed into the team's signed invite
// link; changing it revokes every link given out so far.
type Team struct {
	ID          int64
	Name        string `gorm:"size:100;not null"`
	OwnerID     int64  `gorm:"index;not null"`
	DueAt       *time.Time
	InviteNonce string `gorm:"size:64;not null"`
	CreatedAt   time.Time
}

// TeamMember puts a trainee in a team.
type TeamMember struct {
	TeamID   int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID   int64 `gorm:"primaryKey;autoIncrement:false"`
	JoinedAt time.Time
}

func newNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b)
}

func teamSubject(t *Team) string { return "team " + strconv.FormatInt(t.ID, 10) + " (" + t.Name + ")" }

// CreateTeam adds a team owned by the director, and records it in the audit log.
func (s *Store) CreateTeam(ctx context.Context, owner *User, t *Team) error {
	t.OwnerID, t.InviteNonce, t.CreatedAt = owner.ID, newNonce(), s.now().UTC()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(t).Error; err != nil {
			return err
		}
		return s.audit(tx, owner, "team.create", &t.ID, teamSubject(t), dueDetail(t.DueAt))
	})
	if err != nil {
		return fmt.Errorf("store: create team: %w", err)
	}
	return nil
}

func dueDetail(due *time.Time) string {
	if due == nil {
		return "no due date"
	}
	return "due " + due.Format("2006-01-02")
}

// UpdateTeam renames a team and sets or clears its due date.
func (s *Store) UpdateTeam(ctx context.Context, actor *User, t *Team) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Team{}).Where("id = ?", t.ID).Updates(map[string]any{"name": t.Name, "due_at": t.DueAt})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return s.audit(tx, actor, "team.update", &t.ID, teamSubject(t), dueDetail(t.DueAt))
	})
	if err != nil {
		return fmt.Errorf("store: update team: %w", err)
	}
	return nil
}

// RotateInvite gives the team a new invite nonce: links given out before stop working.
func (s *Store) RotateInvite(ctx context.Context, actor *User, t *Team) error {
	nonce := newNonce()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&Team{}).Where("id = ?", t.ID).Update("invite_nonce", nonce).Error; err != nil {
			return err
		}
		return s.audit(tx, actor, "team.invite-revoke", &t.ID, teamSubject(t), "earlier invite links stop working")
	})
	if err != nil {
		return fmt.Errorf("store: rotate invite: %w", err)
	}
	t.InviteNonce = nonce
	return nil
}

// TeamByID loads a team.
func (s *Store) TeamByID(ctx context.Context, id int64) (*Team, error) {
	var t Team
	if err := s.db.WithContext(ctx).Take(&t, id).Error; err != nil {
		return nil, notFound(err, "team")
	}
	return &t, nil
}

// TeamWithCount is a team and how many trainees are in it.
type TeamWithCount struct {
	Team
	Members int
}

// TeamsOwnedBy lists a director's teams by name, each with its member count.
func (s *Store) TeamsOwnedBy(ctx context.Context, ownerID int64) ([]TeamWithCount, error) {
	var out []TeamWithCount
	err := s.db.WithContext(ctx).Table("teams").
		Select("teams.*, (SELECT COUNT(*) FROM team_members m WHERE m.team_id = teams.id) AS members").
		Where("owner_id = ?", ownerID).Order("name, id").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: teams owned by %d: %w", ownerID, err)
	}
	return out, nil
}

// JoinTeam adds the user to the team; joining twice changes nothing. It reports whether the
// user was newly added.
func (s *Store) JoinTeam(ctx context.Context, t *Team, u *User) (bool, error) {
	joined := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&TeamMember{TeamID: t.ID, UserID: u.ID, JoinedAt: s.now().UTC()})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		joined = true
		return s.audit(tx, u, "team.join", &t.ID, teamSubject(t), u.Email+" joined through an invite link")
	})
	if err != nil {
		return false, fmt.Errorf("store: join team: %w", err)
	}
	return joined, nil
}

// RemoveMember takes a trainee out of a team; their records stay.
func (s *Store) RemoveMember(ctx context.Context, actor *User, t *Team, member *User) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("team_id = ? AND user_id = ?", t.ID, member.ID).Delete(&TeamMember{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return s.audit(tx, actor, "team.remove", &t.ID, teamSubject(t), member.Email+" removed")
	})
	if err != nil {
		return fmt.Errorf("store: remove member: %w", err)
	}
	return nil
}

// TeamMemberUser loads a user only if they are in the team: directors reach trainees through
// their teams, never by id alone.
func (s *Store) TeamMemberUser(ctx context.Context, teamID, userID int64) (*User, error) {
	var u User
	err := s.db.WithContext(ctx).Joins("JOIN team_members m ON m.user_id = users.id AND m.team_id = ?", teamID).
		Take(&u, userID).Error
	if err != nil {
		return nil, notFound(err, "team member")
	}
	return &u, nil
}

// Member is a trainee in a team, as the reports list them.
type Member struct {
	ID       int64
	Name     string
	Email    string
	JoinedAt time.Time
}

// TeamMembers lists the team's trainees by name.
func (s *Store) TeamMembers(ctx context.Context, teamID int64) ([]Member, error) {
	var out []Member
	err := s.db.WithContext(ctx).Table("users").Select("users.id, users.name, users.email, m.joined_at").
		Joins("JOIN team_members m ON m.user_id = users.id").Where("m.team_id = ?", teamID).
		Order("users.name, users.id").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: team members: %w", err)
	}
	return out, nil
}

// TeamsOf lists the teams a user belongs to.
func (s *Store) TeamsOf(ctx context.Context, userID int64) ([]Team, error) {
	var out []Team
	err := s.db.WithContext(ctx).Joins("JOIN team_members m ON m.team_id = teams.id").
		Where("m.user_id = ?", userID).Order("teams.name").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: teams of %d: %w", userID, err)
	}
	return out, nil
}
