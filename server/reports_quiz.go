package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"rapport/courses"
	"rapport/server/store"
)

// questionFigures is how the team first answered one question.
type questionFigures struct {
	Question   *courses.Question
	Answered   int
	Right      int
	Picks      []int // per choice: how many picked it
	WorstWrong int   // the wrong choice most often picked, -1 when none was
}

// quizFigures folds the team's first answers into per-question figures. A question counts as
// right when exactly its correct choices were picked, as grading does.
func quizFigures(q *courses.Quiz, counts []store.PickCount) []questionFigures {
	byID := map[string]*questionFigures{}
	out := make([]questionFigures, len(q.Questions))
	for i, qu := range q.Questions {
		out[i] = questionFigures{Question: qu, Picks: make([]int, len(qu.Choices)), WorstWrong: -1}
		byID[qu.ID] = &out[i]
	}
	for _, pc := range counts {
		f, ok := byID[pc.Question]
		if !ok {
			continue // a question since removed
		}
		f.Answered += pc.N
		var correct int64
		for i, ch := range f.Question.Choices {
			if ch.Correct {
				correct |= 1 << i
			}
			if pc.Picked&(1<<i) != 0 {
				f.Picks[i] += pc.N
			}
		}
		if pc.Picked == correct {
			f.Right += pc.N
		}
	}
	for i := range out {
		f := &out[i]
		for ci, ch := range f.Question.Choices {
			if !ch.Correct && f.Picks[ci] > 0 && (f.WorstWrong < 0 || f.Picks[ci] > f.Picks[f.WorstWrong]) {
				f.WorstWrong = ci
			}
		}
	}
	return out
}

type quizReportPage struct {
	Team    *store.Team
	Quiz    *courses.Quiz
	Members int
	Tables  []*table
}

// handleQuizReport: GET /director/teams/:team/quizzes/:course/:quiz. Per question: how many
// of the team answered, the share right, and the wrong choice most often picked, from each
// trainee's first attempt at the current version. ?csv=questions or ?csv=choices downloads.
func (s *Server) handleQuizReport(c echo.Context) error {
	t, course, err := s.findTeamCourse(c)
	if err != nil {
		return err
	}
	q, ok := course.Quiz(c.Param("quiz"))
	if !ok {
		return notFoundPage()
	}
	ctx := c.Request().Context()
	counts, err := s.store.TeamQuestionPicks(ctx, t.ID, course.Slug, q.ID, q.Hash)
	if err != nil {
		return err
	}
	members, err := s.store.TeamMembers(ctx, t.ID)
	if err != nil {
		return err
	}
	figs := quizFigures(q, counts)
	qt := &table{Name: "questions", Caption: "Each question: first answers of the team", Empty: "Nobody in the team has taken this quiz yet.",
		Head: []string{"Question", "Answered", "Right", "Share right", "Wrong choice most often picked", "Picked by"}}
	ct := &table{Name: "choices", Caption: "Each choice: how many picked it", Head: []string{"Question", "Choice", "Correct", "Picked by"}}
	for _, f := range figs {
		worst, worstN := "–", ""
		if f.WorstWrong >= 0 {
			worst, worstN = f.Question.Choices[f.WorstWrong].Text, itoa(f.Picks[f.WorstWrong])
		}
		qt.Rows = append(qt.Rows, []cell{txt(f.Question.Prompt), num(f.Answered), num(f.Right), {Text: pctText(f.Right, f.Answered), Num: true}, txt(worst), {Text: worstN, Num: true}})
		for i, ch := range f.Question.Choices {
			correct := "no"
			if ch.Correct {
				correct = "yes"
			}
			ct.Rows = append(ct.Rows, []cell{txt(f.Question.ID), txt(ch.Text), txt(correct), num(f.Picks[i])})
		}
	}
	if len(counts) == 0 {
		ct.Rows, ct.Empty = nil, qt.Empty
	}
	tables := withCSVLinks(c.Request().URL.Path, qt, ct)
	if name := c.QueryParam("csv"); name != "" {
		return writeCSV(c, "quiz-"+q.ID, tables, name)
	}
	return s.render(c, http.StatusOK, "director_quiz", "Quiz report: "+quizTitle(q), quizReportPage{Team: t, Quiz: q, Members: len(members), Tables: tables})
}
