package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// axeSource finds axe-core, which .ci/run installs from the npm registry. Locally the test
// skips without it; under CI=true it fails.
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("RAPPORT_AXE")
	if path == "" {
		path = filepath.Join("..", "..", ".ci", "npm", "node_modules", "axe-core", "axe.min.js")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but axe-core is missing at %s: .ci/run must install it", path)
		}
		t.Skipf("axe-core not installed (%v); run: npm install --no-save --no-package-lock --prefix .ci/npm axe-core@4", err)
	}
	return string(b)
}

type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// runAxe checks the loaded page against WCAG 2.2 A and AA rules. DevTools evaluation is not
// subject to the page's Content-Security-Policy, so axe runs without weakening it.
func runAxe(ctx context.Context, src string) ([]axeViolation, error) {
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](src+";true")); err != nil {
		return nil, err
	}
	const js = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}})
		.then(r => r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help,
			nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " :: " + (n.failureSummary || "").split("\n").slice(0, 2).join(" "))})))`
	return chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](js, chromedp.EvalAwaitPromise))
}

type viewport struct {
	name          string
	width, height int64
	dark          bool
}

var viewports = []viewport{{"phone", 360, 740, false}, {"desktop", 1280, 900, false}, {"desktop-dark", 1280, 900, true}}

func setViewport(ctx context.Context, v viewport) error {
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(v.width, v.height)); err != nil {
		return err
	}
	scheme := "light"
	if v.dark {
		scheme = "dark"
	}
	_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
	})
	return err
}

// browserSignIn signs the browser in through the form.
func browserSignIn(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)),
	)
	if err != nil {
		t.Fatalf("sign in as %s: %v", email, err)
	}
}

var attemptRE = regexp.MustCompile(`/attempts/\d+`)

// TestEveryPageIsAccessible loads every page type as a stranger, a trainee and a director, at
// phone and desktop widths and in dark mode, runs axe-core in the page, and fails on any
// violation. It saves a screenshot of each page at each width when RAPPORT_SCREENSHOTS is set.
func TestEveryPageIsAccessible(t *testing.T) {
	axe := axeSource(t)
	ctx := newChrome(t)
	data := t.TempDir()
	createUser(t, data, "boss@example.com", "director")
	p := startProgram(t, data)
	base := "http://" + p.addr

	// The trainee's history: a quiz attempt, a conversation under way, another finished.
	course := shippedCourse(t)
	l1, _ := course.Lesson("why-difficult-customers-matter")
	l2, _ := course.Lesson("types-of-difficult-customers")
	c := newClient(t, p.addr)
	c.get("/signup")
	c.post("/signup", url.Values{"name": {"Ana"}, "email": {"ana@example.com"}, "password": {"correct horse"}})
	lesson1 := "/courses/difficult-customers/" + l1.Slug
	q := l1.Quizzes[0]
	c.get(lesson1 + "/quiz/" + q.ID)
	form := url.Values{"version": {q.Hash}}
	for _, qu := range q.Questions {
		form.Set("q-"+qu.ID, "0")
	}
	res, err := c.c.PostForm(c.base+lesson1+"/quiz/"+q.ID, withCSRF(form, c.csrf))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	attempt := attemptRE.FindString(res.Request.URL.Path)
	if attempt == "" {
		t.Fatalf("no attempt page after submitting the quiz: %s", res.Request.URL)
	}
	conv1 := lesson1 + "/conversation/" + l1.Scenarios[0].ID
	c.get(conv1)
	c.post(conv1, url.Values{"step": {"0"}, "choice": {"0"}})
	lesson2 := "/courses/difficult-customers/" + l2.Slug
	conv2 := lesson2 + "/conversation/" + l2.Scenarios[0].ID
	sc := l2.Scenarios[0]
	for st := sc.Begin(); !sc.Current(st).End; st, _ = sc.Step(st, 0) {
		c.get(conv2)
		c.post(conv2, url.Values{"step": {strconv.Itoa(st.Steps)}, "choice": {"0"}})
	}

	dir := directorPages(t, ctx, base, c)

	pages := []struct{ who, name, path string }{
		{"stranger", "home", "/"},
		{"stranger", "signup", "/signup"},
		{"stranger", "login", "/login"},
		{"stranger", "course", "/courses/difficult-customers"},
		{"stranger", "lesson", lesson1},
		{"stranger", "not-found", "/courses/nope"},
		{"trainee", "home", "/"},
		{"trainee", "progress", "/progress"},
		{"trainee", "course", "/courses/difficult-customers"},
		{"trainee", "lesson", lesson1},
		{"trainee", "quiz", lesson1 + "/quiz/" + q.ID},
		{"trainee", "quiz-result", lesson1 + "/quiz/" + q.ID + attempt},
		{"trainee", "conversation", conv1},
		{"trainee", "conversation-ended", conv2},
		{"director", "director", "/director"},
		{"director", "scheduled-lesson", "/courses/difficult-customers/resolving-the-problem-twice"},
		{"director", "teams", "/director/teams"},
		{"director", "team-dashboard", dir.team},
		{"director", "trainee", dir.trainee},
		{"director", "transcript", dir.transcript},
		{"director", "quiz-report", dir.quizReport},
		{"director", "conversation-report", dir.scenarioReport},
		{"director", "content", "/director/content"},
		{"director", "document-editor", dir.document},
		{"director", "audit", "/director/audit"},
		{"director", "subscribers", "/director/subscribers"},
		{"stranger", "join", dir.invite},
	}
	signedIn := map[string]string{"trainee": "ana@example.com", "director": "boss@example.com"}
	who := ""
	for _, pg := range pages {
		if pg.who != who {
			who = pg.who
			if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("main"))); err != nil {
				t.Fatal(err)
			}
			if email, ok := signedIn[who]; ok {
				browserSignOut(t, ctx)
				browserSignIn(t, ctx, base, email)
			}
		}
		for _, v := range viewports {
			name := fmt.Sprintf("%s-%s-%s", pg.who, pg.name, v.name)
			t.Run(name, func(t *testing.T) {
				if err := setViewport(ctx, v); err != nil {
					t.Fatal(err)
				}
				if err := chromedp.Do(ctx, chromedp.Navigate(base+pg.path), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
					t.Fatalf("load %s: %v", pg.path, err)
				}
				violations, err := runAxe(ctx, axe)
				if err != nil {
					t.Fatalf("axe: %v", err)
				}
				for _, vi := range violations {
					t.Errorf("%s (%s): %s\n    %s", vi.ID, vi.Impact, vi.Help, strings.Join(vi.Nodes, "\n    "))
				}
				if !v.dark {
					screenshot(t, ctx, name)
				}
			})
		}
	}
}

// directorURLs are the director's pages that need data to exist.
type directorURLs struct {
	team, trainee, transcript, quizReport, scenarioReport, document, invite string
}

// directorPages has the director make a team in the browser, has the trainee join it through
// the invite link over HTTP, and collects the URLs of the pages that then have content.
func directorPages(t *testing.T, ctx context.Context, base string, trainee *client) directorURLs {
	t.Helper()
	browserSignIn(t, ctx, base, "boss@example.com")
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/director/teams"),
		chromedp.SendKeys(chromedp.CSS("#team-name"), "Front desk"),
		chromedp.Click(chromedp.CSS(`form[action="/director/teams"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#invite-url")),
	)
	if err != nil {
		t.Fatalf("create a team: %v", err)
	}
	var d directorURLs
	invite, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#invite-url")))
	if err != nil || invite == "" {
		t.Fatalf("invite link: %q %v", invite, err)
	}
	u, _ := url.Parse(invite)
	if "http://"+u.Host != base {
		t.Errorf("the invite link %s does not point at the server %s", invite, base)
	}
	d.invite = u.Path
	if d.team, err = chromedp.Run(ctx, chromedp.Location()); err != nil {
		t.Fatal(err)
	}
	d.team = strings.TrimPrefix(d.team, base)
	trainee.get(d.invite)
	if code, _ := trainee.post(d.invite, url.Values{}); code != 200 {
		t.Fatalf("the trainee could not join: %d", code)
	}
	href := func(page, sel string) string {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(base+page), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
			t.Fatal(err)
		}
		h, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q)||{}).getAttribute ? document.querySelector(%q).getAttribute("href") : ""`, sel, sel)))
		if err != nil || h == "" {
			t.Fatalf("no %s on %s: %v", sel, page, err)
		}
		return h
	}
	d.trainee = href(d.team, `a[href*="/trainees/"]`)
	d.transcript = href(d.trainee, `a[href*="/runs/"]`)
	d.quizReport = href(d.team, `a[href*="/quizzes/"]`)
	d.scenarioReport = href(d.team, `a[href*="/conversations/"]`)
	d.document = href("/director/content", `a[href^="/director/content/"]`)
	browserSignOut(t, ctx)
	return d
}

// browserSignOut submits the sign-out form when the page has one.
func browserSignOut(t *testing.T, ctx context.Context) {
	t.Helper()
	signedIn, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector('form[action="/logout"]')`))
	if err != nil || !signedIn {
		return
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS(`a[href="/login"]`))); err != nil {
		t.Fatalf("sign out: %v", err)
	}
}

func withCSRF(v url.Values, token string) url.Values {
	v.Set("csrf", token)
	return v
}

// createUser runs "rapport user create" against the data folder, as an operator would.
func createUser(t *testing.T, data, email, role string) {
	t.Helper()
	m := NewMain(strings.NewReader("correct horse\n"), nil, nil)
	m.stdout, m.stderr = discard{}, discard{}
	m.getenv = func(string) string { return "" }
	if err := m.Run(context.Background(), []string{"user", "create", "--data", data, "--email", email, "--name", role, "--role", role}); err != nil {
		t.Fatal(err)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
