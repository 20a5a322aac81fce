package store

import (
	"fmt"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migrations is the ordered history of the schema. Each migration declares the tables as they
// were at that point, so later changes to the models never rewrite history; each runs in a
// transaction.
func migrations() []*gormigrate.Migration {
	return []*gormigrate.Migration{{
		ID: "0001-accounts-and-progress",
		Migrate: func(tx *gorm.DB) error {
			type User struct {
				ID           int64
				Email        string `gorm:"uniqueIndex;size:254;not null"`
				Name         string `gorm:"size:100;not null"`
				PasswordHash string `gorm:"not null"`
				Role         string `gorm:"size:16;not null;default:trainee"`
				CreatedAt    time.Time
			}
			type LessonProgress struct {
				ID          int64
				UserID      int64  `gorm:"uniqueIndex:idx_lesson_progress;not null"`
				User        User   `gorm:"constraint:OnDelete:CASCADE"`
				Course      string `gorm:"uniqueIndex:idx_lesson_progress;size:100;not null"`
				Lesson      string `gorm:"uniqueIndex:idx_lesson_progress;size:100;not null"`
				OpenedAt    time.Time
				CompletedAt *time.Time
			}
			type QuizAttempt struct {
				ID          int64
				UserID      int64  `gorm:"index:idx_quiz_attempts_user;not null"`
				User        User   `gorm:"constraint:OnDelete:CASCADE"`
				Course      string `gorm:"index:idx_quiz_attempts_user;size:100;not null"`
				Quiz        string `gorm:"index:idx_quiz_attempts_user;size:100;not null"`
				ContentHash string `gorm:"size:64;not null"`
				Answers     string `gorm:"not null"`
				Score       int
				Passed      bool
				CreatedAt   time.Time
			}
			type ScenarioRun struct {
				ID          int64
				UserID      int64  `gorm:"index:idx_scenario_runs_user;not null"`
				User        User   `gorm:"constraint:OnDelete:CASCADE"`
				Course      string `gorm:"index:idx_scenario_runs_user;size:100;not null"`
				Scenario    string `gorm:"index:idx_scenario_runs_user;size:100;not null"`
				ContentHash string `gorm:"size:64;not null"`
				Status      string `gorm:"size:16;not null"`
				Node        string `gorm:"size:100;not null"`
				Mood        int
				Steps       int
				Path        string `gorm:"not null"`
				Skills      string `gorm:"not null"`
				Score       *int
				CreatedAt   time.Time
				UpdatedAt   time.Time
				FinishedAt  *time.Time
			}
			type ScenarioStep struct {
				ID        int64
				RunID     int64       `gorm:"uniqueIndex:idx_scenario_steps_run;not null"`
				Run       ScenarioRun `gorm:"constraint:OnDelete:CASCADE"`
				Seq       int         `gorm:"uniqueIndex:idx_scenario_steps_run;not null"`
				Node      string      `gorm:"size:100;not null"`
				Choice    int
				MoodAfter int
				CreatedAt time.Time
			}
			return tx.Migrator().CreateTable(&User{}, &LessonProgress{}, &QuizAttempt{}, &ScenarioRun{}, &ScenarioStep{})
		},
	}, {
		ID:      "0002-subscribers-and-mail",
		Migrate: migrateSubscribersAndMail, // in migrate_0002.go
	}, {
		ID:      "0003-teams-reports-documents",
		Migrate: migrateTeamsReportsDocuments, // in migrate_0003.go
	}}
}

func (s *Store) migrate() error {
	opts := *gormigrate.DefaultOptions
	opts.UseTransaction = true
	if err := gormigrate.New(s.db, &opts, migrations()).Migrate(); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}
