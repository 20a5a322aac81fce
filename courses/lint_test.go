package courses

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

// loadWith loads the test course with valid.md replaced by lesson.
func loadWith(t *testing.T, lesson string) (*Catalog, []Problem) {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, name := range []string{"course.md", "valid.md", "other.md"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		fsys["c/"+name] = &fstest.MapFile{Data: b}
	}
	if lesson != "" {
		fsys["c/valid.md"] = &fstest.MapFile{Data: []byte(lesson)}
	}
	return Load(fsys)
}

func validLesson(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/valid.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestValidCourseLoadsWithoutProblems(t *testing.T) {
	cat, problems := loadWith(t, "")
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	c, ok := cat.Course("test-course")
	if !ok || len(c.Lessons) != 2 || c.Lessons[0].Slug != "listening" {
		t.Fatalf("unexpected catalog: %+v", c)
	}
	l := c.Lessons[0]
	if len(l.Quizzes) != 1 || len(l.Scenarios) != 1 {
		t.Fatalf("activities: %d quizzes, %d scenarios", len(l.Quizzes), len(l.Scenarios))
	}
	var html strings.Builder
	var activities int
	for _, s := range l.Body {
		html.WriteString(string(s.HTML))
		if s.Quiz != nil || s.Scenario != nil {
			activities++
		}
	}
	if activities != 2 {
		t.Errorf("body has %d activity segments, want 2", activities)
	}
	for _, want := range []string{`id="why-listening-comes-first"`, `href="/courses/test-course/other"`} {
		if !strings.Contains(html.String(), want) {
			t.Errorf("rendered lesson lacks %s:\n%s", want, html.String())
		}
	}
	if l.Quizzes[0].Hash == "" || l.Quizzes[0].Hash == l.Scenarios[0].Hash {
		t.Errorf("content hashes missing or equal: %q %q", l.Quizzes[0].Hash, l.Scenarios[0].Hash)
	}
}

func TestLintReportsEachRuleAtItsLine(t *testing.T) {
	cases := []struct {
		name      string
		old, new  string // the edit made to testdata/valid.md
		line      int
		wantInMsg string
	}{
		{"front matter missing", "---\ntitle: Listening\n", "title: Listening\n", 1, "front matter missing"},
		{"front matter not YAML", "part: 1\n", "part: [1\n", 4, "not valid YAML"},
		{"unknown front matter field", "minutes: 10\n", "minutes: 10\nauthor: me\n", 7, `unknown field "author"`},
		{"required field missing", "summary: Hear them out.\n", "", 2, "summary is required"},
		{"date does not parse", "publish: 2026-10-01", "publish: 1st October", 7, "publish date"},
		{"part of the wrong type", "part: 1", "part: one", 4, "cannot unmarshal"},
		{"quiz block not YAML", "    prompt: What first?", "    prompt: [What first?", 19, "not valid YAML"},
		{"unknown quiz field", "      - text: Interrupt.", "      - txt: Interrupt.", 21, `unknown field "txt"`},
		{"duplicate question id", "    choices:\n      - text: Interrupt.", "    choices:\n      - text: A\n        correct: true\n        feedback: a\n      - text: B\n        feedback: b\n  - id: first\n    prompt: Again?\n    choices:\n      - text: Interrupt.", 26, `question id "first" is used twice`},
		{"no correct choice", "        correct: true\n        feedback: It proves", "        feedback: It proves", 18, "no correct choice"},
		{"choice without feedback", "        feedback: Cutting in hurts.\n", "", 21, `choice "Interrupt." has no feedback`},
		{"duplicate quiz id across the course", "```scenario\nid: charge", "```quiz\nid: check\nquestions:\n  - id: x\n    prompt: p\n    choices:\n      - text: a\n        correct: true\n        feedback: f\n      - text: b\n        feedback: g\n```\n\n```scenario\nid: charge", 29, `quiz id "check" is used twice`},
		{"start names no node", "start: opening", "start: hello", 29, `start names no node: "hello"`},
		{"next names no node", "        next: calm\n  angry", "        next: nowhere\n  angry", 46, `next names no node: "nowhere"`},
		{"unreachable node", "then: angry, else: calm", "then: calm, else: calm", 47, `node "angry" cannot be reached`},
		{"step with no way out", "    says: \"Thanks.\"\n    choices:\n      - reply: \"Done, receipt sent.\"\n        mood: +1\n        skills: {follow-up: +1}\n        next: kept\n", "    says: \"Thanks.\"\n", 54, `node "calm" has no way out`},
		{"ending without score", "    score: 100\n", "", 61, `ending "kept" has no score`},
		{"reply that does not move the mood", "        mood: +2", "        mood: 0", 50, "does not move the mood"},
		{"reply without skills", "        skills: {follow-up: +1}\n", "", 57, "has no skill tags"},
		{"unknown skill", "skills: {follow-up: +1}", "skills: {charm: +1}", 57, `unknown skill "charm"`},
		{"condition that does not parse", `if: "mood <= 1"`, `if: "mood <="`, 42, "condition"},
		{"condition naming an unknown variable", `if: "mood <= 1"`, `if: "anger > 1"`, 42, "unknown name anger"},
		{"condition that is not true or false", `if: "mood <= 1"`, `if: "mood + 1"`, 42, "condition"},
		{"mood leaving its range", "        mood: +2", "        mood: +5", 50, "outside 0..5"},
		{"loop back to a passed node", "        next: kept\n  kept", "        next: opening\n  kept", 57, `loops back to node "opening"`},
		{"link to a missing lesson", "(other.md)", "(gone.md)", 13, "link to a lesson that does not exist: gone.md"},
		{"path link to a missing lesson", "/courses/test-course/other", "/courses/test-course/gone", 13, "does not exist"},
	}
	valid := validLesson(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(valid, tc.old) {
				t.Fatalf("test edit does not apply: %q", tc.old)
			}
			_, problems := loadWith(t, strings.Replace(valid, tc.old, tc.new, 1))
			for _, p := range problems {
				if strings.Contains(p.Msg, tc.wantInMsg) {
					if p.Line != tc.line || p.File != "c/valid.md" {
						t.Errorf("%q reported at %s:%d, want c/valid.md:%d", p.Msg, p.File, p.Line, tc.line)
					}
					return
				}
			}
			t.Errorf("no problem mentions %q; got %v", tc.wantInMsg, problems)
		})
	}
}

func TestLintReportsDuplicateLessonSlugs(t *testing.T) {
	lesson := strings.Replace(validLesson(t), "slug: listening", "slug: other", 1)
	_, problems := loadWith(t, lesson)
	if len(problems) == 0 || !strings.Contains(problems[0].Msg, `slug "other"`) {
		t.Fatalf("want a duplicate slug problem, got %v", problems)
	}
}
