package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// keyboard drives a page with keys only.
type keyboard struct {
	t   *testing.T
	ctx context.Context
}

func (k keyboard) press(keys string) {
	k.t.Helper()
	if err := chromedp.Do(k.ctx, chromedp.KeyEvent(keys)); err != nil {
		k.t.Fatalf("press %q: %v", keys, err)
	}
}

// tabTo presses Tab until the focused element matches sel, proving it is reachable by keyboard,
// and checks the focus is visible (an outline is drawn).
func (k keyboard) tabTo(sel string) {
	k.t.Helper()
	check := fmt.Sprintf(`(function(){var e=document.activeElement; return !!e && e.matches(%q)})()`, sel)
	for range 120 {
		ok, err := chromedp.Run(k.ctx, chromedp.Evaluate[bool](check))
		if err != nil {
			k.t.Fatal(err)
		}
		if ok {
			outline, _ := chromedp.Run(k.ctx, chromedp.Evaluate[string](`getComputedStyle(document.activeElement).outlineStyle`))
			if outline == "none" || outline == "" {
				k.t.Errorf("focus on %s is not visible (outline-style %q)", sel, outline)
			}
			return
		}
		k.press(kb.Tab)
	}
	k.t.Fatalf("%s cannot be reached with Tab", sel)
}

func (k keyboard) waitFor(sel string) {
	k.t.Helper()
	if err := chromedp.Do(k.ctx, chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
		k.t.Fatalf("wait for %s: %v", sel, err)
	}
}

// TestKeyboardOnly signs up, completes a quiz and plays a conversation to its end with Tab,
// Space and Enter alone.
func TestKeyboardOnly(t *testing.T) {
	ctx := newChrome(t)
	p := startProgram(t, t.TempDir())
	base := "http://" + p.addr
	k := keyboard{t, ctx}
	course := shippedCourse(t)
	l, _ := course.Lesson("why-difficult-customers-matter")
	q, sc := l.Quizzes[0], l.Scenarios[0]

	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/signup")); err != nil {
		t.Fatal(err)
	}
	k.tabTo(".skip") // the skip link is the first stop
	k.tabTo("#name")
	k.press("Kay Board")
	k.tabTo("#email")
	k.press("kay@example.com")
	k.tabTo("#password")
	k.press("correct horse")
	k.press(kb.Enter)
	k.waitFor(".flash")

	// The quiz: Tab into each question, Space to pick, Enter on the submit button.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/courses/difficult-customers/"+l.Slug+"/quiz/"+q.ID)); err != nil {
		t.Fatal(err)
	}
	for _, qu := range q.Questions {
		k.tabTo(fmt.Sprintf(`input[name="q-%s"]`, qu.ID))
		k.press(" ")
	}
	k.tabTo(`article.quiz button[type=submit]`)
	k.press(kb.Enter)
	k.waitFor("#score")
	score, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#score")))
	if !strings.Contains(score, "You scored") {
		t.Fatalf("quiz result: %q", score)
	}

	// The conversation: Tab to a reply, Enter, until it ends; then play again with Enter.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/courses/difficult-customers/"+l.Slug+"/conversation/"+sc.ID)); err != nil {
		t.Fatal(err)
	}
	for st := sc.Begin(); !sc.Current(st).End; st, _ = sc.Step(st, 0) {
		k.tabTo(`button.reply[value="0"]`)
		k.press(kb.Enter)
		k.waitFor(fmt.Sprintf("#turn-%d", st.Steps+1))
	}
	k.waitFor("#ending")
	k.tabTo(`.ending button[type=submit]`)
	k.press(kb.Enter)
	k.waitFor(`button.reply`)
}
