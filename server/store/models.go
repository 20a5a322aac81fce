package store

import "time"

// Roles a user can hold.
const (
	RoleTrainee  = "trainee"
	RoleDirector = "director"
)

// User is an account.
type User struct {
	ID           int64
	Email        string `gorm:"uniqueIndex;size:254;not null"`
	Name         string `gorm:"size:100;not null"`
	PasswordHash string `gorm:"not null"`
	Role         string `gorm:"size:16;not null;default:trainee"`
	CreatedAt    time.Time
}

// IsDirector reports whether the user may use the director's pages.
func (u *User) IsDirector() bool { return u != nil && u.Role == RoleDirector }

// LessonProgress records that a user opened a lesson, and when they marked it complete.
type LessonProgress struct {
	ID          int64
	UserID      int64  `gorm:"uniqueIndex:idx_lesson_progress;not null"`
	Course      string `gorm:"uniqueIndex:idx_lesson_progress;size:100;not null"`
	Lesson      string `gorm:"uniqueIndex:idx_lesson_progress;size:100;not null"`
	OpenedAt    time.Time
	CompletedAt *time.Time
}

// QuizAttempt is one graded submission of a quiz.
type QuizAttempt struct {
	ID          int64
	UserID      int64  `gorm:"index:idx_quiz_attempts_user;not null"`
	Course      string `gorm:"index:idx_quiz_attempts_user;size:100;not null"`
	Quiz        string `gorm:"index:idx_quiz_attempts_user;size:100;not null"`
	ContentHash string `gorm:"size:64;not null"`
	Answers     string `gorm:"not null"` // JSON: question id -> picked choice indexes
	Score       int
	Passed      bool
	CreatedAt   time.Time
}

// Run states.
const (
	RunActive   = "active"
	RunFinished = "finished"
)

// ScenarioRun is one play of a conversation, updated at every reply so it can be resumed.
type ScenarioRun struct {
	ID          int64
	UserID      int64  `gorm:"index:idx_scenario_runs_user;not null"`
	Course      string `gorm:"index:idx_scenario_runs_user;size:100;not null"`
	Scenario    string `gorm:"index:idx_scenario_runs_user;size:100;not null"`
	ContentHash string `gorm:"size:64;not null"`
	Status      string `gorm:"size:16;not null"`
	Node        string `gorm:"size:100;not null"`
	Mood        int
	Steps       int
	Path        string `gorm:"not null"` // JSON array of reply indexes
	Skills      string `gorm:"not null"` // JSON: skill -> total
	Score       *int
	CreatedAt   time.Time
	UpdatedAt   time.Time
	FinishedAt  *time.Time
}

// ScenarioStep is one reply in a run, kept for transcripts and reports.
type ScenarioStep struct {
	ID        int64
	RunID     int64  `gorm:"uniqueIndex:idx_scenario_steps_run;not null"`
	Seq       int    `gorm:"uniqueIndex:idx_scenario_steps_run;not null"`
	Node      string `gorm:"size:100;not null"`
	Choice    int
	MoodAfter int
	CreatedAt time.Time
}
