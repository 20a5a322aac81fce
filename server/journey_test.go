package server

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"rapport/courses"
)

const part1 = "/courses/difficult-customers/why-difficult-customers-matter"

func (a *testApp) part1() *courses.Lesson {
	c, _ := a.srv.Catalog().Course("difficult-customers")
	l, _ := c.Lesson("why-difficult-customers-matter")
	return l
}

// answers returns form values answering every question of q, right or all wrong.
func answers(q *courses.Quiz, right bool) url.Values {
	v := url.Values{"version": {q.Hash}}
	for _, qu := range q.Questions {
		for i, c := range qu.Choices {
			if c.Correct == right {
				v.Add("q-"+qu.ID, strconv.Itoa(i))
				if !right {
					break // one wrong pick is enough, and valid for single-answer questions
				}
			}
		}
	}
	return v
}

func TestLessonPagesAndScheduledParts(t *testing.T) {
	a := newTestApp(t)
	b := a.browser()
	p := b.get(part1)
	if p.status != http.StatusOK {
		t.Fatalf("part 1 as a stranger: %d", p.status)
	}
	mustContain(t, p, "<h1>Why difficult customers matter</h1>", "min read", "In this part you will", `rel="next"`)
	if p := b.get("/courses/difficult-customers/resolving-the-problem-twice"); p.status != http.StatusNotFound {
		t.Fatalf("part 5 before its date: %d, want 404", p.status)
	}
	mustContain(t, b.get("/courses/difficult-customers"), "Coming soon", "Resolving the problem, twice")
	for _, path := range []string{"/courses/nope", "/courses/difficult-customers/nope", "/courses/difficult-customers/..%2f..%2fetc%2fpasswd", "/nope"} {
		if p := b.get(path); p.status != http.StatusNotFound || !strings.Contains(p.body, "Page not found") {
			t.Errorf("%s: %d, want the 404 page", path, p.status)
		}
	}
	c, _ := a.srv.Catalog().Course("difficult-customers")
	l5, _ := c.Lesson("resolving-the-problem-twice")
	a.clock.Set(l5.Publish)
	if p := b.get("/courses/difficult-customers/resolving-the-problem-twice"); p.status != http.StatusOK {
		t.Fatalf("part 5 at its publish time: %d, want 200", p.status)
	}
}

func TestQuizIsGradedOnTheServerAndAttemptsAreKept(t *testing.T) {
	a := newTestApp(t)
	b := a.browser()
	b.signUp("Ana", "ana@example.com")
	q := a.part1().Quizzes[0]
	quizPath := part1 + "/quiz/" + q.ID

	form := b.get(quizPath)
	if form.status != http.StatusOK {
		t.Fatalf("quiz page: %d", form.status)
	}
	for _, qu := range q.Questions {
		for _, c := range qu.Choices {
			if strings.Contains(form.body, c.Feedback) {
				t.Fatalf("feedback %q is in the page before submitting", c.Feedback)
			}
		}
	}
	if strings.Contains(form.body, "correct") {
		t.Fatal("the quiz page mentions which choice is correct")
	}

	wrong := b.post(quizPath, answers(q, false))
	if wrong.status != http.StatusSeeOther {
		t.Fatalf("wrong answers: %d\n%s", wrong.status, wrong.body)
	}
	res := b.get(wrong.location)
	mustContain(t, res, "You scored 0%", "not yet passed", "Right answer", "Your answer")
	firstPick := q.Questions[0].Choices[0]
	if !firstPick.Correct {
		mustContain(t, res, firstPick.Feedback)
	}

	b.get(quizPath)
	right := b.post(quizPath, answers(q, true))
	res = b.get(right.location)
	mustContain(t, res, "You scored 100%: passed", fmt.Sprintf("%d of %d questions right", len(q.Questions), len(q.Questions)), "over 2 attempts")

	var stored []struct {
		Score       int
		Passed      bool
		ContentHash string
	}
	a.store.DB().Table("quiz_attempts").Order("id").Find(&stored)
	if len(stored) != 2 || stored[0].Score != 0 || !stored[1].Passed || stored[1].ContentHash != q.Hash {
		t.Fatalf("stored attempts: %+v", stored)
	}
	mustContain(t, b.get(quizPath), "Your best so far is 100% and your latest 100%")

	other := a.browser()
	other.signUp("Bo", "bo@example.com")
	if p := other.get(right.location); p.status != http.StatusNotFound {
		t.Fatalf("another trainee's attempt: %d, want 404", p.status)
	}
}

func TestQuizBadSubmissionsComeBackWithTheAnswersAndStoreNothing(t *testing.T) {
	a := newTestApp(t)
	b := a.browser()
	b.signUp("Ana", "ana@example.com")
	q := a.part1().Quizzes[0]
	quizPath := part1 + "/quiz/" + q.ID
	partial := answers(q, true)
	partial.Del("q-" + q.Questions[len(q.Questions)-1].ID)
	outOfRange := answers(q, true)
	outOfRange.Set("q-"+q.Questions[0].ID, "99")
	stale := answers(q, true)
	stale.Set("version", "old")
	expired := answers(q, true)
	expired.Set("csrf", "expired")
	cases := []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"an unanswered question", partial, 422, "Please answer this question."},
		{"a choice that does not exist", outOfRange, 422, "not among the choices"},
		{"a quiz revised since the page loaded", stale, 409, "updated while you were answering"},
		{"an expired form", expired, 403, "this form had expired"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b.get(quizPath)
			p := b.post(quizPath, tc.form)
			if p.status != tc.status {
				t.Fatalf("status %d, want %d", p.status, tc.status)
			}
			mustContain(t, p, tc.want)
			if tc.status != 422 || tc.name == "an unanswered question" {
				mustContain(t, p, "checked") // the trainee's picks are kept
			}
			var n int64
			a.store.DB().Table("quiz_attempts").Count(&n)
			if n != 0 {
				t.Fatalf("%d attempts stored", n)
			}
		})
	}
}

var turnRE = regexp.MustCompile(`name="step" value="(\d+)"`)

func TestConversationIsStoredStepByStepAndResumes(t *testing.T) {
	a := newTestApp(t)
	b := a.browser()
	b.signUp("Ana", "ana@example.com")
	sc := a.part1().Scenarios[0]
	path := part1 + "/conversation/" + sc.ID

	p := b.get(path)
	start := sc.Nodes[sc.Start]
	mustContain(t, p, start.Says, "Customer's mood", start.Choices[0].Reply, `role="log"`)

	// A reply that is not offered is refused with a message and changes nothing.
	bad := b.post(path, url.Values{"step": {"0"}, "choice": {"42"}})
	if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "not offered") {
		t.Fatalf("reply 42: %d", bad.status)
	}

	// Reply once, then leave: a new sign-in resumes at the same point.
	p = b.post(path, url.Values{"step": {"0"}, "choice": {"0"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("first reply: %d\n%s", p.status, p.body)
	}
	st, _ := sc.Step(sc.Begin(), 0)
	again := a.browser()
	again.get("/login")
	again.post("/login", url.Values{"email": {"ana@example.com"}, "password": {"correct horse"}})
	p = again.get(path)
	mustContain(t, p, start.Choices[0].Reply, start.Choices[0].Feedback, sc.Current(st).Says, `name="step" value="1"`)

	// The first window still shows step 0: its reply is refused rather than applied.
	stale := b.post(path, url.Values{"step": {"0"}, "choice": {"0"}})
	if stale.status != http.StatusConflict {
		t.Fatalf("stale reply: %d, want 409", stale.status)
	}

	// Play on, always the first reply, to an ending.
	for !sc.Current(st).End {
		p = again.get(path)
		m := turnRE.FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("no reply form at step %d", st.Steps)
		}
		if r := again.post(path, url.Values{"step": {m[1]}, "choice": {"0"}}); r.status != http.StatusSeeOther {
			t.Fatalf("reply at step %s: %d", m[1], r.status)
		}
		st, _ = sc.Step(st, 0)
	}
	end := sc.Current(st)
	p = again.get(path)
	mustContain(t, p, "How it ended", end.Outcome, "Play again")

	var run struct {
		Status string
		Steps  int
		Node   string
		Score  *int
	}
	a.store.DB().Table("scenario_runs").Take(&run)
	var steps int64
	a.store.DB().Table("scenario_steps").Count(&steps)
	if run.Status != "finished" || run.Node != st.Node || run.Steps != st.Steps || int(steps) != st.Steps || run.Score == nil || *run.Score != *end.Score {
		t.Fatalf("stored run %+v with %d steps; want ending %s after %d steps", run, steps, st.Node, st.Steps)
	}

	// Progress shows the ending; playing again starts a new run and keeps the old one.
	mustContain(t, again.get("/progress"), fmt.Sprintf("Best: %d points", *end.Score))
	if r := again.post(path+"/restart", nil); r.status != http.StatusSeeOther {
		t.Fatalf("restart: %d", r.status)
	}
	mustContain(t, again.get(path), `name="step" value="0"`)
}

func TestProgressCountsALessonCompleteWhenItsActivitiesAreDone(t *testing.T) {
	a := newTestApp(t)
	b := a.browser()
	b.signUp("Ana", "ana@example.com")
	mustContain(t, b.get("/"), "0 of 4 published parts complete", "Start Part 1")
	mustContain(t, b.get("/progress"), "Nothing here yet")
	b.get(part1)
	mustContain(t, b.get("/"), "Continue Part 1")

	q := a.part1().Quizzes[0]
	b.get(part1 + "/quiz/" + q.ID)
	b.post(part1+"/quiz/"+q.ID, answers(q, true))
	sc := a.part1().Scenarios[0]
	st := sc.Begin()
	for !sc.Current(st).End {
		b.get(part1 + "/conversation/" + sc.ID)
		b.post(part1+"/conversation/"+sc.ID, url.Values{"step": {strconv.Itoa(st.Steps)}, "choice": {"0"}})
		st, _ = sc.Step(st, 0)
	}
	mustContain(t, b.get("/"), "1 of 4 published parts complete", "Start Part 2")

	// Marking a part complete by hand counts too.
	b.get("/courses/difficult-customers/types-of-difficult-customers")
	b.post("/courses/difficult-customers/types-of-difficult-customers/complete", nil)
	p := b.get("/progress")
	mustContain(t, p, "2 of 4 published parts complete", "Best 100%")
	if strings.Contains(p.body, "Nothing here yet") {
		t.Error("the empty state shows beside real progress")
	}
}

func TestTraineePagesSendStrangersToSignIn(t *testing.T) {
	a := newTestApp(t)
	b := a.browser()
	q := a.part1().Quizzes[0]
	p := b.get(part1 + "/quiz/" + q.ID)
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/login?next=") {
		t.Fatalf("quiz as a stranger: %d to %q", p.status, p.location)
	}
	b.get("/")
	p = b.post(part1+"/quiz/"+q.ID, answers(q, true))
	if p.status != http.StatusUnauthorized || !strings.Contains(p.body, "Your session has ended") {
		t.Fatalf("quiz posted by a stranger: %d", p.status)
	}
}

func TestHealthAndHeaders(t *testing.T) {
	a := newTestApp(t)
	b := a.browser()
	p := b.get("/healthz")
	if p.status != http.StatusOK || !strings.Contains(p.body, `"status":"ok"`) {
		t.Fatalf("healthz: %d %s", p.status, p.body)
	}
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"} {
		if p.header.Get(h) == "" {
			t.Errorf("missing header %s", h)
		}
	}
	a.store.Close()
	if p := b.get("/healthz"); p.status != http.StatusServiceUnavailable {
		t.Fatalf("healthz with the database closed: %d, want 503", p.status)
	}
}
