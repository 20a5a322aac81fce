package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Notification records that a subscriber has been told about an installment. Its unique
// index on (installment, subscriber) is the guarantee against a second copy: whichever
// scheduler inserts the row first queues the mail, every other one skips it.
type Notification struct {
	ID              int64
	Installment     string
	SubscriberID    int64
	OutboxMessageID *int64
	CreatedAt       time.Time
}

// Installment is a published part subscribers are told about: Key names it for good
// (course slug and lesson slug), PublishedAt is when it went out.
type Installment struct {
	Key         string
	PublishedAt time.Time
}

// notifyBatch bounds one transaction, so a large list never holds SQLite's write lock
// for long and a crash loses at most one uncommitted batch, which the next run redoes.
const notifyBatch = 100

// QueueNotifications queues one mail about the installment for every confirmed subscriber
// who has not had one and who confirmed before it was published: people hear about parts
// that came out while they were subscribed, never about the back catalogue, which they
// can read on the site. That rule is also the baseline: parts published before the
// subscriber system first ran precede every confirmation, so they never send mail.
//
// Each subscriber's notification row, unsubscribe token and outbox message are written in
// one transaction, a batch at a time: a restart at any moment leaves each subscriber either
// fully queued or not at all, and the next run picks up the rest. Two schedulers running at
// once both insert; the unique index lets one win (DO NOTHING for the other, which then
// skips that subscriber). It returns how many mails it queued.
func (s *Store) QueueNotifications(ctx context.Context, inst Installment, compose Composer) (int, error) {
	total := 0
	var after int64 // subscribers are walked once, in id order, a batch at a time
	for {
		n, more, err := s.queueNotificationBatch(ctx, inst, compose, &after)
		total += n
		if err != nil {
			return total, fmt.Errorf("store: queue notifications for %s: %w", inst.Key, err)
		}
		if !more {
			return total, nil
		}
	}
}

// unnotified selects the confirmed subscribers still due a mail about inst.
func unnotified(db *gorm.DB, inst Installment) *gorm.DB {
	return db.Model(&Subscriber{}).Where("status = ? AND confirmed_at < ?", SubscriberConfirmed, inst.PublishedAt.UTC()).
		Where("NOT EXISTS (SELECT 1 FROM notifications n WHERE n.installment = ? AND n.subscriber_id = subscribers.id)", inst.Key)
}

func (s *Store) queueNotificationBatch(ctx context.Context, inst Installment, compose Composer, after *int64) (queued int, more bool, err error) {
	// A plain read first: the scheduler asks about every published part on every tick, and
	// an answer of "nobody" must not take SQLite's write lock.
	var ids []int64
	if err := unnotified(s.db.WithContext(ctx), inst).Where("id > ?", *after).Limit(1).Pluck("id", &ids).Error; err != nil || len(ids) == 0 {
		return 0, false, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		queued = 0
		var subs []Subscriber
		if err := unnotified(tx, inst).Where("id > ?", *after).Order("id").Limit(notifyBatch).Find(&subs).Error; err != nil {
			return err
		}
		more = len(subs) == notifyBatch
		if len(subs) > 0 {
			*after = subs[len(subs)-1].ID
		}
		for i := range subs {
			sub := &subs[i]
			n := Notification{Installment: inst.Key, SubscriberID: sub.ID, CreatedAt: s.now().UTC()}
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&n)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				continue // another scheduler got there first
			}
			var tok MailTokens
			if tok.Unsubscribe, err = s.issueToken(tx, sub.ID, TokenUnsubscribe, nil); err != nil {
				return err
			}
			m, err := compose(sub, tok)
			if err != nil {
				return err
			}
			m.Kind, m.SubscriberID = MailNotify, &sub.ID
			if err := s.enqueue(tx, m); err != nil {
				return err
			}
			if err := tx.Model(&n).Update("outbox_message_id", m.ID).Error; err != nil {
				return err
			}
			queued++
		}
		return nil
	})
	if err != nil {
		return 0, false, err
	}
	return queued, more, nil
}

// CountNotifications counts the notifications recorded for an installment.
func (s *Store) CountNotifications(ctx context.Context, installment string) (int64, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&Notification{}).Where("installment = ?", installment).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("store: count notifications: %w", err)
	}
	return n, nil
}
