package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Report figures come from summary rows kept up to date in the same transaction as each
// attempt or reply. Every summary row belongs to one trainee, because directors see teams: a
// team's figure is an aggregate over its members' rows, a join bounded by the team's size and
// the course's length, never by how many attempts anyone made. Figures about answers (picks per
// question, replies per node, endings) are keyed by the activity's content hash too, so an
// edited quiz starts its figures afresh instead of mixing choice numbers of two versions.

// QuizScore is a trainee's standing on one quiz.
type QuizScore struct {
	UserID        int64  `gorm:"primaryKey;autoIncrement:false"`
	Course        string `gorm:"primaryKey"`
	Quiz          string `gorm:"primaryKey"`
	Attempts      int
	Best          int
	Latest        int
	Passed        bool
	FirstPassedAt *time.Time
	LastAt        time.Time
}

// ScenarioScore is a trainee's standing on one conversation.
type ScenarioScore struct {
	UserID          int64  `gorm:"primaryKey;autoIncrement:false"`
	Course          string `gorm:"primaryKey"`
	Scenario        string `gorm:"primaryKey"`
	Runs            int
	Finished        int
	Best            *int
	FirstFinishedAt *time.Time
	LastAt          time.Time
}

// ScenarioFirst is a trainee's first finished run of one version of a conversation.
type ScenarioFirst struct {
	UserID      int64  `gorm:"primaryKey;autoIncrement:false"`
	Course      string `gorm:"primaryKey"`
	Scenario    string `gorm:"primaryKey"`
	ContentHash string `gorm:"primaryKey"`
	RunID       int64
	Ending      string
	Score       int
	Skills      string // JSON: skill -> total
	FinishedAt  time.Time
}

// summariseRunStart counts a new run in the trainee's conversation row.
func summariseRunStart(tx *gorm.DB, r *ScenarioRun) error {
	row := map[string]any{"user_id": r.UserID, "course": r.Course, "scenario": r.Scenario, "runs": 1, "finished": 0, "last_at": r.CreatedAt}
	return tx.Table("scenario_scores").Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "user_id"}, {Name: "course"}, {Name: "scenario"}},
		DoUpdates: clause.Assignments(map[string]any{
			"runs":    gorm.Expr("scenario_scores.runs + 1"),
			"last_at": gorm.Expr("excluded.last_at"),
		}),
	}).Create(row).Error
}

// summariseStep folds one reply into the summary rows: the reply is kept if it is the
// trainee's first at that node of this version, and a finished run updates the score row and,
// if it is the first to finish this version, the endings row.
func summariseStep(tx *gorm.DB, before, after *ScenarioRun, choice int, at time.Time) error {
	err := tx.Table("node_firsts").Clauses(clause.OnConflict{DoNothing: true}).Create(map[string]any{
		"user_id": before.UserID, "course": before.Course, "scenario": before.Scenario,
		"content_hash": before.ContentHash, "node": before.Node, "choice": choice,
	}).Error
	if err != nil {
		return err
	}
	upd := map[string]any{"last_at": at}
	if after.Status == RunFinished {
		score := 0
		if after.Score != nil {
			score = *after.Score
		}
		upd["finished"] = gorm.Expr("finished + 1")
		upd["best"] = gorm.Expr("CASE WHEN best IS NULL OR best < ? THEN ? ELSE best END", score, score)
		finished := at
		if after.FinishedAt != nil {
			finished = *after.FinishedAt
		}
		upd["first_finished_at"] = gorm.Expr("COALESCE(first_finished_at, ?)", finished)
		err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&ScenarioFirst{
			UserID: after.UserID, Course: after.Course, Scenario: after.Scenario, ContentHash: after.ContentHash,
			RunID: after.ID, Ending: after.Node, Score: score, Skills: after.Skills, FinishedAt: finished,
		}).Error
		if err != nil {
			return err
		}
	}
	return tx.Table("scenario_scores").Where("user_id = ? AND course = ? AND scenario = ?", before.UserID, before.Course, before.Scenario).
		Updates(upd).Error
}

// RebuildSummaries recomputes every summary row from the attempts and runs, in one
// transaction. Reports never need it; it is for bulk imports and for repair.
func (s *Store) RebuildSummaries(ctx context.Context) error {
	if err := s.db.WithContext(ctx).Transaction(backfillSummaries); err != nil {
		return fmt.Errorf("store: rebuild summaries: %w", err)
	}
	return nil
}

// CourseRows is what a team's dashboard is built from: its members' rows for one course.
type CourseRows struct {
	Lessons   []LessonProgress
	Quizzes   []QuizScore
	Scenarios []ScenarioScore
}

// TeamCourseRows loads the team members' progress, quiz and conversation rows for a course.
// It is the dashboard's whole read, so it selects only the columns the report uses and scans
// them without reflection: at 10,000 trainees that is most of the page's time.
func (s *Store) TeamCourseRows(ctx context.Context, teamID int64, course string) (CourseRows, error) {
	var out CourseRows
	db := s.db.WithContext(ctx)
	const in = " WHERE user_id IN (SELECT user_id FROM team_members WHERE team_id = ?) AND course = ?"
	err := scanRows(db, "SELECT user_id, lesson, opened_at, completed_at FROM lesson_progresses"+in, []any{teamID, course}, func(scan func(...any) error) error {
		var r LessonProgress
		err := scan(&r.UserID, &r.Lesson, &r.OpenedAt, &r.CompletedAt)
		out.Lessons = append(out.Lessons, r)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("store: team lessons: %w", err)
	}
	err = scanRows(db, "SELECT user_id, quiz, best, passed, first_passed_at, last_at FROM quiz_scores"+in, []any{teamID, course}, func(scan func(...any) error) error {
		var r QuizScore
		err := scan(&r.UserID, &r.Quiz, &r.Best, &r.Passed, &r.FirstPassedAt, &r.LastAt)
		out.Quizzes = append(out.Quizzes, r)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("store: team quiz scores: %w", err)
	}
	err = scanRows(db, "SELECT user_id, scenario, finished, best, first_finished_at, last_at FROM scenario_scores"+in, []any{teamID, course}, func(scan func(...any) error) error {
		var r ScenarioScore
		err := scan(&r.UserID, &r.Scenario, &r.Finished, &r.Best, &r.FirstFinishedAt, &r.LastAt)
		out.Scenarios = append(out.Scenarios, r)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("store: team scenario scores: %w", err)
	}
	return out, nil
}

// scanRows runs a query and hands each row's Scan to fn.
func scanRows(db *gorm.DB, query string, args []any, fn func(scan func(...any) error) error) error {
	rows, err := db.Raw(query, args...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// PickCount is how many team members first answered a question with one set of picks.
type PickCount struct {
	Question string
	Picked   int64 // bit i set: choice i picked
	N        int
}

// TeamQuestionPicks counts the team members' first answers to each question of one version
// of a quiz, grouped by the exact set of choices picked.
func (s *Store) TeamQuestionPicks(ctx context.Context, teamID int64, course, quiz, hash string) ([]PickCount, error) {
	var out []PickCount
	err := s.db.WithContext(ctx).Table("question_firsts").Select("question, picked, COUNT(*) AS n").
		Where("user_id IN (SELECT user_id FROM team_members WHERE team_id = ?) AND course = ? AND quiz = ? AND content_hash = ?", teamID, course, quiz, hash).
		Group("question, picked").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: team question picks: %w", err)
	}
	return out, nil
}

// NodeChoiceCount is how many team members first replied at a node with one reply.
type NodeChoiceCount struct {
	Node   string
	Choice int
	N      int
}

// TeamNodeChoices counts the team members' first reply at each node of one version of a
// conversation.
func (s *Store) TeamNodeChoices(ctx context.Context, teamID int64, course, scenario, hash string) ([]NodeChoiceCount, error) {
	var out []NodeChoiceCount
	err := s.db.WithContext(ctx).Table("node_firsts").Select("node, choice, COUNT(*) AS n").
		Where("user_id IN (SELECT user_id FROM team_members WHERE team_id = ?) AND course = ? AND scenario = ? AND content_hash = ?", teamID, course, scenario, hash).
		Group("node, choice").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: team node choices: %w", err)
	}
	return out, nil
}

// TeamScenarioFirsts returns the team members' first finished runs of one version of a
// conversation: their endings and skill totals.
func (s *Store) TeamScenarioFirsts(ctx context.Context, teamID int64, course, scenario, hash string) ([]ScenarioFirst, error) {
	var out []ScenarioFirst
	err := s.db.WithContext(ctx).
		Where("user_id IN (SELECT user_id FROM team_members WHERE team_id = ?) AND course = ? AND scenario = ? AND content_hash = ?", teamID, course, scenario, hash).
		Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: team scenario endings: %w", err)
	}
	return out, nil
}

// UserRuns lists a trainee's runs of every conversation in a course, newest first.
func (s *Store) UserRuns(ctx context.Context, userID int64, course string) ([]ScenarioRun, error) {
	var out []ScenarioRun
	if err := s.db.WithContext(ctx).Where("user_id = ? AND course = ?", userID, course).Order("id DESC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: user runs: %w", err)
	}
	return out, nil
}

// UserRun loads one of a trainee's runs.
func (s *Store) UserRun(ctx context.Context, userID, runID int64) (*ScenarioRun, error) {
	var r ScenarioRun
	if err := s.db.WithContext(ctx).Where("user_id = ?", userID).Take(&r, runID).Error; err != nil {
		return nil, notFound(err, "run")
	}
	return &r, nil
}
