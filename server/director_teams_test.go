package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rapport/server/store"
)

func TestDirectorsCreateTeamsWithValidatedForms(t *testing.T) {
	a := newTestApp(t)
	boss := a.mkUser(store.RoleDirector, "boss@example.com", "Boss")
	b := a.as(boss)
	b.get("/director/teams")
	cases := []struct {
		name        string
		form        url.Values
		status      int
		wantMessage string
	}{
		{"an empty name is refused", url.Values{"name": {"  "}}, http.StatusUnprocessableEntity, "Give the team a name."},
		{"a name with control characters is refused", url.Values{"name": {"a\x07b"}}, http.StatusUnprocessableEntity, "characters we cannot store"},
		{"a date that does not parse is refused", url.Values{"name": {"North"}, "due": {"31/01/2027"}}, http.StatusUnprocessableEntity, "like 2027-01-31"},
		{"a form without its token changes nothing", url.Values{"name": {"North"}, "csrf": {"forged"}}, http.StatusForbidden, "this form had expired"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := b.post("/director/teams", tc.form)
			if p.status != tc.status {
				t.Fatalf("status %d, want %d", p.status, tc.status)
			}
			mustContain(t, p, tc.wantMessage)
			if name := tc.form.Get("name"); strings.TrimSpace(name) != "" && !strings.ContainsRune(name, 7) {
				mustContain(t, p, `value="`+name+`"`) // the input comes back
			}
		})
	}
	teams, _ := a.store.TeamsOwnedBy(context.Background(), boss.ID)
	if len(teams) != 0 {
		t.Fatalf("refused forms made %d teams", len(teams))
	}
	p := b.post("/director/teams", url.Values{"name": {"North <desk>"}, "due": {"2027-01-31"}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/director/teams/") {
		t.Fatalf("create: %d to %q", p.status, p.location)
	}
	page := b.get(p.location)
	mustContain(t, page, "Team North <desk> is ready", "due 31 January 2027")
	if strings.Contains(page.body, "<desk>") {
		t.Fatal("the team name was not escaped")
	}
	mustContain(t, b.get("/director/teams"), "North <desk>")
}

func TestInviteLinksJoinTraineesThroughSignUpAndSignIn(t *testing.T) {
	a := newTestApp(t)
	boss := a.mkUser(store.RoleDirector, "boss@example.com", "Boss")
	team := a.mkTeam(boss, "North desk", nil)
	invite := a.srv.invitePath(team)
	ctx := context.Background()
	inTeam := func(email string) bool {
		u, err := a.store.UserByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		_, err = a.store.TeamMemberUser(ctx, team.ID, u.ID)
		return err == nil
	}

	t.Run("a stranger sees the team and is offered both ways in", func(t *testing.T) {
		p := a.browser().get(invite)
		escaped := "%2fjoin%2f" + strings.TrimPrefix(invite, "/join/")
		mustContain(t, p, "Join North desk", "Boss invites you", "/signup?next="+escaped, "/login?next="+escaped)
	})
	t.Run("signing up through the link joins the team", func(t *testing.T) {
		b := a.browser()
		b.get("/signup?next=" + url.QueryEscape(invite))
		p := b.post("/signup", url.Values{"name": {"Ana"}, "email": {"ana@example.com"}, "password": {"correct horse"}, "next": {invite}})
		if p.status != http.StatusSeeOther || p.location != "/" {
			t.Fatalf("sign up: %d to %q", p.status, p.location)
		}
		mustContain(t, b.get("/"), "You joined the team North desk.")
		if !inTeam("ana@example.com") {
			t.Fatal("Ana is not in the team")
		}
	})
	t.Run("signing in through the link joins the team", func(t *testing.T) {
		a.mkUser(store.RoleTrainee, "ben@example.com", "Ben")
		b := a.browser()
		b.get("/login?next=" + url.QueryEscape(invite))
		p := b.post("/login", url.Values{"email": {"ben@example.com"}, "password": {"correct horse"}, "next": {invite}})
		if p.status != http.StatusSeeOther || p.location != "/" || !inTeam("ben@example.com") {
			t.Fatalf("sign in: %d to %q", p.status, p.location)
		}
	})
	t.Run("a signed-in trainee joins with the button, once", func(t *testing.T) {
		cy := a.mkUser(store.RoleTrainee, "cy@example.com", "Cy")
		b := a.as(cy)
		mustContain(t, b.get(invite), "Join North desk as Cy")
		if p := b.post(invite, nil); p.status != http.StatusSeeOther || !inTeam("cy@example.com") {
			t.Fatalf("join: %d", p.status)
		}
		mustContain(t, b.get(invite), "You are already in North desk")
	})
	t.Run("a director following the link does not join", func(t *testing.T) {
		other := a.mkUser(store.RoleDirector, "other@example.com", "Other")
		b := a.as(other)
		mustContain(t, b.get(invite), "Invite links are for trainees")
		b.post(invite, nil)
		if inTeam("other@example.com") {
			t.Fatal("a director joined a team through an invite")
		}
	})
	t.Run("a revoked link no longer works, and the new one does", func(t *testing.T) {
		d := a.as(boss)
		d.get(teamURL(team))
		if p := d.post(teamURL(team)+"/invite", nil); p.status != http.StatusSeeOther {
			t.Fatalf("revoke: %d", p.status)
		}
		if p := a.browser().get(invite); p.status != http.StatusNotFound {
			t.Fatalf("old link: %d, want 404", p.status)
		}
		b := a.browser()
		b.get("/signup")
		b.post("/signup", url.Values{"name": {"Dee"}, "email": {"dee@example.com"}, "password": {"correct horse"}, "next": {invite}})
		mustContain(t, b.get("/"), "That invite link does not work any more")
		if inTeam("dee@example.com") {
			t.Fatal("a revoked link joined a trainee")
		}
		fresh, _ := a.store.TeamByID(ctx, team.ID)
		if p := a.browser().get(a.srv.invitePath(fresh)); p.status != http.StatusOK {
			t.Fatalf("new link: %d", p.status)
		}
	})
	t.Run("forged and malformed links are not found", func(t *testing.T) {
		sig := strings.SplitN(strings.TrimPrefix(invite, "/join/"), ".", 2)[1]
		other := a.mkTeam(boss, "South desk", nil)
		for _, bad := range []string{"/join/x", "/join/1", "/join/99.abc", "/join/" + itoa(int(other.ID)) + "." + sig} {
			if p := a.browser().get(bad); p.status != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", bad, p.status)
			}
		}
	})
}

func TestTeamChangesAreAuditedAndScopedToTheirDirector(t *testing.T) {
	a := newTestApp(t)
	boss := a.mkUser(store.RoleDirector, "boss@example.com", "Boss")
	other := a.mkUser(store.RoleDirector, "other@example.com", "Other")
	ana := a.mkUser(store.RoleTrainee, "ana@example.com", "Ana")
	team := a.mkTeam(boss, "North desk", nil, ana)
	a.mkTeam(other, "Secret squad", nil)
	b := a.as(boss)
	b.get(teamURL(team))
	b.post(teamURL(team), url.Values{"name": {"North desk"}, "due": {"2027-02-01"}})
	b.post(teamURL(team)+"/members/"+itoa(int(ana.ID))+"/remove", nil)
	p := b.get("/director/audit")
	mustContain(t, p, "team.create", "team.join", "ana@example.com joined through an invite link",
		"team.update", "due 2027-02-01", "team.remove", "ana@example.com removed", "boss@example.com")
	if strings.Contains(p.body, "Secret squad") {
		t.Fatal("the audit log shows another director's team")
	}
	if _, err := a.store.TeamMemberUser(context.Background(), team.ID, ana.ID); err == nil {
		t.Fatal("Ana is still in the team")
	}
}
