package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Outbox states. A message is pending until a worker claims it (sending); it ends sent,
// logged (no mail server configured), failed (given up) or cancelled (its subscriber left).
const (
	MailPending   = "pending"
	MailSending   = "sending"
	MailSent      = "sent"
	MailLogged    = "logged"
	MailFailed    = "failed"
	MailCancelled = "cancelled"
)

// Kinds of mail, for the director's outbox page.
const (
	MailConfirm = "confirm"
	MailNotify  = "notify"
)

// OutboxMessage is a mail waiting to be sent, or the record of one that was. It is stored
// fully rendered, so a retry sends exactly what was queued, with the same Message-ID.
type OutboxMessage struct {
	ID           int64
	MessageID    string // without angle brackets; stable across retries
	Kind         string
	SubscriberID *int64
	Recipient    string
	Subject      string
	TextBody     string
	HTMLBody     string
	Headers      string // JSON object of extra headers, e.g. List-Unsubscribe
	Status       string
	NextTry      time.Time
	Attempts     int
	LeaseOwner   string
	LeaseUntil   *time.Time
	LastError    string
	CreatedAt    time.Time
	SentAt       *time.Time
}

// HeaderMap decodes the extra headers.
func (m *OutboxMessage) HeaderMap() (map[string]string, error) {
	h := map[string]string{}
	if m.Headers == "" {
		return h, nil
	}
	if err := json.Unmarshal([]byte(m.Headers), &h); err != nil {
		return nil, fmt.Errorf("store: outbox message %d headers: %w", m.ID, err)
	}
	return h, nil
}

// SetHeaders encodes the extra headers.
func (m *OutboxMessage) SetHeaders(h map[string]string) error {
	b, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("store: outbox headers: %w", err)
	}
	m.Headers = string(b)
	return nil
}

// OutboxAttempt records one try at sending a message, successful or not.
type OutboxAttempt struct {
	ID              int64
	OutboxMessageID int64
	At              time.Time
	Worker          string
	OK              bool
	Error           string
}

// NewMessageID returns a globally unique Message-ID for a mail from host.
func NewMessageID(host string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return "rapport." + hex.EncodeToString(b) + "@" + host
}

// enqueue adds a message to the outbox inside tx, due at once.
func (s *Store) enqueue(tx *gorm.DB, m *OutboxMessage) error {
	if err := s.readyToQueue(m); err != nil {
		return err
	}
	return tx.Create(m).Error
}

// readyToQueue checks a message and sets the fields of a new, pending one, due at once.
func (s *Store) readyToQueue(m *OutboxMessage) error {
	now := s.now().UTC()
	if m.MessageID == "" {
		return errors.New("outbox message without a Message-ID")
	}
	if m.Headers == "" {
		m.Headers = "{}"
	}
	m.Status, m.NextTry, m.CreatedAt, m.Attempts = MailPending, now, now, 0
	return nil
}

// EnqueueMail adds one message to the outbox; the mail worker sends it.
func (s *Store) EnqueueMail(ctx context.Context, m *OutboxMessage) error {
	if err := s.enqueue(s.db.WithContext(ctx), m); err != nil {
		return fmt.Errorf("store: enqueue mail: %w", err)
	}
	return nil
}

var errLostClaim = errors.New("another worker claimed the message")

// due is the condition of a message a worker may claim: pending and its time has come, or
// claimed by a worker whose lease ran out (it died mid-send).
const due = "((status = ? AND next_try <= ?) OR (status = ? AND lease_until < ?))"

// ClaimMail claims the next due message for owner; see ClaimMails.
func (s *Store) ClaimMail(ctx context.Context, owner string, lease time.Duration) (*OutboxMessage, error) {
	ms, err := s.ClaimMails(ctx, owner, lease, 1)
	if err != nil {
		return nil, err
	}
	return &ms[0], nil
}

// ClaimMails takes up to limit due messages for owner, oldest first, and leases them until
// lease has passed. The claim is a conditional UPDATE, so of two workers that pick the same
// rows only one changes them; on PostgreSQL FOR UPDATE SKIP LOCKED also keeps workers off
// each other's rows while they decide. The attempt is counted at the claim, so a message
// that kills its worker still runs out of attempts. ErrNotFound means nothing is due.
//
// Claiming a batch costs one write where claiming one at a time cost one per message, and
// on SQLite every write waits for the one writer (a fan-out queues its mails meanwhile).
// The worker renews the lease of a batch that is taking long (RenewMails) and gives back
// what it did not send when it stops (ReleaseMails).
func (s *Store) ClaimMails(ctx context.Context, owner string, lease time.Duration, limit int) ([]OutboxMessage, error) {
	for range 5 {
		now := s.now().UTC()
		// A plain read first: an idle poll must not take SQLite's write lock.
		var ids []int64
		if err := s.db.WithContext(ctx).Model(&OutboxMessage{}).Where(due, MailPending, now, MailSending, now).Limit(1).Pluck("id", &ids).Error; err != nil {
			return nil, fmt.Errorf("store: claim mail: %w", err)
		}
		if len(ids) == 0 {
			return nil, fmt.Errorf("store: claim mail: %w", ErrNotFound)
		}
		var ms []OutboxMessage
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			// Two lookups rather than one with OR: each walks an index in order, where the OR
			// made the database sort the whole outbox on every claim (quadratic in a fan-out).
			pick := func(q *gorm.DB, n int) error {
				if s.postgres {
					q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
				}
				var more []OutboxMessage
				err := q.Limit(n).Find(&more).Error
				ms = append(ms, more...)
				return err
			}
			if err := pick(tx.Where("status = ? AND next_try <= ?", MailPending, now).Order("status, next_try, id"), limit); err != nil {
				return err
			}
			if len(ms) < limit {
				if err := pick(tx.Where("status = ? AND lease_until < ?", MailSending, now).Order("id"), limit-len(ms)); err != nil {
					return err
				}
			}
			if len(ms) == 0 {
				return gorm.ErrRecordNotFound
			}
			ids := MessageIDs(ms)
			until := now.Add(lease)
			res := tx.Model(&OutboxMessage{}).Where("id IN ? AND "+due, ids, MailPending, now, MailSending, now).
				Updates(map[string]any{"status": MailSending, "lease_owner": owner, "lease_until": until, "attempts": gorm.Expr("attempts + 1")})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != int64(len(ids)) {
				return errLostClaim // undone with the transaction; try again
			}
			for i := range ms {
				m := &ms[i]
				m.Status, m.LeaseOwner, m.LeaseUntil, m.Attempts = MailSending, owner, &until, m.Attempts+1
			}
			return nil
		})
		switch {
		case errors.Is(err, errLostClaim):
			continue
		case err != nil:
			return nil, notFound(err, "claim mail")
		}
		return ms, nil
	}
	return nil, fmt.Errorf("store: claim mail: %w", ErrNotFound)
}

// MessageIDs returns the ids of ms, in order.
func MessageIDs(ms []OutboxMessage) []int64 {
	ids := make([]int64, len(ms))
	for i := range ms {
		ids[i] = ms[i].ID
	}
	return ids
}

// RenewMails extends owner's lease on the given messages by lease from now and returns the
// ids still owner's: a message whose lease lapsed and was claimed by another worker is
// that worker's to send, and must be dropped from owner's batch.
func (s *Store) RenewMails(ctx context.Context, owner string, ids []int64, lease time.Duration) ([]int64, error) {
	var mine []int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		owned := func() *gorm.DB {
			return tx.Model(&OutboxMessage{}).Where("id IN ? AND status = ? AND lease_owner = ?", ids, MailSending, owner)
		}
		if err := owned().Update("lease_until", s.now().UTC().Add(lease)).Error; err != nil {
			return err
		}
		return owned().Order("id").Pluck("id", &mine).Error
	})
	if err != nil {
		return nil, fmt.Errorf("store: renew mail leases: %w", err)
	}
	return mine, nil
}

// ReleaseMails gives back messages owner claimed and did not try, so they are due at once
// for any worker instead of waiting for the lease to run out; the claim's attempt is
// taken back, since nothing was tried.
func (s *Store) ReleaseMails(ctx context.Context, owner string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	err := s.db.WithContext(ctx).Model(&OutboxMessage{}).Where("id IN ? AND status = ? AND lease_owner = ?", ids, MailSending, owner).
		Updates(map[string]any{"status": MailPending, "lease_owner": "", "lease_until": nil, "next_try": s.now().UTC(), "attempts": gorm.Expr("attempts - 1")}).Error
	if err != nil {
		return fmt.Errorf("store: release mails: %w", err)
	}
	return nil
}

// MailResult is how an attempt ended: Status is MailSent, MailLogged, MailPending (try again
// at NextTry) or MailFailed (given up); Err says why it did not go.
type MailResult struct {
	Status  string
	Err     string
	NextTry time.Time
}

// FinishMail records an attempt and its outcome. A success is recorded whoever holds the
// lease now, since the mail has gone; a failure only by the lease holder, so it never
// undoes another worker's newer claim. Every attempt is kept in outbox_attempts.
func (s *Store) FinishMail(ctx context.Context, id int64, owner string, r MailResult) error {
	now := s.now().UTC()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		set := map[string]any{"status": r.Status, "lease_owner": "", "lease_until": nil}
		q := tx.Model(&OutboxMessage{}).Where("id = ? AND status = ?", id, MailSending)
		switch r.Status {
		case MailSent, MailLogged:
			set["sent_at"] = now
		case MailPending:
			set["next_try"], set["last_error"] = r.NextTry.UTC(), r.Err
			q = q.Where("lease_owner = ?", owner)
		case MailFailed:
			set["last_error"] = r.Err
			q = q.Where("lease_owner = ?", owner)
		default:
			return fmt.Errorf("unknown outcome %q", r.Status)
		}
		if err := q.Updates(set).Error; err != nil {
			return err
		}
		ok := r.Status == MailSent || r.Status == MailLogged
		return tx.Create(&OutboxAttempt{OutboxMessageID: id, At: now, Worker: owner, OK: ok, Error: r.Err}).Error
	})
	if err != nil {
		return fmt.Errorf("store: finish mail %d: %w", id, err)
	}
	return nil
}

// Outbox returns the newest messages first, at most limit of them.
func (s *Store) Outbox(ctx context.Context, limit int) ([]OutboxMessage, error) {
	var ms []OutboxMessage
	if err := s.db.WithContext(ctx).Order("id DESC").Limit(limit).Find(&ms).Error; err != nil {
		return nil, fmt.Errorf("store: outbox: %w", err)
	}
	return ms, nil
}

// CountOutbox counts messages by status.
func (s *Store) CountOutbox(ctx context.Context) (map[string]int64, error) {
	var rows []struct {
		Status string
		N      int64
	}
	if err := s.db.WithContext(ctx).Model(&OutboxMessage{}).Select("status, COUNT(*) AS n").Group("status").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: count outbox: %w", err)
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

// MailAttempts returns the attempts at one message, oldest first.
func (s *Store) MailAttempts(ctx context.Context, id int64) ([]OutboxAttempt, error) {
	var as []OutboxAttempt
	if err := s.db.WithContext(ctx).Where("outbox_message_id = ?", id).Order("id").Find(&as).Error; err != nil {
		return nil, fmt.Errorf("store: mail attempts: %w", err)
	}
	return as, nil
}
