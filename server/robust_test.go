package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/crypto/bcrypt"

	"rapport/server/store"
)

// signInAs creates an account with the role directly in the store and signs the browser in.
func (b *browser) signInAs(role, email string) {
	b.t.Helper()
	hash, _ := bcrypt.GenerateFromPassword([]byte("correct horse"), bcrypt.MinCost)
	if err := b.app.store.CreateUser(context.Background(), &store.User{Email: email, Name: role, Role: role, PasswordHash: string(hash)}); err != nil {
		b.t.Fatal(err)
	}
	b.get("/login")
	if p := b.post("/login", url.Values{"email": {email}, "password": {"correct horse"}}); p.status != http.StatusSeeOther {
		b.t.Fatalf("sign in as %s: %d", role, p.status)
	}
}

func TestDirectorsSeeScheduledPartsWithABadge(t *testing.T) {
	a := newTestApp(t)
	d := a.browser()
	d.signInAs(store.RoleDirector, "boss@example.com")
	const part5 = "/courses/difficult-customers/resolving-the-problem-twice"
	p := d.get(part5)
	if p.status != http.StatusOK {
		t.Fatalf("director, part 5 before its date: %d", p.status)
	}
	mustContain(t, p, "Scheduled: trainees see this part from 11 January 2027")
	mustContain(t, d.get("/courses/difficult-customers"), `<span class="badge scheduled">Scheduled</span>`)
	tr := a.browser()
	tr.signInAs(store.RoleTrainee, "t@example.com")
	if p := tr.get(part5); p.status != http.StatusNotFound {
		t.Fatalf("trainee, part 5 before its date: %d, want 404", p.status)
	}
}

func TestDirectorPageChecksTheRoleAndShowsRefusedContent(t *testing.T) {
	a := newTestApp(t)
	if p := a.browser().get("/director"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/login") {
		t.Fatalf("stranger: %d to %q, want the sign-in page", p.status, p.location)
	}
	tr := a.browser()
	tr.signInAs(store.RoleTrainee, "t@example.com")
	if p := tr.get("/director"); p.status != http.StatusForbidden || strings.Contains(p.body, "Course content") {
		t.Fatalf("trainee: %d, want 403 without the data", p.status)
	}
	d := a.browser()
	d.signInAs(store.RoleDirector, "d@example.com")
	mustContain(t, d.get("/director"), "All course content passes lint", "Scheduled")

	broken := fstest.MapFS{"c/course.md": {Data: []byte("---\ntitle: T\nslug: t\nsummary: s\npass_mark: 0\n---\n")}}
	if err := a.srv.LoadContent(broken); err == nil {
		t.Fatal("broken content was accepted")
	}
	mustContain(t, d.get("/director"), "was refused", "c/course.md:2", "pass_mark must be from 1 to 100")
	if p := d.get(part1); p.status != http.StatusOK {
		t.Fatalf("the last good content is no longer served: %d", p.status)
	}
}

func TestAForgedForwardedForDoesNotDodgeTheSignInLimit(t *testing.T) {
	a := newTestApp(t)
	b := a.browser()
	b.get("/login")
	var last page
	for i := range 30 {
		form := url.Values{"email": {fmt.Sprintf("n%d@example.com", i)}, "password": {"guess guess"}, "csrf": {b.csrf}}
		req, _ := http.NewRequest(http.MethodPost, a.http.URL+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i)) // a new "address" each time
		last = b.do(req)
	}
	if last.status != http.StatusTooManyRequests {
		t.Fatalf("30 sign-ins from one connection with forged X-Forwarded-For: last answered %d, want 429", last.status)
	}
}
