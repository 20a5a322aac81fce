package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const chromiumPath = "/usr/bin/chromium"

// newChrome starts headless Chromium, or skips the test where it is not installed. Under
// CI=true a missing browser fails the run instead: CI installs it.
func newChrome(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is missing: .ci/run must install chromium", chromiumPath)
		}
		t.Skipf("%s not installed; browser tests skipped", chromiumPath)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	// One bound for the whole browser session: generous, because the accessibility test visits
	// about a hundred page views and CI machines are shared.
	ctx, cancelTimeout := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// screenshot saves a full-page PNG under $RAPPORT_SCREENSHOTS, when set (CI keeps them).
func screenshot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("RAPPORT_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100 means PNG; less is JPEG
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	_ = os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Logf("screenshot %s: %v", name, err)
	}
}

// browserSteps returns helpers that run browser actions and read text, failing the test with
// the server's log when a step fails.
func browserSteps(t *testing.T, ctx context.Context, p *program) (do func(what string, actions ...chromedp.Action[chromedp.Void]), text func(sel string) string) {
	do = func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v\nserver log:\n%s", what, err, p.stderr)
		}
	}
	text = func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return s
	}
	return do, text
}

// TestTheTraineeJourneyInABrowser signs up, reads Part 1, answers its quiz, plays its
// conversation to an ending and finds the result on /progress, in headless Chromium.
func TestTheTraineeJourneyInABrowser(t *testing.T) {
	ctx := newChrome(t)
	p := startProgram(t, t.TempDir())
	base := "http://" + p.addr
	course := shippedCourse(t)
	l, _ := course.Lesson("why-difficult-customers-matter")
	q, sc := l.Quizzes[0], l.Scenarios[0]

	do, text := browserSteps(t, ctx, p)
	do("sign up",
		chromedp.Navigate(base+"/signup"),
		chromedp.SendKeys(chromedp.CSS("#name"), "Ana Browser"),
		chromedp.SendKeys(chromedp.CSS("#email"), "ana@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse"),
		chromedp.Click(chromedp.CSS(`form[action="/signup"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
	)
	if home := text("main"); !strings.Contains(home, "Welcome, Ana Browser") || !strings.Contains(home, "Start Part 1") {
		t.Fatalf("home after sign-up:\n%s", home)
	}
	screenshot(t, ctx, "home-desktop")

	do("open part 1", chromedp.Click(chromedp.CSS(`.continue a`)), chromedp.WaitVisible(chromedp.CSS(`.lesson h1`)))
	if got := text(".lesson h1"); got != l.Title {
		t.Fatalf("lesson title %q", got)
	}
	screenshot(t, ctx, "lesson-desktop")

	do("open the quiz", chromedp.Click(chromedp.CSS(`a[href$="/quiz/`+q.ID+`"]`)), chromedp.WaitVisible(chromedp.CSS(`form .questions`)))
	for _, qu := range q.Questions {
		for i, c := range qu.Choices {
			if c.Correct {
				do("pick "+qu.ID, chromedp.Click(chromedp.CSS(fmt.Sprintf(`label[for="q-%s-%d"]`, qu.ID, i))))
			}
		}
	}
	screenshot(t, ctx, "quiz-desktop")
	do("submit the quiz", chromedp.Click(chromedp.CSS(`article.quiz form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#score`)))
	if got := text("#score"); !strings.Contains(got, "You scored 100%: passed") {
		t.Fatalf("quiz result: %q", got)
	}
	screenshot(t, ctx, "quiz-result-desktop")

	do("open the conversation", chromedp.Navigate(base+"/courses/difficult-customers/"+l.Slug+"/conversation/"+sc.ID), chromedp.WaitVisible(chromedp.CSS(`.chat`)))
	st := sc.Begin()
	for !sc.Current(st).End {
		do(fmt.Sprintf("reply at step %d", st.Steps),
			chromedp.Click(chromedp.CSS(`button.reply[value="0"]`)),
			chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#turn-%d`, st.Steps+1))),
		)
		st, _ = sc.Step(st, 0)
		if st.Steps == 2 {
			screenshot(t, ctx, "conversation-desktop")
		}
	}
	end := sc.Current(st)
	do("reach the ending", chromedp.WaitVisible(chromedp.CSS(`#ending`)))
	if got := text(".ending"); !strings.Contains(got, end.Outcome) {
		t.Fatalf("ending text %q lacks %q", got, end.Outcome)
	}
	screenshot(t, ctx, "conversation-ending-desktop")

	do("open progress", chromedp.Click(chromedp.CSS(`a[href="/progress"]`)), chromedp.WaitVisible(chromedp.CSS(`.progress-table`)))
	progress := text("main")
	for _, want := range []string{"1 of 4 published parts complete", "Best 100%", fmt.Sprintf("Best: %d points", *end.Score)} {
		if !strings.Contains(progress, want) {
			t.Fatalf("/progress lacks %q:\n%s", want, progress)
		}
	}
	screenshot(t, ctx, "progress-desktop")
}
