package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzSignupForm posts arbitrary sign-up fields: the answer is never a server error, and the
// name, marked with a tag, never comes back unescaped.
func FuzzSignupForm(f *testing.F) {
	f.Add("Ana", "ana@example.com", "correct horse")
	f.Add("<script>", "a@b", "x")
	f.Add("\xff", "a\r\nb@c.d", strings.Repeat("p", 80))
	a := newTestApp(f)
	f.Fuzz(func(t *testing.T, name, email, password string) {
		b := a.browser().withT(t)
		b.get("/signup")
		p := b.post("/signup", url.Values{"name": {"<fz>" + name}, "email": {email}, "password": {password}})
		if p.status >= 500 {
			t.Fatalf("status %d for %q %q", p.status, name, email)
		}
		if strings.Contains(p.body, "<fz>") {
			t.Fatalf("name reflected unescaped: %q", name)
		}
	})
}

// FuzzQuizSubmit posts arbitrary answers and versions: never a server error, and an answer
// that is refused stores nothing.
func FuzzQuizSubmit(f *testing.F) {
	f.Add("0", "1", "")
	f.Add("-1", "99999999999999999999", "x")
	a := newTestApp(f)
	b := a.browser()
	b.signUp("Ana", "ana@example.com")
	q := a.part1().Quizzes[0]
	path := part1 + "/quiz/" + q.ID
	b.get(path)
	f.Fuzz(func(t *testing.T, first, second, version string) {
		b := b.withT(t)
		form := answers(q, true)
		form.Set("q-"+q.Questions[0].ID, first)
		form.Set("q-"+q.Questions[1].ID, second)
		if version != "" {
			form.Set("version", version)
		}
		before := tableCounts(t, a)
		p := b.post(path, form)
		if p.status >= 500 {
			t.Fatalf("status %d for %q %q %q", p.status, first, second, version)
		}
		if p.status != http.StatusSeeOther && tableCounts(t, a)["quiz_attempts"] != before["quiz_attempts"] {
			t.Fatalf("refused (%d) but an attempt was stored", p.status)
		}
	})
}

// FuzzScenarioReply posts arbitrary step and choice values to a conversation.
func FuzzScenarioReply(f *testing.F) {
	f.Add("0", "0")
	f.Add("-1", "1e9")
	a := newTestApp(f)
	b := a.browser()
	b.signUp("Ana", "ana@example.com")
	path := part1 + "/conversation/" + a.part1().Scenarios[0].ID
	b.get(path)
	f.Fuzz(func(t *testing.T, step, choice string) {
		b := b.withT(t)
		if p := b.post(path, url.Values{"step": {step}, "choice": {choice}}); p.status >= 500 {
			t.Fatalf("status %d for step %q choice %q", p.status, step, choice)
		}
	})
}
