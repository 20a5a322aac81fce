package courses

import (
	"fmt"
	"slices"
)

// Quiz is a set of questions placed in a lesson.
type Quiz struct {
	ID        string      `yaml:"id"`
	Title     string      `yaml:"title"`
	Questions []*Question `yaml:"questions"`

	Lesson *Lesson `yaml:"-"`
	Hash   string  `yaml:"-"` // content hash, stored with every attempt
	Line   int     `yaml:"-"`
}

// Question is one prompt with its choices.
type Question struct {
	ID      string    `yaml:"id"`
	Prompt  string    `yaml:"prompt"`
	Choices []*Choice `yaml:"choices"`
	Line    int       `yaml:"-"`
}

// Choice is one answer a trainee can pick.
type Choice struct {
	Text     string `yaml:"text"`
	Correct  bool   `yaml:"correct"`
	Feedback string `yaml:"feedback"`
	Line     int    `yaml:"-"`
}

// Multiple reports whether the question asks for every right answer ("choose all that apply").
func (q *Question) Multiple() bool { return q.correctCount() > 1 }

func (q *Question) correctCount() int {
	n := 0
	for _, c := range q.Choices {
		if c.Correct {
			n++
		}
	}
	return n
}

// AnswerError says why a set of answers cannot be graded; the form shows it to the trainee.
type AnswerError struct {
	Unanswered []string // question ids with no choice picked
	Msg        string
}

func (e *AnswerError) Error() string {
	if e.Msg != "" {
		return e.Msg
	}
	return fmt.Sprintf("%d question(s) have no answer", len(e.Unanswered))
}

// QuizResult is a graded attempt.
type QuizResult struct {
	Score     int // per cent of questions right
	Passed    bool
	Right     int
	Questions []QuestionResult
}

// QuestionResult is how one question was answered.
type QuestionResult struct {
	Question *Question
	Picked   []int
	Right    bool
}

// PickedChoice reports whether choice i was picked.
func (r QuestionResult) PickedChoice(i int) bool { return slices.Contains(r.Picked, i) }

// Grade scores answers (question id to picked choice indexes) against the pass mark. A question
// is right when exactly its correct choices are picked. Every question must be answered, and a
// single-answer question takes one choice only.
func (q *Quiz) Grade(answers map[string][]int, passMark int) (QuizResult, error) {
	res := QuizResult{}
	var unanswered []string
	for _, qu := range q.Questions {
		picked := slices.Clone(answers[qu.ID])
		slices.Sort(picked)
		picked = slices.Compact(picked)
		if len(picked) == 0 {
			unanswered = append(unanswered, qu.ID)
			continue
		}
		for _, i := range picked {
			if i < 0 || i >= len(qu.Choices) {
				return QuizResult{}, &AnswerError{Msg: "that answer is not one of the choices; reload the quiz and try again"}
			}
		}
		if !qu.Multiple() && len(picked) > 1 {
			return QuizResult{}, &AnswerError{Msg: "pick one answer for each single-answer question"}
		}
		right := true
		for i, c := range qu.Choices {
			if c.Correct != slices.Contains(picked, i) {
				right = false
			}
		}
		if right {
			res.Right++
		}
		res.Questions = append(res.Questions, QuestionResult{Question: qu, Picked: picked, Right: right})
	}
	if len(unanswered) > 0 {
		return QuizResult{}, &AnswerError{Unanswered: unanswered}
	}
	res.Score = res.Right * 100 / len(q.Questions)
	res.Passed = res.Score >= passMark
	return res, nil
}
