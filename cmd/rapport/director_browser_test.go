package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestADirectorEditsAndPublishesALessonInABrowser: in headless Chromium, a director opens
// Part 1 in the editor, changes a heading and breaks the publish date; the live preview shows
// the new heading and lint flags line 7; the director fixes the date, saves, publishes, and a
// trainee then reads the new heading.
func TestADirectorEditsAndPublishesALessonInABrowser(t *testing.T) {
	ctx := newChrome(t)
	data := t.TempDir()
	createUser(t, data, "boss@example.com", "director")
	createUser(t, data, "ana@example.com", "trainee")
	p := startProgram(t, data)
	base := "http://" + p.addr
	do, text := browserSteps(t, ctx, p)
	// edit replaces text in the editor as typing would, firing the input event the live
	// preview listens to, and returns how many previews had arrived before.
	edit := func(from, to string) int {
		t.Helper()
		js := `(function(){var a=document.querySelector("textarea[name=body]");var n=+(document.getElementById("check").getAttribute("data-fresh")||0);` +
			`a.value=a.value.replace(` + strconv.Quote(from) + `,` + strconv.Quote(to) + `);a.dispatchEvent(new Event("input",{bubbles:true}));return n;})()`
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](js))
		if err != nil {
			t.Fatalf("edit: %v", err)
		}
		return n
	}
	fresher := func(n int) string { return `#check[data-fresh]:not([data-fresh="` + strconv.Itoa(n) + `"])` }

	browserSignIn(t, ctx, base, "boss@example.com")
	do("open the content list", chromedp.Navigate(base+"/director/content"), chromedp.WaitVisible(chromedp.CSS(`table.report`)))
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll("table.report a")).find(a => a.textContent.includes("01-why-difficult-customers-matter.md")).getAttribute("href")`))
	if err != nil {
		t.Fatalf("find part 1 in the content list: %v", err)
	}
	do("open part 1 in the editor", chromedp.Click(chromedp.CSS(`a[href="`+href+`"]`)), chromedp.WaitVisible(chromedp.CSS(`textarea[name=body]`)))
	if h := text("h1"); !strings.Contains(h, "01-why-difficult-customers-matter.md") {
		t.Fatalf("editor heading %q", h)
	}

	edit("## What makes a customer difficult", "## What makes a customer truly difficult")
	n2 := edit("publish: 2026-09-07", "publish: someday")
	do("see the preview and the lint error", chromedp.WaitVisible(chromedp.CSS(fresher(n2)+` #L7.has-problem`)))
	if got := text("#L7"); !strings.Contains(got, "publish: someday") || !strings.Contains(got, "Line 7: publish date") {
		t.Fatalf("line 7 in the lint listing: %q", got)
	}
	if got := text(".preview"); !strings.Contains(got, "What makes a customer truly difficult") {
		t.Fatalf("the preview lacks the new heading:\n%s", got)
	}
	screenshot(t, ctx, "director-editor-lint-desktop")

	n3 := edit("publish: someday", "publish: 2026-09-07")
	do("see lint pass", chromedp.WaitVisible(chromedp.CSS(fresher(n3)+` .lint-ok`)))
	if got := text(".preview"); !strings.Contains(got, "What makes a customer truly difficult") {
		t.Fatalf("the preview lacks the new heading after the fix:\n%s", got)
	}
	do("save", chromedp.Click(chromedp.CSS(`button[name=action][value=save]`)), chromedp.WaitVisible(chromedp.CSS(`#publish-button`)))
	if got := text(".flash"); !strings.Contains(got, "Saved as revision") {
		t.Fatalf("after saving: %q", got)
	}
	do("publish", chromedp.Click(chromedp.CSS(`#publish-button`)), chromedp.WaitVisible(chromedp.CSS(`.lead .badge.done`)))
	if got := text(".flash"); !strings.Contains(got, "is live for trainees") {
		t.Fatalf("after publishing: %q", got)
	}

	browserSignOut(t, ctx)
	browserSignIn(t, ctx, base, "ana@example.com")
	do("read part 1 as a trainee", chromedp.Navigate(base+"/courses/difficult-customers/why-difficult-customers-matter"), chromedp.WaitVisible(chromedp.CSS(`.lesson h1`)))
	if got := text(".lesson"); !strings.Contains(got, "What makes a customer truly difficult") {
		t.Fatalf("the trainee does not see the published edit:\n%.500s", got)
	}
}
