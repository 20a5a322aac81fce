package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
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

// notifyBatch bounds one transaction. Each batch is a handful of multi-row statements, so
// 10,000 subscribers are 20 short transactions: SQLite's write lock is held for tens of
// milliseconds at a time (sign-ins and quiz attempts go between them), and a crash loses at
// most one uncommitted batch, which the next run redoes.
const notifyBatch = 500

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
		var subs []Subscriber
		if err := unnotified(tx, inst).Where("id > ?", *after).Order("id").Limit(notifyBatch).Find(&subs).Error; err != nil {
			return err
		}
		more = len(subs) == notifyBatch
		if len(subs) == 0 {
			return nil
		}
		*after = subs[len(subs)-1].ID
		mine, err := s.insertNotifications(tx, inst, subs)
		if err != nil {
			return err
		}
		var (
			tokens []SubscriberToken
			mails  []*OutboxMessage
			notes  []int64 // notification ids, in the order of mails
		)
		for i := range subs {
			sub := &subs[i]
			note, ok := mine[sub.ID]
			if !ok {
				continue // another scheduler got there first
			}
			plain, tok := s.newToken(sub.ID, TokenUnsubscribe, nil)
			m, err := compose(sub, MailTokens{Unsubscribe: plain})
			if err != nil {
				return err
			}
			m.Kind, m.SubscriberID = MailNotify, &sub.ID
			if err := s.readyToQueue(m); err != nil {
				return err
			}
			tokens, mails, notes = append(tokens, tok), append(mails, m), append(notes, note)
		}
		if len(mails) == 0 {
			return nil
		}
		if err := tx.CreateInBatches(tokens, notifyBatch).Error; err != nil {
			return err
		}
		// A mail is about 20 bound values: 100 a statement stays far below both engines' limits.
		if err := tx.CreateInBatches(mails, 100).Error; err != nil {
			return err
		}
		queued = len(mails)
		return linkNotifications(tx, notes, mails)
	})
	if err != nil {
		return 0, false, err
	}
	return queued, more, nil
}

// insertNotifications inserts a notification row for each subscriber in one statement and
// returns the ids of the rows it inserted, by subscriber. A subscriber missing from the
// answer was claimed by another scheduler at the same moment: the unique index turned this
// insert into DO NOTHING, and RETURNING (SQLite 3.35 and PostgreSQL) names only new rows.
func (s *Store) insertNotifications(tx *gorm.DB, inst Installment, subs []Subscriber) (map[int64]int64, error) {
	now := s.now().UTC()
	var q strings.Builder
	args := make([]any, 0, 3*len(subs))
	q.WriteString("INSERT INTO notifications (installment, subscriber_id, created_at) VALUES ")
	for i := range subs {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?)")
		args = append(args, inst.Key, subs[i].ID, now)
	}
	q.WriteString(" ON CONFLICT DO NOTHING RETURNING id, subscriber_id")
	rows, err := tx.Raw(q.String(), args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	mine := make(map[int64]int64, len(subs))
	for rows.Next() {
		var id, sub int64
		if err := rows.Scan(&id, &sub); err != nil {
			return nil, err
		}
		mine[sub] = id
	}
	return mine, rows.Err()
}

// linkNotifications points each notification at its mail, in one UPDATE.
func linkNotifications(tx *gorm.DB, notes []int64, mails []*OutboxMessage) error {
	var q strings.Builder
	args := make([]any, 0, 3*len(notes))
	q.WriteString("UPDATE notifications SET outbox_message_id = CASE id")
	for i, id := range notes {
		q.WriteString(" WHEN ? THEN CAST(? AS BIGINT)") // PostgreSQL cannot infer a type for a bare THEN parameter
		args = append(args, id, mails[i].ID)
	}
	q.WriteString(" END WHERE id IN ?")
	args = append(args, notes)
	res := tx.Exec(q.String(), args...)
	if res.Error == nil && res.RowsAffected != int64(len(notes)) {
		return fmt.Errorf("linked %d of %d notifications to their mail", res.RowsAffected, len(notes))
	}
	return res.Error
}

// CountNotifications counts the notifications recorded for an installment.
func (s *Store) CountNotifications(ctx context.Context, installment string) (int64, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&Notification{}).Where("installment = ?", installment).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("store: count notifications: %w", err)
	}
	return n, nil
}
