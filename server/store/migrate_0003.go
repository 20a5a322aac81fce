package store

import (
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// migrateTeamsReportsDocuments is migration 0003: teams and their members, the report summary
// rows, authored documents with their revisions, and the audit log. Like every migration it
// declares its tables as they are at this point, so later model changes never rewrite it.
func migrateTeamsReportsDocuments(tx *gorm.DB) error {
	type User struct{ ID int64 }
	type Team struct {
		ID          int64
		Name        string `gorm:"size:100;not null"`
		OwnerID     int64  `gorm:"index;not null"`
		Owner       User   `gorm:"constraint:OnDelete:CASCADE"`
		DueAt       *time.Time
		InviteNonce string `gorm:"size:64;not null"`
		CreatedAt   time.Time
	}
	type TeamMember struct {
		TeamID   int64 `gorm:"primaryKey;autoIncrement:false"`
		Team     Team  `gorm:"constraint:OnDelete:CASCADE"`
		UserID   int64 `gorm:"primaryKey;autoIncrement:false;index"`
		User     User  `gorm:"constraint:OnDelete:CASCADE"`
		JoinedAt time.Time
	}
	// The summary rows: one per trainee and activity, so a team's figures are a join over its
	// members' rows (bounded by team size), never a scan of every attempt.
	type QuizScore struct {
		UserID        int64  `gorm:"primaryKey;autoIncrement:false"`
		User          User   `gorm:"constraint:OnDelete:CASCADE"`
		Course        string `gorm:"primaryKey;size:100"`
		Quiz          string `gorm:"primaryKey;size:100"`
		Attempts      int    `gorm:"not null"`
		Best          int    `gorm:"not null"`
		Latest        int    `gorm:"not null"`
		Passed        bool   `gorm:"not null"`
		FirstPassedAt *time.Time
		LastAt        time.Time
	}
	type QuestionFirst struct {
		UserID      int64  `gorm:"primaryKey;autoIncrement:false"`
		User        User   `gorm:"constraint:OnDelete:CASCADE"`
		Course      string `gorm:"primaryKey;size:100"`
		Quiz        string `gorm:"primaryKey;size:100"`
		ContentHash string `gorm:"primaryKey;size:64"`
		Question    string `gorm:"primaryKey;size:100"`
		Picked      int64  `gorm:"not null"`
	}
	type ScenarioScore struct {
		UserID          int64  `gorm:"primaryKey;autoIncrement:false"`
		User            User   `gorm:"constraint:OnDelete:CASCADE"`
		Course          string `gorm:"primaryKey;size:100"`
		Scenario        string `gorm:"primaryKey;size:100"`
		Runs            int    `gorm:"not null"`
		Finished        int    `gorm:"not null"`
		Best            *int
		FirstFinishedAt *time.Time
		LastAt          time.Time
	}
	type ScenarioFirst struct {
		UserID      int64  `gorm:"primaryKey;autoIncrement:false"`
		User        User   `gorm:"constraint:OnDelete:CASCADE"`
		Course      string `gorm:"primaryKey;size:100"`
		Scenario    string `gorm:"primaryKey;size:100"`
		ContentHash string `gorm:"primaryKey;size:64"`
		RunID       int64  `gorm:"not null"`
		Ending      string `gorm:"size:100;not null"`
		Score       int    `gorm:"not null"`
		Skills      string `gorm:"not null"`
		FinishedAt  time.Time
	}
	type NodeFirst struct {
		UserID      int64  `gorm:"primaryKey;autoIncrement:false"`
		User        User   `gorm:"constraint:OnDelete:CASCADE"`
		Course      string `gorm:"primaryKey;size:100"`
		Scenario    string `gorm:"primaryKey;size:100"`
		ContentHash string `gorm:"primaryKey;size:64"`
		Node        string `gorm:"primaryKey;size:100"`
		Choice      int    `gorm:"not null"`
	}
	type Document struct {
		ID                  int64
		Path                string `gorm:"uniqueIndex;size:300;not null"`
		PublishedRevisionID *int64
		CreatedAt           time.Time
		UpdatedAt           time.Time
	}
	type DocumentRevision struct {
		ID         int64
		DocumentID int64    `gorm:"index;not null"`
		Document   Document `gorm:"constraint:OnDelete:CASCADE"`
		Body       string   `gorm:"not null"`
		AuthorID   *int64
		Note       string `gorm:"size:200;not null"`
		CreatedAt  time.Time
	}
	type ContentVersion struct {
		ID          int64
		Version     int64 `gorm:"not null"`
		PublishedAt time.Time
	}
	type AuditEntry struct {
		ID      int64
		At      time.Time `gorm:"index;not null"`
		ActorID *int64
		Actor   string `gorm:"size:254;not null"`
		Action  string `gorm:"size:50;not null"`
		TeamID  *int64 `gorm:"index"`
		Subject string `gorm:"size:300;not null"`
		Detail  string `gorm:"size:500;not null"`
	}
	if err := tx.Migrator().CreateTable(&Team{}, &TeamMember{}, &QuizScore{}, &QuestionFirst{}, &ScenarioScore{},
		&ScenarioFirst{}, &NodeFirst{}, &Document{}, &DocumentRevision{}, &ContentVersion{}, &AuditEntry{}); err != nil {
		return err
	}
	// The table is named audit_entries by default; audit_log reads better in SQL and docs.
	if err := tx.Migrator().RenameTable(&AuditEntry{}, "audit_log"); err != nil {
		return err
	}
	if err := tx.Create(&ContentVersion{ID: 1}).Error; err != nil {
		return err
	}
	return backfillSummaries(tx)
}

// backfillSummaries builds the summary rows from the attempts and runs already stored, so an
// existing deployment's reports start complete. RebuildSummaries runs it too. It shares
// summariseAttempt with the live write path on purpose, so the two cannot drift; a later change
// to those rows must come with its own migration that rebuilds them.
func backfillSummaries(tx *gorm.DB) error {
	for _, t := range []string{"quiz_scores", "question_firsts", "scenario_scores", "scenario_firsts", "node_firsts"} {
		if err := tx.Exec("DELETE FROM " + t).Error; err != nil {
			return err
		}
	}
	type attempt struct {
		ID          int64
		UserID      int64
		Course      string
		Quiz        string
		ContentHash string
		Answers     string
		Score       int
		Passed      bool
		CreatedAt   time.Time
	}
	var batch []attempt
	err := tx.Table("quiz_attempts").Order("id").FindInBatches(&batch, 2000, func(b *gorm.DB, _ int) error {
		for _, a := range batch {
			var answers map[string][]int
			if err := json.Unmarshal([]byte(a.Answers), &answers); err != nil {
				return fmt.Errorf("attempt %d: %w", a.ID, err)
			}
			if err := summariseAttempt(tx, a.UserID, a.Course, a.Quiz, a.ContentHash, a.Score, a.Passed, a.CreatedAt, answers); err != nil {
				return err
			}
		}
		return nil
	}).Error
	if err != nil {
		return err
	}
	steps := []string{
		// Runs started, finished and the best score, per trainee and conversation.
		`INSERT INTO scenario_scores (user_id, course, scenario, runs, finished, best, first_finished_at, last_at)
		 SELECT user_id, course, scenario, COUNT(*),
		        SUM(CASE WHEN status = 'finished' THEN 1 ELSE 0 END),
		        MAX(CASE WHEN status = 'finished' THEN score END),
		        MIN(finished_at), MAX(updated_at)
		 FROM scenario_runs GROUP BY user_id, course, scenario`,
		// The first finished run of each version; ON CONFLICT keeps the earliest.
		`INSERT INTO scenario_firsts (user_id, course, scenario, content_hash, run_id, ending, score, skills, finished_at)
		 SELECT user_id, course, scenario, content_hash, id, node, COALESCE(score, 0), skills, finished_at
		 FROM scenario_runs WHERE status = 'finished' ORDER BY finished_at, id
		 ON CONFLICT DO NOTHING`,
		// The first reply each trainee gave at each node of each version.
		`INSERT INTO node_firsts (user_id, course, scenario, content_hash, node, choice)
		 SELECT r.user_id, r.course, r.scenario, r.content_hash, s.node, s.choice
		 FROM scenario_steps s JOIN scenario_runs r ON r.id = s.run_id WHERE 1 = 1 ORDER BY s.id
		 ON CONFLICT DO NOTHING`,
	}
	for _, q := range steps {
		if err := tx.Exec(q).Error; err != nil {
			return err
		}
	}
	return nil
}

// summariseAttempt folds one graded attempt into the summary rows: the trainee's score row is
// updated, and each question's picks are kept only on the trainee's first attempt at this
// version of the quiz (later attempts have seen the feedback, so they say less about what the
// team knew).
func summariseAttempt(tx *gorm.DB, userID int64, course, quiz, hash string, score int, passed bool, at time.Time, answers map[string][]int) error {
	row := map[string]any{
		"user_id": userID, "course": course, "quiz": quiz, "attempts": 1, "best": score, "latest": score,
		"passed": passed, "last_at": at, "first_passed_at": nil,
	}
	if passed {
		row["first_passed_at"] = at
	}
	err := tx.Table("quiz_scores").Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "user_id"}, {Name: "course"}, {Name: "quiz"}},
		DoUpdates: clause.Assignments(map[string]any{
			"attempts":        gorm.Expr("quiz_scores.attempts + 1"),
			"best":            gorm.Expr("CASE WHEN excluded.best > quiz_scores.best THEN excluded.best ELSE quiz_scores.best END"),
			"latest":          gorm.Expr("excluded.latest"),
			"passed":          gorm.Expr("quiz_scores.passed OR excluded.passed"),
			"first_passed_at": gorm.Expr("COALESCE(quiz_scores.first_passed_at, excluded.first_passed_at)"),
			"last_at":         gorm.Expr("excluded.last_at"),
		}),
	}).Create(row).Error
	if err != nil {
		return err
	}
	if len(answers) == 0 {
		return nil
	}
	rows := make([]map[string]any, 0, len(answers))
	for q, picked := range answers {
		rows = append(rows, map[string]any{"user_id": userID, "course": course, "quiz": quiz, "content_hash": hash, "question": q, "picked": PickMask(picked)})
	}
	return tx.Table("question_firsts").Clauses(clause.OnConflict{DoNothing: true}).Create(rows).Error
}

// PickMask packs picked choice indexes into bits: choice i is bit i. Questions have a handful
// of choices, far below 63.
func PickMask(picked []int) int64 {
	var m int64
	for _, i := range picked {
		if i >= 0 && i < 63 {
			m |= 1 << i
		}
	}
	return m
}
