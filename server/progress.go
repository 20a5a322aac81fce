package server

import (
	"context"
	"time"

	"rapport/courses"
	"rapport/server/store"
)

// courseProgress is one user's standing in a course, derived from their records: nothing here
// is stored, so it can never disagree with the attempts behind it.
type courseProgress struct {
	Course   *courses.Course
	Lessons  []lessonStatus // every lesson, published or not
	Done     int
	Total    int // published lessons
	Percent  int
	Continue *continueAt
}

type lessonStatus struct {
	Lesson    *courses.Lesson
	Published bool
	Opened    bool
	Completed bool
	Quizzes   []quizStatus
	Scenarios []scenarioStatus
}

type quizStatus struct {
	Quiz    *courses.Quiz
	Summary store.QuizSummary
}

type scenarioStatus struct {
	Scenario *courses.Scenario
	Summary  store.ScenarioSummary
	Ending   *courses.Node // the best run's ending
	Skills   map[string]int
}

// continueAt is where "continue where you left off" points.
type continueAt struct {
	Lesson *courses.Lesson
	URL    string
	What   string
}

func (s *Server) progressFor(ctx context.Context, u *store.User, c *courses.Course, now time.Time) (courseProgress, error) {
	cp := courseProgress{Course: c}
	lessons := map[string]store.LessonProgress{}
	quizzes := map[string]store.QuizSummary{}
	scenarios := map[string]store.ScenarioSummary{}
	if u != nil {
		var err error
		if lessons, err = s.store.LessonProgressFor(ctx, u.ID, c.Slug); err != nil {
			return cp, err
		}
		if quizzes, err = s.store.QuizSummaries(ctx, u.ID, c.Slug); err != nil {
			return cp, err
		}
		if scenarios, err = s.store.ScenarioSummaries(ctx, u.ID, c.Slug); err != nil {
			return cp, err
		}
	}
	for _, l := range c.Lessons {
		lp, opened := lessons[l.Slug]
		ls := lessonStatus{Lesson: l, Published: l.IsPublished(now), Opened: opened}
		allDone := len(l.Quizzes)+len(l.Scenarios) > 0
		for _, q := range l.Quizzes {
			sum := quizzes[q.ID]
			allDone = allDone && sum.Passed
			ls.Quizzes = append(ls.Quizzes, quizStatus{Quiz: q, Summary: sum})
		}
		for _, sc := range l.Scenarios {
			sum := scenarios[sc.ID]
			allDone = allDone && sum.Finished > 0
			st := scenarioStatus{Scenario: sc, Summary: sum}
			if sum.Best != nil {
				st.Ending = sc.Nodes[sum.Best.Node]
				st.Skills, _ = store.RunSkills(sum.Best)
			}
			if sum.Active && cp.Continue == nil && ls.Published {
				cp.Continue = &continueAt{Lesson: l, URL: scenarioURL(sc), What: "Finish the conversation: " + sc.Title}
			}
			ls.Scenarios = append(ls.Scenarios, st)
		}
		ls.Completed = (opened && lp.CompletedAt != nil) || allDone
		if ls.Published {
			cp.Total++
			if ls.Completed {
				cp.Done++
			}
		}
		cp.Lessons = append(cp.Lessons, ls)
	}
	if cp.Continue == nil {
		for _, ls := range cp.Lessons {
			if ls.Published && !ls.Completed {
				what := "Start Part " + itoa(ls.Lesson.Part) + ": " + ls.Lesson.Title
				if ls.Opened {
					what = "Continue Part " + itoa(ls.Lesson.Part) + ": " + ls.Lesson.Title
				}
				cp.Continue = &continueAt{Lesson: ls.Lesson, URL: lessonURL(ls.Lesson), What: what}
				break
			}
		}
	}
	if cp.Total > 0 {
		cp.Percent = cp.Done * 100 / cp.Total
	}
	return cp, nil
}

// Started reports whether the user has done anything in the course yet.
func (cp courseProgress) Started() bool {
	for _, ls := range cp.Lessons {
		if ls.Opened || ls.Completed {
			return true
		}
		for _, q := range ls.Quizzes {
			if q.Summary.Attempts > 0 {
				return true
			}
		}
		for _, sc := range ls.Scenarios {
			if sc.Summary.Runs > 0 {
				return true
			}
		}
	}
	return false
}

// Status returns the lesson's entry.
func (cp courseProgress) Status(l *courses.Lesson) lessonStatus {
	for _, ls := range cp.Lessons {
		if ls.Lesson == l {
			return ls
		}
	}
	return lessonStatus{Lesson: l}
}

func lessonURL(l *courses.Lesson) string { return "/courses/" + l.Course.Slug + "/" + l.Slug }

func quizURL(q *courses.Quiz) string { return lessonURL(q.Lesson) + "/quiz/" + q.ID }

func scenarioURL(sc *courses.Scenario) string {
	return lessonURL(sc.Lesson) + "/conversation/" + sc.ID
}

// QuizStatus returns the entry for one of the lesson's quizzes.
func (ls lessonStatus) QuizStatus(q *courses.Quiz) quizStatus {
	for _, qs := range ls.Quizzes {
		if qs.Quiz == q {
			return qs
		}
	}
	return quizStatus{Quiz: q}
}

// ScenarioStatus returns the entry for one of the lesson's conversations.
func (ls lessonStatus) ScenarioStatus(sc *courses.Scenario) scenarioStatus {
	for _, ss := range ls.Scenarios {
		if ss.Scenario == sc {
			return ss
		}
	}
	return scenarioStatus{Scenario: sc}
}
