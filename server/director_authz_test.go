package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"rapport/server/store"
)

// TestEveryDirectorRouteChecksWhoAsks requests every route under /director, as listed by the
// router itself, as a stranger, as a trainee, as a director of another team and as the team's
// own director, and checks each answer. A route added without an entry here fails the test.
func TestEveryDirectorRouteChecksWhoAsks(t *testing.T) {
	a := newAuthoringApp(t)
	ctx := context.Background()
	boss := a.mkUser(store.RoleDirector, "boss@example.com", "Boss")
	rival := a.mkUser(store.RoleDirector, "rival@example.com", "Rival")
	ana := a.mkUser(store.RoleTrainee, "ana@example.com", "Ana Member")
	bea := a.mkUser(store.RoleTrainee, "bea@example.com", "Bea Hidden")
	team := a.mkTeam(boss, "Alpha squad", nil, ana, bea)
	a.mkTeam(rival, "Rival squad", nil)
	p1 := a.lesson("why-difficult-customers-matter")
	a.takeQuiz(ana, p1.Quizzes[0], rightPicks(p1.Quizzes[0]))
	run := a.play(ana, p1.Scenarios[0], 0)
	docs, err := a.store.Documents(ctx)
	if err != nil || len(docs) == 0 {
		t.Fatalf("documents: %v", err)
	}
	params := map[string]string{
		":team": strconv.FormatInt(team.ID, 10), ":user": strconv.FormatInt(ana.ID, 10), ":run": strconv.FormatInt(run.ID, 10),
		":course": "difficult-customers", ":quiz": p1.Quizzes[0].ID, ":scenario": p1.Scenarios[0].ID,
		":doc": strconv.FormatInt(docs[0].ID, 10), ":rev": strconv.FormatInt(docs[0].LatestRevisionID, 10),
	}
	// What a director of another team gets on routes that are not about a team: the pages
	// shared by every director, and POSTs with an empty form.
	shared := map[string]int{
		"GET /director":                                      http.StatusOK,
		"GET /director/teams":                                http.StatusOK,
		"POST /director/teams":                               http.StatusUnprocessableEntity,
		"GET /director/audit":                                http.StatusOK,
		"GET /director/subscribers":                          http.StatusOK, // the mail pages
		"GET /director/subscribers.csv":                      http.StatusOK,
		"GET /director/content":                              http.StatusOK,
		"GET /director/content/:doc":                         http.StatusOK,
		"POST /director/content/:doc":                        http.StatusUnprocessableEntity,
		"POST /director/content/:doc/preview":                http.StatusUnprocessableEntity,
		"POST /director/content/:doc/publish":                http.StatusSeeOther,
		"GET /director/content/:doc/revisions/:rev":          http.StatusOK,
		"POST /director/content/:doc/revisions/:rev/restore": http.StatusSeeOther,
	}
	type route struct{ method, pattern, path string }
	var routes []route
	for _, r := range a.srv.echo.Routes() {
		if r.Path != "/director" && !strings.HasPrefix(r.Path, "/director/") {
			continue
		}
		path := r.Path
		for k, v := range params {
			path = strings.ReplaceAll(path, k, v)
		}
		if strings.Contains(path, ":") {
			t.Fatalf("route %s has a parameter the test does not fill", r.Path)
		}
		routes = append(routes, route{r.Method, r.Path, path})
	}
	if len(routes) < 19 {
		t.Fatalf("only %d director routes found", len(routes))
	}
	// Ana is the trainee asking, so her own name is on her pages; her teammate's is not.
	secrets := []string{"Alpha squad", "bea@example.com", "Bea Hidden"}
	leaks := func(t *testing.T, who string, p page) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(p.body, s) {
				t.Errorf("%s saw %q", who, s)
			}
		}
	}
	auditCount := func() int64 {
		var n int64
		a.store.DB().Table("audit_log").Count(&n)
		return n
	}
	stranger := a.browser()
	stranger.get("/")
	trainee := a.as(ana)
	other := a.as(rival)
	owner := a.as(boss)
	before := auditCount()

	for _, r := range routes {
		key := r.method + " " + r.pattern
		send := func(b *browser) page {
			if r.method == http.MethodGet {
				return b.get(r.path)
			}
			return b.post(r.path, nil)
		}
		t.Run(key, func(t *testing.T) {
			t.Run("a stranger is sent to sign in", func(t *testing.T) {
				p := send(stranger)
				switch {
				case r.method == http.MethodGet && (p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/login?next=")):
					t.Fatalf("%d to %q, want 303 to the sign-in page", p.status, p.location)
				case r.method != http.MethodGet && (p.status != http.StatusUnauthorized || !strings.Contains(p.body, `action="/login"`)):
					t.Fatalf("%d, want 401 with the sign-in form", p.status)
				}
				leaks(t, "a stranger", p)
			})
			t.Run("a trainee is forbidden", func(t *testing.T) {
				p := send(trainee)
				if p.status != http.StatusForbidden {
					t.Fatalf("%d, want 403", p.status)
				}
				leaks(t, "a trainee", p)
			})
			t.Run("a director of another team gets the answer for their own standing", func(t *testing.T) {
				if strings.Contains(r.pattern, ":team") {
					p := send(other)
					if p.status != http.StatusNotFound {
						t.Fatalf("%d, want 404", p.status)
					}
					leaks(t, "another director", p)
					return
				}
				want, ok := shared[key]
				if !ok {
					t.Fatalf("no expectation for %s: add it to the test", key)
				}
				if r.method == http.MethodGet {
					if p := send(other); p.status != want {
						t.Fatalf("%d, want %d", p.status, want)
					}
				}
			})
			if r.method == http.MethodGet {
				t.Run("the team's own director sees the page", func(t *testing.T) {
					if p := send(owner); p.status != http.StatusOK {
						t.Fatalf("%d, want 200", p.status)
					}
				})
			}
		})
	}
	if after := auditCount(); after != before {
		t.Fatalf("refused requests changed something: the audit log went from %d to %d entries", before, after)
	}
	// The shared POSTs, last, since some of them rightly change things.
	for key, want := range shared {
		method, pattern, _ := strings.Cut(key, " ")
		if method != http.MethodPost {
			continue
		}
		path := pattern
		for k, v := range params {
			path = strings.ReplaceAll(path, k, v)
		}
		other.get("/director")
		if p := other.post(path, nil); p.status != want {
			t.Errorf("%s as another director: %d, want %d", key, p.status, want)
		}
	}
}
