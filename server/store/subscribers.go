package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Subscriber states. Only confirmed subscribers are ever sent installments.
const (
	SubscriberPending      = "pending"
	SubscriberConfirmed    = "confirmed"
	SubscriberUnsubscribed = "unsubscribed"
)

// Token purposes: a token does one thing only, so an unsubscribe link can never confirm.
const (
	TokenConfirm     = "confirm"
	TokenUnsubscribe = "unsubscribe"
)

const (
	// ConfirmTTL is how long a confirmation link works.
	ConfirmTTL = 72 * time.Hour
	// ConfirmMailsPerDay bounds confirmation mails per address, so a stranger typing
	// someone's address into the form again and again cannot fill their inbox.
	ConfirmMailsPerDay = 3
	tokenBytes         = 32
)

// Token errors, besides ErrNotFound for a token that was never issued.
var (
	ErrTokenExpired = errors.New("link expired")
	ErrTokenUsed    = errors.New("link already used or replaced")
)

// Subscriber is an email address that asked to hear about new installments.
type Subscriber struct {
	ID             int64
	Email          string
	Status         string
	CreatedAt      time.Time
	ConfirmedAt    *time.Time
	UnsubscribedAt *time.Time
}

// SubscriberToken is the SHA-256 of a link token mailed to a subscriber; the token itself is
// never stored, so a copy of the database cannot confirm or unsubscribe anyone.
type SubscriberToken struct {
	ID           int64
	SubscriberID int64
	Purpose      string
	Hash         string
	ExpiresAt    *time.Time
	UsedAt       *time.Time
	CreatedAt    time.Time
}

// MailTokens are the plain tokens a new mail carries in its links.
type MailTokens struct{ Confirm, Unsubscribe string }

// Composer writes the mail for a subscriber with its tokens. The store queues the result in
// the transaction that issued the tokens, so a token never exists without its mail, nor a mail
// without its token.
type Composer func(sub *Subscriber, tok MailTokens) (*OutboxMessage, error)

// ValidToken reports whether s has the shape of a token this store issues (32 random bytes,
// base64url), so malformed links are refused without a query.
func ValidToken(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == tokenBytes
}

func hashToken(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(sum[:])
}

// issueToken stores the hash of a fresh 256-bit token and returns the token.
func (s *Store) issueToken(tx *gorm.DB, subID int64, purpose string, expires *time.Time) (string, error) {
	plain, t := s.newToken(subID, purpose, expires)
	if err := tx.Create(&t).Error; err != nil {
		return "", err
	}
	return plain, nil
}

// newToken makes a fresh 256-bit token and the row that stores its hash, for the caller to
// insert (alone, or in a batch).
func (s *Store) newToken(subID int64, purpose string, expires *time.Time) (string, SubscriberToken) {
	b := make([]byte, tokenBytes)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	plain := base64.RawURLEncoding.EncodeToString(b)
	return plain, SubscriberToken{SubscriberID: subID, Purpose: purpose, Hash: hashToken(plain), ExpiresAt: expires, CreatedAt: s.now().UTC()}
}

// Subscribe records a sign-up and queues a confirmation mail, unless the address is already
// confirmed or has had its share of confirmation mails today. It reports whether a mail was
// queued; callers must not tell the visitor, so the form says nothing about who subscribed.
// An unsubscribed address stays unsubscribed until the new confirmation link is used.
func (s *Store) Subscribe(ctx context.Context, email string, compose Composer) (bool, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	now := s.now().UTC()
	queued := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		sub := Subscriber{Email: email, Status: SubscriberPending, CreatedAt: now}
		// DO NOTHING rather than a failed insert: two sign-ups for one address at once (on
		// PostgreSQL) end with one row and no error page.
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&sub)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			sub = Subscriber{}
			if err := tx.Where("email = ?", email).Take(&sub).Error; err != nil {
				return err
			}
		}
		if sub.Status == SubscriberConfirmed {
			return nil
		}
		var recent int64
		err := tx.Model(&SubscriberToken{}).Where("subscriber_id = ? AND purpose = ? AND created_at > ?", sub.ID, TokenConfirm, now.Add(-24*time.Hour)).Count(&recent).Error
		if err != nil || recent >= ConfirmMailsPerDay {
			return err
		}
		expires := now.Add(ConfirmTTL)
		var tok MailTokens
		if tok.Confirm, err = s.issueToken(tx, sub.ID, TokenConfirm, &expires); err != nil {
			return err
		}
		if tok.Unsubscribe, err = s.issueToken(tx, sub.ID, TokenUnsubscribe, nil); err != nil {
			return err
		}
		m, err := compose(&sub, tok)
		if err != nil {
			return err
		}
		m.Kind, m.SubscriberID = MailConfirm, &sub.ID
		if err := s.enqueue(tx, m); err != nil {
			return err
		}
		queued = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: subscribe: %w", err)
	}
	return queued, nil
}

// lookupToken finds a live token of the purpose: ErrNotFound if it was never issued,
// ErrTokenUsed once spent or replaced, ErrTokenExpired after its time.
func (s *Store) lookupToken(tx *gorm.DB, purpose, plain string) (*SubscriberToken, *Subscriber, error) {
	var t SubscriberToken
	if err := tx.Where("hash = ? AND purpose = ?", hashToken(plain), purpose).Take(&t).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, nil, ErrNotFound
		}
		return nil, nil, err
	}
	switch {
	case t.UsedAt != nil:
		return nil, nil, ErrTokenUsed
	case t.ExpiresAt != nil && !s.now().Before(*t.ExpiresAt):
		return nil, nil, ErrTokenExpired
	}
	var sub Subscriber
	if err := tx.Take(&sub, t.SubscriberID).Error; err != nil {
		return nil, nil, err
	}
	return &t, &sub, nil
}

// CheckToken returns the subscriber a token belongs to without spending it: the page a
// link opens calls it, and only the form on that page changes anything.
func (s *Store) CheckToken(ctx context.Context, purpose, plain string) (*Subscriber, error) {
	_, sub, err := s.lookupToken(s.db.WithContext(ctx), purpose, plain)
	if err != nil {
		return nil, fmt.Errorf("store: check %s token: %w", purpose, err)
	}
	return sub, nil
}

// Confirm spends a confirmation token and makes its subscriber confirmed. Every other
// confirmation link of the subscriber dies with it, and unsubscribe links from before this
// opt-in are retired, so a returning subscriber starts with fresh links only.
func (s *Store) Confirm(ctx context.Context, plain string) (*Subscriber, error) {
	now := s.now().UTC()
	var sub *Subscriber
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		t, found, err := s.lookupToken(tx, TokenConfirm, plain)
		if err != nil {
			return err
		}
		sub = found
		if err := tx.Model(&SubscriberToken{}).Where("subscriber_id = ? AND used_at IS NULL AND (purpose = ? OR (purpose = ? AND created_at < ?))",
			sub.ID, TokenConfirm, TokenUnsubscribe, t.CreatedAt).Update("used_at", now).Error; err != nil {
			return err
		}
		sub.Status, sub.ConfirmedAt, sub.UnsubscribedAt = SubscriberConfirmed, &now, nil
		return tx.Model(sub).Updates(map[string]any{"status": sub.Status, "confirmed_at": now, "unsubscribed_at": nil}).Error
	})
	if err != nil {
		return nil, fmt.Errorf("store: confirm subscriber: %w", err)
	}
	return sub, nil
}

// Unsubscribe ends a subscription by its unsubscribe token. It is idempotent (mail providers
// may send the one-click POST more than once) and reports whether anything changed. Open
// confirmation links die, and mail still waiting in the outbox for the address is cancelled.
func (s *Store) Unsubscribe(ctx context.Context, plain string) (*Subscriber, bool, error) {
	now := s.now().UTC()
	var sub *Subscriber
	changed := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		_, found, err := s.lookupToken(tx, TokenUnsubscribe, plain)
		if err != nil {
			return err
		}
		sub = found
		if sub.Status == SubscriberUnsubscribed {
			return nil
		}
		changed = true
		if err := tx.Model(&SubscriberToken{}).Where("subscriber_id = ? AND purpose = ? AND used_at IS NULL", sub.ID, TokenConfirm).
			Update("used_at", now).Error; err != nil {
			return err
		}
		if err := tx.Model(&OutboxMessage{}).Where("subscriber_id = ? AND status = ?", sub.ID, MailPending).
			Update("status", MailCancelled).Error; err != nil {
			return err
		}
		sub.Status, sub.UnsubscribedAt = SubscriberUnsubscribed, &now
		return tx.Model(sub).Updates(map[string]any{"status": sub.Status, "unsubscribed_at": now}).Error
	})
	if err != nil {
		return nil, false, fmt.Errorf("store: unsubscribe: %w", err)
	}
	return sub, changed, nil
}

// SubscriberCounts is how many addresses are in each state.
type SubscriberCounts struct{ Pending, Confirmed, Unsubscribed int64 }

// Total is every address ever signed up.
func (c SubscriberCounts) Total() int64 { return c.Pending + c.Confirmed + c.Unsubscribed }

// CountSubscribers counts addresses by state.
func (s *Store) CountSubscribers(ctx context.Context) (SubscriberCounts, error) {
	var rows []struct {
		Status string
		N      int64
	}
	err := s.db.WithContext(ctx).Model(&Subscriber{}).Select("status, COUNT(*) AS n").Group("status").Scan(&rows).Error
	if err != nil {
		return SubscriberCounts{}, fmt.Errorf("store: count subscribers: %w", err)
	}
	var c SubscriberCounts
	for _, r := range rows {
		switch r.Status {
		case SubscriberPending:
			c.Pending = r.N
		case SubscriberConfirmed:
			c.Confirmed = r.N
		case SubscriberUnsubscribed:
			c.Unsubscribed = r.N
		}
	}
	return c, nil
}

// ListSubscribers returns the newest subscribers first, at most limit of them.
func (s *Store) ListSubscribers(ctx context.Context, limit int) ([]Subscriber, error) {
	var subs []Subscriber
	if err := s.db.WithContext(ctx).Order("id DESC").Limit(limit).Find(&subs).Error; err != nil {
		return nil, fmt.Errorf("store: list subscribers: %w", err)
	}
	return subs, nil
}

// EachSubscriber calls fn for every subscriber, oldest first, reading in batches so an export
// of any size holds only one batch in memory.
func (s *Store) EachSubscriber(ctx context.Context, fn func(*Subscriber) error) error {
	var batch []Subscriber
	err := s.db.WithContext(ctx).Order("id").FindInBatches(&batch, 500, func(tx *gorm.DB, _ int) error {
		for i := range batch {
			if err := fn(&batch[i]); err != nil {
				return err
			}
		}
		return nil
	}).Error
	if err != nil {
		return fmt.Errorf("store: each subscriber: %w", err)
	}
	return nil
}
