package store

import (
	"context"
	"database/sql"
)

// The reads every signed-in page makes (the session's user and the trainee's progress) run
// on the connection pool directly, with the columns scanned by hand. Through GORM each cost
// 2-3 times the query itself (statement building, reflection over the model, callbacks):
// together about a third of a lesson page's CPU. They still go through the same pool, so on
// SQLite they use its readers and prepared statements.
//
// Placeholders are $1, $2 ... in order: PostgreSQL's form, which SQLite binds by position too.

func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return s.db.ConnPool.QueryContext(ctx, q, args...)
}

// scanEach runs q and calls scan for each row, after the rows are closed on every path.
func (s *Store) scanEach(ctx context.Context, q string, args []any, scan func(*sql.Rows) error) error {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// sessionUser is UserByID's read: everything but the password hash, which only sign-in needs.
func (s *Store) sessionUser(ctx context.Context, id int64) (*User, error) {
	var u User
	found := false
	err := s.scanEach(ctx, "SELECT id, email, name, role, created_at FROM users WHERE id = $1", []any{id}, func(r *sql.Rows) error {
		found = true
		return r.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.CreatedAt)
	})
	if err == nil && !found {
		err = ErrNotFound
	}
	return &u, err
}

func (s *Store) lessonProgressRows(ctx context.Context, userID int64, course string) (map[string]LessonProgress, error) {
	out := map[string]LessonProgress{}
	return out, s.scanEach(ctx, "SELECT lesson, opened_at, completed_at FROM lesson_progresses WHERE user_id = $1 AND course = $2",
		[]any{userID, course}, func(r *sql.Rows) error {
			var p LessonProgress
			var done sql.NullTime
			if err := r.Scan(&p.Lesson, &p.OpenedAt, &done); err != nil {
				return err
			}
			if done.Valid {
				p.CompletedAt = &done.Time
			}
			out[p.Lesson] = p
			return nil
		})
}

func (s *Store) quizSummaryRows(ctx context.Context, userID int64, course string) (map[string]QuizSummary, error) {
	out := map[string]QuizSummary{}
	return out, s.scanEach(ctx, "SELECT quiz, attempts, best, latest, passed FROM quiz_scores WHERE user_id = $1 AND course = $2",
		[]any{userID, course}, func(r *sql.Rows) error {
			var q QuizSummary
			if err := r.Scan(&q.Quiz, &q.Attempts, &q.Best, &q.Latest, &q.Passed); err != nil {
				return err
			}
			out[q.Quiz] = q
			return nil
		})
}

// scenarioRunRows reads the columns a summary needs of a trainee's runs, oldest first.
func (s *Store) scenarioRunRows(ctx context.Context, userID int64, course string) ([]ScenarioRun, error) {
	var runs []ScenarioRun
	return runs, s.scanEach(ctx, "SELECT id, scenario, status, node, score, skills FROM scenario_runs WHERE user_id = $1 AND course = $2 ORDER BY id",
		[]any{userID, course}, func(r *sql.Rows) error {
			var run ScenarioRun
			var score sql.NullInt64
			if err := r.Scan(&run.ID, &run.Scenario, &run.Status, &run.Node, &score, &run.Skills); err != nil {
				return err
			}
			if score.Valid {
				v := int(score.Int64)
				run.Score = &v
			}
			runs = append(runs, run)
			return nil
		})
}
