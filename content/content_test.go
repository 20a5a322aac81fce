package content_test

import (
	"testing"
	"time"

	"rapport/content"
	"rapport/courses"
)

func TestShippedCoursePassesLint(t *testing.T) {
	if _, problems := courses.Load(content.FS()); len(problems) > 0 {
		for _, p := range problems {
			t.Error(p)
		}
	}
}

// TestEveryConversationPathEnds plays every path of every shipped conversation with the real
// engine and proves each reaches an ending within as many replies as the conversation has
// nodes (a path that visits no node twice cannot be longer).
func TestEveryConversationPathEnds(t *testing.T) {
	cat, problems := courses.Load(content.FS())
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	for _, c := range cat.Courses {
		for _, l := range c.Lessons {
			for _, sc := range l.Scenarios {
				t.Run(sc.ID, func(t *testing.T) {
					bound := len(sc.Nodes)
					endings := map[string]int{}
					var walk func(st courses.State)
					walk = func(st courses.State) {
						node := sc.Current(st)
						if node.End {
							endings[st.Node]++
							return
						}
						if st.Steps >= bound {
							t.Fatalf("path %v has not ended after %d replies", st.Path, st.Steps)
						}
						for i := range node.Choices {
							next, err := sc.Step(st, i)
							if err != nil {
								t.Fatalf("path %v reply %d: %v", st.Path, i, err)
							}
							if next.Mood < courses.MinMood || next.Mood > courses.MaxMood {
								t.Fatalf("path %v: mood %d", next.Path, next.Mood)
							}
							walk(next)
						}
					}
					walk(sc.Begin())
					if len(endings) < 3 {
						t.Errorf("%d endings reached, the brief asks for three or more", len(endings))
					}
				})
			}
		}
	}
}

// TestTheCourseMeetsTheBrief checks what SERIES.md asks of every part.
func TestTheCourseMeetsTheBrief(t *testing.T) {
	cat, _ := courses.Load(content.FS())
	c, ok := cat.Course("difficult-customers")
	if !ok || len(c.Lessons) != 7 {
		t.Fatalf("want the seven-part course")
	}
	launch := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for _, l := range c.Lessons {
		if published := l.IsPublished(launch); published != (l.Part <= 4) {
			t.Errorf("part %d published=%v at launch; parts 1-4 are out, 5-7 scheduled", l.Part, published)
		}
		if l.Words < 900 || l.Words > 1700 {
			t.Errorf("part %d has %d words of prose", l.Part, l.Words)
		}
		if n := len(l.Objectives); n < 2 || n > 4 {
			t.Errorf("part %d has %d objectives", l.Part, n)
		}
		if len(l.Quizzes) == 0 || len(l.Quizzes[0].Questions) < 5 {
			t.Errorf("part %d needs a quiz of five questions or more", l.Part)
		}
		if len(l.Scenarios) == 0 {
			t.Errorf("part %d has no conversation", l.Part)
			continue
		}
		steps, branches := 0, 0
		for _, n := range l.Scenarios[0].Nodes {
			if !n.End {
				steps++
			}
			for _, r := range n.Choices {
				if r.Next.If != "" {
					branches++
				}
			}
		}
		if steps < 4 || branches == 0 {
			t.Errorf("part %d conversation: %d decision points, %d mood branches", l.Part, steps, branches)
		}
	}
}
