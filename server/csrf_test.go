package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"rapport/server/store"
)

// snapshot returns every row of every table, so a test can tell that nothing at all changed.
func snapshot(t *testing.T, a *testApp) string {
	t.Helper()
	var tables []string
	if err := a.store.DB().Raw("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").Scan(&tables).Error; err != nil {
		t.Fatal(err)
	}
	all := map[string][]map[string]any{}
	for _, table := range tables {
		var rows []map[string]any
		if err := a.store.DB().Table(table).Order("rowid").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		all[table] = rows
	}
	b, _ := json.Marshal(all)
	return string(b)
}

// TestEveryPostRouteRefusesAForgedCSRFToken posts a forged token to every POST route the
// router knows, as a signed-in director who owns the team in the URL, and checks that no row
// of any table changed. It guards the "soft" CSRF mode, in which a handler runs and must
// itself refuse: a new route whose handler forgot would fail here.
func TestEveryPostRouteRefusesAForgedCSRFToken(t *testing.T) {
	a := newTestApp(t)
	d := a.browser()
	d.signInAs(store.RoleDirector, "boss@example.com")
	boss, _ := a.store.UserByEmail(context.Background(), "boss@example.com")
	team := &store.Team{Name: "Front desk"}
	if err := a.store.CreateTeam(context.Background(), boss, team); err != nil {
		t.Fatal(err)
	}
	invite := a.srv.inviteURL(team)
	q, sc := a.part1().Quizzes[0], a.part1().Scenarios[0]
	params := map[string]string{
		":course": "difficult-customers", ":lesson": a.part1().Slug, ":quiz": q.ID, ":scenario": sc.ID,
		":team": strconv.FormatInt(team.ID, 10), ":user": strconv.FormatInt(boss.ID, 10),
		":doc": "1", ":rev": "1", ":token": invite[strings.LastIndex(invite, "/")+1:],
	}
	// Fields that would make each form valid, so only the token stands in the way.
	form := url.Values{
		"name": {"Changed"}, "email": {"new@example.com"}, "password": {"correct horse"},
		"version": {q.Hash}, "step": {"0"}, "choice": {"0"}, "body": {"# Changed"}, "note": {"x"},
		"token": {"x"}, "csrf": {"forged"},
	}
	for _, qu := range q.Questions {
		form.Set("q-"+qu.ID, "0")
	}
	d.get("/")
	before := snapshot(t, a)
	checked := 0
	for _, r := range a.srv.echo.Routes() {
		if r.Method != http.MethodPost || r.Path == "/unsubscribe/one-click" { // authorised by its token (RFC 8058)
			continue
		}
		path := r.Path
		for k, v := range params {
			path = strings.ReplaceAll(path, k, v)
		}
		req, _ := http.NewRequest(http.MethodPost, a.http.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		p := d.do(req)
		if p.status < 400 {
			t.Errorf("POST %s with a forged token answered %d", r.Path, p.status)
		}
		if after := snapshot(t, a); after != before {
			t.Fatalf("POST %s with a forged token changed the database", r.Path)
		}
		checked++
	}
	if checked < 15 { // 19 today; a drop means the route list was not read
		t.Fatalf("only %d POST routes checked", checked)
	}
	t.Logf("%d POST routes refused a forged token", checked)
}
