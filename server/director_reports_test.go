package server

import (
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"rapport/server/store"
)

// seededTeam is a team of four trainees with known answers on Part 1, and an outsider in
// another director's team whose answers must never be counted.
type seededTeam struct {
	a                  *testApp
	boss               *store.User
	team               *store.Team
	ana, ben, cy, dee  *store.User
	outsider, stranger *store.User
}

func seedTeam(t *testing.T) seededTeam {
	a := newTestApp(t)
	ctx := context.Background()
	s := seededTeam{a: a}
	s.boss = a.mkUser(store.RoleDirector, "boss@example.com", "Boss")
	other := a.mkUser(store.RoleDirector, "other@example.com", "Other Boss")
	s.ana = a.mkUser(store.RoleTrainee, "ana@example.com", "Ana")
	s.ben = a.mkUser(store.RoleTrainee, "ben@example.com", "Ben")
	s.cy = a.mkUser(store.RoleTrainee, "cy@example.com", "Cy")
	s.dee = a.mkUser(store.RoleTrainee, "dee@example.com", "Dee")
	s.outsider = a.mkUser(store.RoleTrainee, "out@example.com", "Outsider")
	s.stranger = a.mkUser(store.RoleTrainee, "nobody@example.com", "Nobody")
	// Due at the end of 10 October 2026: parts 1 to 3 were out by then.
	due := time.Date(2026, 10, 10, 23, 59, 59, 0, time.UTC)
	s.team = a.mkTeam(s.boss, "North desk", &due, s.ana, s.ben, s.cy, s.dee)
	a.mkTeam(other, "South desk", nil, s.outsider)

	p1 := a.lesson("why-difficult-customers-matter")
	q, sc := p1.Quizzes[0], p1.Scenarios[0]
	wrong := func(changes map[string][]int) map[string][]int {
		p := rightPicks(q)
		for k, v := range changes {
			p[k] = v
		}
		return p
	}
	at := func(d time.Duration) { a.clock.Set(day1.Add(d)) }

	// Quiz: Ana right first, then all wrong; Ben misses one; Cy misses two; Dee never takes it.
	at(1 * time.Hour)
	mustScore(t, a.takeQuiz(s.ana, q, rightPicks(q)), 100)
	at(2 * time.Hour)
	allWrong := map[string][]int{}
	for _, qu := range q.Questions {
		for i, c := range qu.Choices {
			if !c.Correct {
				allWrong[qu.ID] = []int{i}
				break
			}
		}
	}
	mustScore(t, a.takeQuiz(s.ana, q, allWrong), 0)
	at(3 * time.Hour)
	mustScore(t, a.takeQuiz(s.ben, q, wrong(map[string][]int{"what-is-difficult": {0}})), 85)
	at(4 * time.Hour)
	mustScore(t, a.takeQuiz(s.cy, q, wrong(map[string][]int{"what-is-difficult": {0}, "apology": {0}})), 71)
	a.takeQuiz(s.outsider, q, wrong(map[string][]int{"what-is-difficult": {2}}))

	// Conversation: Ana to "kept" (100), Ben to "lost" (10), Cy first to "partial" (45) and
	// then to "kept"; Dee stops after one reply; the outsider is lost.
	at(5 * time.Hour)
	a.play(s.ana, sc, 0, 0, 0, 0)
	at(6 * time.Hour)
	a.play(s.ben, sc, 1, 1)
	at(7 * time.Hour)
	a.play(s.cy, sc, 0, 0, 2)
	at(8 * time.Hour)
	a.play(s.cy, sc, 0, 0, 0, 0)
	at(9 * time.Hour)
	a.play(s.dee, sc, 0)
	a.play(s.outsider, sc, 1, 1)

	// Marked complete: Ana parts 2 and 3, Dee part 2.
	at(10 * time.Hour)
	for _, l := range []string{"types-of-difficult-customers", "listening-to-understand"} {
		if err := a.store.CompleteLesson(ctx, s.ana.ID, "difficult-customers", l); err != nil {
			t.Fatal(err)
		}
	}
	at(11 * time.Hour)
	if err := a.store.CompleteLesson(ctx, s.dee.ID, "difficult-customers", "types-of-difficult-customers"); err != nil {
		t.Fatal(err)
	}
	at(12 * time.Hour)
	return s
}

func mustScore(t *testing.T, got, want int) {
	t.Helper()
	if got != want {
		t.Fatalf("seed: quiz score %d, want %d", got, want)
	}
}

// readCSV downloads one of a page's tables as CSV.
func readCSV(t *testing.T, b *browser, path, name string) [][]string {
	t.Helper()
	p := b.get(path + "?csv=" + name)
	if p.status != http.StatusOK || !strings.HasPrefix(p.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("%s?csv=%s: %d %s\n%s", path, name, p.status, p.header.Get("Content-Type"), p.body)
	}
	rows, err := csv.NewReader(strings.NewReader(p.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func rowsEqual(t *testing.T, what string, got, want [][]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d:\n%q", what, len(got), len(want), got)
	}
	for i := range want {
		if strings.Join(got[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("%s row %d:\n got %q\nwant %q", what, i, got[i], want[i])
		}
	}
}

func TestTeamDashboardFiguresOnASeededTeam(t *testing.T) {
	s := seedTeam(t)
	b := s.a.as(s.boss)
	path := teamURL(s.team)

	t.Run("the parts table counts completions and averages best scores", func(t *testing.T) {
		rowsEqual(t, "parts", readCSV(t, b, path, "difficult-customers-parts"), [][]string{
			{"Part", "Completed", "Share", "Took the quiz", "Average best quiz score", "Finished the conversation", "Average best conversation score"},
			// Ana and Ben passed and finished; Cy did not pass. Best quiz scores 100, 85, 71
			// average 85; best conversation scores 100, 10 and Cy's second run 100 average 70.
			{"1. Why difficult customers matter", "2", "50%", "3", "85%", "3", "70"},
			{"2. Recognising the types of difficult customers", "2", "50%", "0", "–", "0", "–"},
			{"3. Listening to understand", "1", "25%", "0", "–", "0", "–"},
			{"4. Empathy, apology and staying calm", "0", "0%", "0", "–", "0", "–"},
		})
	})
	t.Run("the overdue table lists trainees behind on parts out by the due date", func(t *testing.T) {
		rowsEqual(t, "overdue", readCSV(t, b, path, "difficult-customers-overdue"), [][]string{
			{"Trainee", "Email", "Parts done", "Last active"},
			{"Ben", "ben@example.com", "1 of 4", "2026-11-23 18:00"},
			{"Cy", "cy@example.com", "0 of 4", "2026-11-23 20:00"},
			{"Dee", "dee@example.com", "1 of 4", "2026-11-23 23:00"},
		})
	})
	t.Run("the matrix has every trainee by part with their last activity", func(t *testing.T) {
		rowsEqual(t, "matrix", readCSV(t, b, path, "difficult-customers-matrix"), [][]string{
			{"Trainee", "Email", "Parts done", "Last active", "Overdue", "Part 1", "Part 2", "Part 3", "Part 4"},
			{"Ana", "ana@example.com", "3 of 4", "2026-11-23 22:00", "no", "complete; quiz 100%; conversation 100", "complete", "complete", "not started"},
			{"Ben", "ben@example.com", "1 of 4", "2026-11-23 18:00", "yes", "complete; quiz 85%; conversation 10", "not started", "not started", "not started"},
			{"Cy", "cy@example.com", "0 of 4", "2026-11-23 20:00", "yes", "started; quiz 71%; conversation 100", "not started", "not started", "not started"},
			{"Dee", "dee@example.com", "1 of 4", "2026-11-23 23:00", "yes", "started", "complete", "not started", "not started"},
		})
	})
	t.Run("the page shows the figures, the charts and no outsider", func(t *testing.T) {
		p := b.get(path)
		mustContain(t, p, "North desk", "4 trainees, due 10 October 2026", s.srv(t).inviteURL(s.team),
			"70–79: 1, 80–89: 1, 90–100: 1", // the score histogram's description
			"0 on 26 Oct, 5 on 24 Nov",      // parts completed over time (the clock is now 24 Nov)
			`<svg class="chart"`)
		if strings.Contains(p.body, "Outsider") || strings.Contains(p.body, "Nobody") {
			t.Fatal("the dashboard shows someone outside the team")
		}
	})
}

func (s seededTeam) srv(t *testing.T) *Server { return s.a.srv }

func TestQuizReportCountsFirstAttemptsPerQuestion(t *testing.T) {
	s := seedTeam(t)
	b := s.a.as(s.boss)
	path := teamURL(s.team) + "/quizzes/difficult-customers/p1-quiz"
	rows := readCSV(t, b, path, "questions")
	byPrompt := map[string][]string{}
	for _, r := range rows[1:] {
		byPrompt[r[0]] = r[1:]
	}
	q := s.a.lesson("why-difficult-customers-matter").Quizzes[0]
	prompt := map[string]string{}
	for _, qu := range q.Questions {
		prompt[qu.ID] = qu.Prompt
	}
	cases := []struct {
		name, question string
		want           []string // answered, right, share, worst wrong choice, picked by
	}{
		// Ana's second, all-wrong attempt is not a first attempt; the outsider is not in the team.
		{"a question two of three missed names the wrong choice they shared", "what-is-difficult", []string{"3", "1", "33%", "Someone who is rude on purpose.", "2"}},
		{"a question one missed names that one wrong choice", "apology", []string{"3", "2", "66%", "A bigger discount.", "1"}},
		{"a question everyone got right has no wrong choice", "retention", []string{"3", "3", "100%", "–", ""}},
		{"a several-answer question counts right only the exact set", "causes", []string{"3", "3", "100%", "–", ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := byPrompt[prompt[tc.question]]
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("%s: got %q, want %q", tc.question, got, tc.want)
			}
		})
	}
	choices := readCSV(t, b, path, "choices")
	if len(choices) != 1+len(q.Questions[0].Choices)+len(q.Questions[1].Choices)+len(q.Questions[2].Choices)+len(q.Questions[3].Choices)+len(q.Questions[4].Choices)+len(q.Questions[5].Choices)+len(q.Questions[6].Choices) {
		t.Fatalf("choices table has %d rows", len(choices))
	}
	rowsEqual(t, "what-is-difficult choices", choices[1:5], [][]string{
		{"what-is-difficult", "Someone who is rude on purpose.", "no", "2"},
		{"what-is-difficult", q.Questions[0].Choices[1].Text, "yes", "1"},
		{"what-is-difficult", "A customer who has the facts wrong.", "no", "0"},
		{"what-is-difficult", q.Questions[0].Choices[3].Text, "no", "0"},
	})
	mustContain(t, b.get(path), "Someone who is rude on purpose.", "33%")
}

func TestScenarioReportSpreadsEndingsRepliesAndSkills(t *testing.T) {
	s := seedTeam(t)
	b := s.a.as(s.boss)
	path := teamURL(s.team) + "/conversations/difficult-customers/p1-surprise-bill"
	sc := s.a.lesson("why-difficult-customers-matter").Scenarios[0]
	t.Run("endings count each trainee's first finished run", func(t *testing.T) {
		got := map[string]string{}
		for _, r := range readCSV(t, b, path, "endings")[1:] {
			got[r[0]] = r[3] + " " + r[4]
		}
		want := map[string]string{"kept": "1 33%", "fixed": "0 0%", "partial": "1 33%", "handed-off": "0 0%", "lost": "1 33%"}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("ending %s: %q, want %q", k, got[k], v)
			}
		}
	})
	t.Run("each point names the reply most often chosen there first", func(t *testing.T) {
		got := map[string][]string{}
		for _, r := range readCSV(t, b, path, "replies")[1:] {
			got[r[0]] = []string{r[2], r[3], r[4]}
		}
		want := map[string][]string{
			"opening":    {"4", sc.Nodes["opening"].Choices[0].Reply, "3"},
			"findings":   {"2", sc.Nodes["findings"].Choices[0].Reply, "2"},   // Dee stopped before replying here
			"store-said": {"2", sc.Nodes["store-said"].Choices[0].Reply, "1"}, // a tie goes to the first reply
			"heated":     {"1", sc.Nodes["heated"].Choices[1].Reply, "1"},
			"last-straw": {"0", "–", ""},
		}
		for k, v := range want {
			if strings.Join(got[k], "|") != strings.Join(v, "|") {
				t.Errorf("node %s: %q, want %q", k, got[k], v)
			}
		}
	})
	t.Run("the skill profile averages the first finished runs", func(t *testing.T) {
		rowsEqual(t, "skills", readCSV(t, b, path, "skills"), [][]string{
			{"Skill", "Average"},
			{"listening", "0.0"}, {"empathy", "0.0"}, {"ownership", "1.3"},
			{"de-escalation", "-0.3"}, {"accuracy", "1.3"}, {"follow-up", "0.7"},
		})
	})
}

func TestCSVCellsThatLookLikeFormulasAreKeptAsText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"},
		{"+1", "'+1"},
		{"@cmd", "'@cmd"},
		{"-0.3", "-0.3"},
		{"Ana", "Ana"},
	}
	for _, tc := range cases {
		if got := csvSafe(tc.in); got != tc.want {
			t.Errorf("csvSafe(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTheMatrixIsPaginatedAtFiftyTrainees(t *testing.T) {
	a := newTestApp(t)
	boss := a.mkUser(store.RoleDirector, "boss@example.com", "Boss")
	var members []*store.User
	for i := range 51 {
		members = append(members, a.mkUser(store.RoleTrainee, "t"+strconv.Itoa(i)+"@example.com", "Trainee "+strconv.Itoa(100+i)))
	}
	team := a.mkTeam(boss, "Big", nil, members...)
	b := a.as(boss)
	p := b.get(teamURL(team))
	mustContain(t, p, "Trainee 149", "Page 1 of 2", "Next 50")
	if strings.Contains(p.body, "Trainee 150") {
		t.Fatal("the first page shows the 51st trainee")
	}
	mustContain(t, b.get(teamURL(team)+"?page=1"), "Trainee 150", "Page 2 of 2")
	if rows := readCSV(t, b, teamURL(team), "difficult-customers-matrix"); len(rows) != 52 {
		t.Fatalf("the CSV has %d rows, want every trainee and a header", len(rows))
	}
}
