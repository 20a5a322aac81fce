package store

import (
	"time"

	"gorm.io/gorm"
)

// migrateSubscribersAndMail is migration 0002: email subscribers and their single-purpose
// tokens, the outbox with a row per delivery attempt, and notifications, whose unique index
// on (installment, subscriber) is what makes "one mail per part per subscriber" hold across
// restarts and across instances. Like every migration it declares its tables as they are at
// this point, so later model changes never rewrite it.
func migrateSubscribersAndMail(tx *gorm.DB) error {
	type Subscriber struct {
		ID             int64
		Email          string `gorm:"uniqueIndex;size:254;not null"`
		Status         string `gorm:"size:16;not null;index"`
		CreatedAt      time.Time
		ConfirmedAt    *time.Time
		UnsubscribedAt *time.Time
	}
	type SubscriberToken struct {
		ID           int64
		SubscriberID int64      `gorm:"index:idx_subscriber_tokens_sub;not null"`
		Subscriber   Subscriber `gorm:"constraint:OnDelete:CASCADE"`
		Purpose      string     `gorm:"index:idx_subscriber_tokens_sub;size:16;not null"`
		Hash         string     `gorm:"uniqueIndex;size:64;not null"`
		ExpiresAt    *time.Time
		UsedAt       *time.Time
		CreatedAt    time.Time
	}
	type OutboxMessage struct {
		ID           int64
		MessageID    string      `gorm:"uniqueIndex;size:200;not null"`
		Kind         string      `gorm:"size:16;not null"`
		SubscriberID *int64      `gorm:"index"`
		Subscriber   *Subscriber `gorm:"constraint:OnDelete:SET NULL"`
		Recipient    string      `gorm:"size:254;not null"`
		Subject      string      `gorm:"size:300;not null"`
		TextBody     string      `gorm:"not null"`
		HTMLBody     string      `gorm:"not null"`
		Headers      string      `gorm:"not null"`
		Status       string      `gorm:"size:16;not null;index:idx_outbox_due"`
		NextTry      time.Time   `gorm:"not null;index:idx_outbox_due"`
		Attempts     int         `gorm:"not null;default:0"`
		LeaseOwner   string      `gorm:"size:64;not null;default:''"`
		LeaseUntil   *time.Time
		LastError    string `gorm:"not null;default:''"`
		CreatedAt    time.Time
		SentAt       *time.Time
	}
	type OutboxAttempt struct {
		ID              int64
		OutboxMessageID int64         `gorm:"index;not null"`
		OutboxMessage   OutboxMessage `gorm:"constraint:OnDelete:CASCADE"`
		At              time.Time
		Worker          string `gorm:"size:64;not null"`
		OK              bool
		Error           string `gorm:"not null;default:''"`
	}
	type Notification struct {
		ID              int64
		Installment     string         `gorm:"uniqueIndex:idx_notifications_once;size:201;not null"`
		SubscriberID    int64          `gorm:"uniqueIndex:idx_notifications_once;not null"`
		Subscriber      Subscriber     `gorm:"constraint:OnDelete:CASCADE"`
		OutboxMessageID *int64         `gorm:"index"`
		OutboxMessage   *OutboxMessage `gorm:"constraint:OnDelete:SET NULL"`
		CreatedAt       time.Time
	}
	return tx.Migrator().CreateTable(&Subscriber{}, &SubscriberToken{}, &OutboxMessage{}, &OutboxAttempt{}, &Notification{})
}
