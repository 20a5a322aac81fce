package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"rapport/courses"
	"rapport/server/store"
)

// findQuiz resolves a quiz route: the quiz must sit in the lesson named in the URL.
func (s *Server) findQuiz(c echo.Context) (*courses.Quiz, error) {
	l, err := s.findLesson(c)
	if err != nil {
		return nil, err
	}
	q, ok := l.Course.Quiz(c.Param("quiz"))
	if !ok || q.Lesson != l {
		return nil, notFoundPage()
	}
	return q, nil
}

type quizPage struct {
	Quiz       *courses.Quiz
	Summary    store.QuizSummary
	Picked     map[string][]int
	Unanswered map[string]bool
	Message    string
	PassMark   int
}

// IsPicked reports whether choice i of question id was picked in the re-rendered form.
func (p quizPage) IsPicked(id string, i int) bool {
	for _, x := range p.Picked[id] {
		if x == i {
			return true
		}
	}
	return false
}

// handleQuizShow: GET /courses/:course/:lesson/quiz/:quiz. The form carries no answers.
func (s *Server) handleQuizShow(c echo.Context) error {
	q, err := s.findQuiz(c)
	if err != nil {
		return err
	}
	return s.renderQuiz(c, http.StatusOK, q, nil, nil, "")
}

func (s *Server) renderQuiz(c echo.Context, status int, q *courses.Quiz, picked map[string][]int, unanswered []string, msg string) error {
	sums, err := s.store.QuizSummaries(c.Request().Context(), currentUser(c).ID, q.Lesson.Course.Slug)
	if err != nil {
		return err
	}
	data := quizPage{Quiz: q, Summary: sums[q.ID], Picked: picked, Unanswered: map[string]bool{}, Message: msg, PassMark: q.Lesson.Course.PassMark}
	for _, id := range unanswered {
		data.Unanswered[id] = true
	}
	return s.render(c, status, "quiz", quizTitle(q), data)
}

func quizTitle(q *courses.Quiz) string {
	if q.Title != "" {
		return q.Title
	}
	return "Quiz: " + q.Lesson.Title
}

// handleQuizSubmit: POST /courses/:course/:lesson/quiz/:quiz. Grades on the server, keeps the
// attempt with the hash of the quiz answered, and shows the result.
func (s *Server) handleQuizSubmit(c echo.Context) error {
	q, err := s.findQuiz(c)
	if err != nil {
		return err
	}
	picked, ok := readAnswers(c, q)
	switch {
	case csrfFailed(c):
		return s.renderQuiz(c, http.StatusForbidden, q, picked, nil, errFormExpired.Error())
	case !ok:
		return s.renderQuiz(c, http.StatusUnprocessableEntity, q, picked, nil, "Some answers were not among the choices. Please pick again.")
	case c.FormValue("version") != q.Hash:
		return s.renderQuiz(c, http.StatusConflict, q, picked, nil, "This quiz was updated while you were answering. Please check your answers and submit again.")
	}
	course := q.Lesson.Course
	res, err := q.Grade(picked, course.PassMark)
	var ae *courses.AnswerError
	if errors.As(err, &ae) {
		msg := ae.Error()
		if len(ae.Unanswered) > 0 {
			msg = "Please answer every question: the ones still open are marked."
		}
		return s.renderQuiz(c, http.StatusUnprocessableEntity, q, picked, ae.Unanswered, msg)
	} else if err != nil {
		return err
	}
	a := &store.QuizAttempt{UserID: currentUser(c).ID, Course: course.Slug, Quiz: q.ID, ContentHash: q.Hash, Score: res.Score, Passed: res.Passed}
	if err := s.store.RecordQuizAttempt(c.Request().Context(), a, picked); err != nil {
		return err
	}
	s.metrics.written.WithLabelValues("quiz").Inc()
	return c.Redirect(http.StatusSeeOther, quizURL(q)+"/attempts/"+strconv.FormatInt(a.ID, 10))
}

// readAnswers collects the picked choices, one form field per question ("q-" + id). It
// reports false when a value is not a choice index.
func readAnswers(c echo.Context, q *courses.Quiz) (map[string][]int, bool) {
	form, err := c.FormParams()
	if err != nil {
		return nil, false
	}
	out := map[string][]int{}
	ok := true
	for _, qu := range q.Questions {
		for _, v := range form["q-"+qu.ID] {
			i, err := strconv.Atoi(v)
			if err != nil || i < 0 || i >= len(qu.Choices) {
				ok = false
				continue
			}
			out[qu.ID] = append(out[qu.ID], i)
		}
	}
	return out, ok
}

type quizResultPage struct {
	Quiz     *courses.Quiz
	Attempt  *store.QuizAttempt
	Result   *courses.QuizResult // nil when the quiz changed since the attempt
	Summary  store.QuizSummary
	PassMark int
}

// handleQuizResult: GET /courses/:course/:lesson/quiz/:quiz/attempts/:attempt. Shows the
// score, which choices were right, and the feedback on each choice the trainee made.
func (s *Server) handleQuizResult(c echo.Context) error {
	q, err := s.findQuiz(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("attempt"), 10, 64)
	if err != nil {
		return notFoundPage()
	}
	u, ctx := currentUser(c), c.Request().Context()
	a, answers, err := s.store.QuizAttempt(ctx, u.ID, id)
	if err != nil {
		return err
	}
	if a.Quiz != q.ID || a.Course != q.Lesson.Course.Slug {
		return notFoundPage()
	}
	data := quizResultPage{Quiz: q, Attempt: a, PassMark: q.Lesson.Course.PassMark}
	if a.ContentHash == q.Hash {
		if res, err := q.Grade(answers, data.PassMark); err == nil {
			data.Result = &res
		}
	}
	sums, err := s.store.QuizSummaries(ctx, u.ID, q.Lesson.Course.Slug)
	if err != nil {
		return err
	}
	data.Summary = sums[q.ID]
	return s.render(c, http.StatusOK, "quiz_result", "Result: "+quizTitle(q), data)
}
