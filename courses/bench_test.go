package courses_test

import (
	"testing"

	"rapport/content"
	"rapport/courses"
)

// Benchmarks of the domain's hot paths on the shipped course:
//
//	go test ./courses -run '^$' -bench . -benchmem

func shippedLesson(b *testing.B) *courses.Lesson {
	b.Helper()
	cat, problems := courses.Load(content.FS())
	if len(problems) > 0 {
		b.Fatal(problems)
	}
	c, _ := cat.Course("difficult-customers")
	l, ok := c.Lesson("why-difficult-customers-matter")
	if !ok {
		b.Fatal("lesson not found")
	}
	return l
}

// BenchmarkGradeQuiz grades a full set of right answers to part 1's quiz.
func BenchmarkGradeQuiz(b *testing.B) {
	l := shippedLesson(b)
	q := l.Quizzes[0]
	answers := map[string][]int{}
	for _, qu := range q.Questions {
		for i, c := range qu.Choices {
			if c.Correct {
				answers[qu.ID] = append(answers[qu.ID], i)
			}
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := q.Grade(answers, 80)
		if err != nil || res.Score != 100 {
			b.Fatalf("grade: %v %+v", err, res)
		}
	}
}

// BenchmarkScenarioStep applies one reply (conditions included) from the start of part 1's
// conversation.
func BenchmarkScenarioStep(b *testing.B) {
	sc := shippedLesson(b).Scenarios[0]
	st := sc.Begin()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sc.Step(st, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScenarioReplay rebuilds a whole played conversation from its stored path, as every
// conversation page and reply does.
func BenchmarkScenarioReplay(b *testing.B) {
	sc := shippedLesson(b).Scenarios[0]
	st := sc.Begin()
	var path []int
	for !sc.Current(st).End {
		var err error
		if st, err = sc.Step(st, 0); err != nil {
			b.Fatal(err)
		}
		path = append(path, 0)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := sc.Transcript(path); err != nil {
			b.Fatal(err)
		}
	}
}
