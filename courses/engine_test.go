package courses

import (
	"errors"
	"testing"
	"testing/fstest"
)

func testScenario(t *testing.T) *Scenario {
	t.Helper()
	cat, problems := loadWith(t, "")
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	c, _ := cat.Course("test-course")
	s, ok := c.Scenario("charge")
	if !ok {
		t.Fatal("scenario charge not found")
	}
	return s
}

func TestStepMovesMoodSkillsAndBranchesOnMood(t *testing.T) {
	s := testScenario(t)
	st := s.Begin()
	if st.Node != "opening" || st.Mood != 2 {
		t.Fatalf("begin: %+v", st)
	}
	// The dismissive reply drops the mood to 1, so the branch "mood <= 1" goes to angry.
	angry, err := s.Step(st, 0)
	if err != nil {
		t.Fatal(err)
	}
	if angry.Node != "angry" || angry.Mood != 1 || angry.Skills["listening"] != -1 || angry.Steps != 1 {
		t.Fatalf("after reply 0: %+v", angry)
	}
	if st.Skills["listening"] != 0 {
		t.Fatal("Step changed the state it was given")
	}
	end, err := s.Step(angry, 0)
	if err != nil || end.Node != "kept" || end.Mood != 3 || !s.Current(end).End {
		t.Fatalf("after reply 0,0: %+v %v", end, err)
	}
	if _, err := s.Step(end, 0); !errors.Is(err, ErrRunFinished) {
		t.Fatalf("step after the end: %v, want ErrRunFinished", err)
	}
	if _, err := s.Step(st, 2); !errors.Is(err, ErrNotOffered) {
		t.Fatalf("reply 2 at opening: %v, want ErrNotOffered", err)
	}
	replayed, err := s.Replay(end.Path)
	if err != nil || replayed.Node != end.Node || replayed.Mood != end.Mood {
		t.Fatalf("replay %v: %+v %v", end.Path, replayed, err)
	}
}

func TestGrade(t *testing.T) {
	single := &Question{ID: "a", Choices: []*Choice{{Text: "x"}, {Text: "y", Correct: true}}}
	multi := &Question{ID: "b", Choices: []*Choice{{Text: "x", Correct: true}, {Text: "y"}, {Text: "z", Correct: true}}}
	q := &Quiz{ID: "q", Questions: []*Question{single, multi}}
	cases := []struct {
		name    string
		answers map[string][]int
		score   int
		passed  bool
		err     bool
	}{
		{"all right passes", map[string][]int{"a": {1}, "b": {0, 2}}, 100, true, false},
		{"a partial multiple answer is wrong", map[string][]int{"a": {1}, "b": {0}}, 50, true, false},
		{"an extra pick on a multiple answer is wrong", map[string][]int{"a": {1}, "b": {0, 1, 2}}, 50, true, false},
		{"all wrong fails", map[string][]int{"a": {0}, "b": {1}}, 0, false, false},
		{"a missing answer is refused", map[string][]int{"a": {1}}, 0, false, true},
		{"a choice out of range is refused", map[string][]int{"a": {7}, "b": {0}}, 0, false, true},
		{"two picks on a single answer are refused", map[string][]int{"a": {0, 1}, "b": {0}}, 0, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := q.Grade(tc.answers, 50)
			var ae *AnswerError
			if tc.err {
				if !errors.As(err, &ae) {
					t.Fatalf("want an AnswerError, got %v", err)
				}
				return
			}
			if err != nil || res.Score != tc.score || res.Passed != tc.passed {
				t.Fatalf("got %d passed=%v err=%v, want %d passed=%v", res.Score, res.Passed, err, tc.score, tc.passed)
			}
		})
	}
}

func TestPublishedHonoursTheClock(t *testing.T) {
	cat, _ := loadWith(t, "")
	c, _ := cat.Course("test-course")
	other, _ := c.Lesson("other")
	before, after := other.Publish.Add(-1), other.Publish
	if n := len(c.Published(before)); n != 1 {
		t.Errorf("before the publish time %d lessons are published, want 1", n)
	}
	if n := len(c.Published(after)); n != 2 {
		t.Errorf("at the publish time %d lessons are published, want 2", n)
	}
}

// FuzzLoadLesson feeds arbitrary lesson files to the parser: it may report problems but must
// never panic, and a lesson it accepts must have a title and a slug.
func FuzzLoadLesson(f *testing.F) {
	course := []byte("---\ntitle: T\nslug: t\nsummary: S\npass_mark: 50\n---\n")
	f.Add([]byte("---\ntitle: A\nslug: a\npart: 1\nsummary: s\nminutes: 1\npublish: 2026-01-01\n---\nHi [x](b.md)\n"))
	f.Add([]byte("---\ntitle: A\n---\n```quiz\nid: q\nquestions: [{id: a, prompt: p, choices: [{text: t, correct: true, feedback: f}]}]\n```\n"))
	f.Add([]byte("---\n---\n```scenario\nid: s\nnodes: {a: {says: x, choices: [{reply: r, mood: 1, next: {if: 'mood >', then: a, else: a}}]}}\n```\n"))
	f.Fuzz(func(t *testing.T, lesson []byte) {
		cat, problems := Load(fstest.MapFS{"c/course.md": {Data: course}, "c/l.md": {Data: lesson}})
		if len(problems) == 0 {
			c, _ := cat.Course("t")
			for _, l := range c.Lessons {
				if l.Title == "" || l.Slug == "" {
					t.Fatalf("accepted a lesson without title or slug: %q", lesson)
				}
			}
		}
	})
}
