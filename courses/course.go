// Package courses is Rapport's domain: courses, lessons, quizzes and branching customer
// conversations, parsed from markdown, checked by the linter, graded and played. It imports
// nothing of the web or the database, so every rule here is testable on its own.
package courses

import (
	"html/template"
	"sort"
	"time"
)

// Mood bounds: 0 is furious, 5 delighted.
const (
	MinMood = 0
	MaxMood = 5
)

// Skills are the tags a conversation reply may carry; reports build profiles from them.
var Skills = []string{"listening", "empathy", "ownership", "de-escalation", "accuracy", "follow-up"}

// MoodLabels names each mood so it is never shown as a number or a colour alone.
var MoodLabels = [...]string{"furious", "angry", "annoyed", "neutral", "pleased", "delighted"}

// MoodLabel returns the word for a mood, clamping out-of-range values.
func MoodLabel(mood int) string {
	return MoodLabels[clampMood(mood)]
}

func clampMood(m int) int {
	return min(max(m, MinMood), MaxMood)
}

// Catalog is every course Rapport serves, loaded once and then read-only.
type Catalog struct {
	Courses []*Course
	bySlug  map[string]*Course
}

// Course looks a course up by slug.
func (c *Catalog) Course(slug string) (*Course, bool) {
	course, ok := c.bySlug[slug]
	return course, ok
}

// Course is one course folder.
type Course struct {
	Title    string
	Slug     string
	Summary  string
	PassMark int
	Intro    template.HTML
	Lessons  []*Lesson // ordered by part

	bySlug    map[string]*Lesson
	quizzes   map[string]*Quiz
	scenarios map[string]*Scenario
}

// Lesson looks a lesson up by slug.
func (c *Course) Lesson(slug string) (*Lesson, bool) {
	l, ok := c.bySlug[slug]
	return l, ok
}

// Quiz looks a quiz up by id across the course.
func (c *Course) Quiz(id string) (*Quiz, bool) {
	q, ok := c.quizzes[id]
	return q, ok
}

// Scenario looks a conversation up by id across the course.
func (c *Course) Scenario(id string) (*Scenario, bool) {
	s, ok := c.scenarios[id]
	return s, ok
}

// Published returns the lessons a trainee may read at now, in order.
func (c *Course) Published(now time.Time) []*Lesson {
	var out []*Lesson
	for _, l := range c.Lessons {
		if l.IsPublished(now) {
			out = append(out, l)
		}
	}
	return out
}

// Neighbours returns the published lessons before and after l (nil at either end).
func (c *Course) Neighbours(l *Lesson, now time.Time) (prev, next *Lesson) {
	pub := c.Published(now)
	for i, x := range pub {
		if x == l {
			if i > 0 {
				prev = pub[i-1]
			}
			if i+1 < len(pub) {
				next = pub[i+1]
			}
		}
	}
	return prev, next
}

// Lesson is one part of a course.
type Lesson struct {
	Course     *Course
	File       string
	Title      string
	Slug       string
	Part       int
	Summary    string
	Minutes    int
	Publish    time.Time
	Objectives []string
	Body       []Segment // the lesson, already rendered, split where activities sit
	Words      int
	Quizzes    []*Quiz
	Scenarios  []*Scenario
}

// IsPublished reports whether trainees may read the lesson at now.
func (l *Lesson) IsPublished(now time.Time) bool { return !now.Before(l.Publish) }

// ReadingMinutes estimates reading time of the prose at 200 words a minute, at least one.
func (l *Lesson) ReadingMinutes() int { return max(1, (l.Words+199)/200) }

// Segment is a run of rendered lesson HTML, or an activity placed at that point.
type Segment struct {
	HTML     template.HTML
	Quiz     *Quiz
	Scenario *Scenario
}

func sortLessons(ls []*Lesson) {
	sort.SliceStable(ls, func(i, j int) bool { return ls[i].Part < ls[j].Part })
}
