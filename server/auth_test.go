package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func countUsers(t *testing.T, a *testApp) int64 {
	t.Helper()
	var n int64
	if err := a.store.DB().Table("users").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSignUpSignOutAndSignIn(t *testing.T) {
	a := newTestApp(t)
	b := a.browser()
	b.get("/signup")
	p := b.post("/signup", url.Values{"name": {"Ana Silva"}, "email": {"Ana@Example.com"}, "password": {"correct horse"}, "next": {"/progress"}})
	if p.status != http.StatusSeeOther || p.location != "/progress" {
		t.Fatalf("sign up: %d to %q", p.status, p.location)
	}
	var session *http.Cookie
	for _, c := range p.header.Values("Set-Cookie") {
		if strings.HasPrefix(c, sessionName+"=") {
			if !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Lax") {
				t.Errorf("session cookie lacks HttpOnly or SameSite=Lax: %s", c)
			}
			session = &http.Cookie{}
		}
	}
	if session == nil {
		t.Fatal("sign up set no session cookie")
	}
	mustContain(t, b.get("/progress"), "Your progress", "Sign out")

	b.get("/")
	if p := b.post("/logout", nil); p.status != http.StatusSeeOther || p.location != "/?signed-out=1" {
		t.Fatalf("sign out: %d", p.status)
	}
	if p := b.get("/progress"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/login?next=") {
		t.Fatalf("after sign out /progress answered %d to %q", p.status, p.location)
	}
	b.get("/login")
	if p := b.post("/login", url.Values{"email": {"ana@example.com"}, "password": {"correct horse"}}); p.status != http.StatusSeeOther {
		t.Fatalf("sign in: %d\n%s", p.status, p.body)
	}
	mustContain(t, b.get("/progress"), "Your progress")
}

func TestSignInFailuresNeverTellWhetherAnAccountExists(t *testing.T) {
	a := newTestApp(t)
	a.browser().signUp("Ana", "ana@example.com")
	wrongPassword := a.browser()
	wrongPassword.get("/login")
	p1 := wrongPassword.post("/login", url.Values{"email": {"ana@example.com"}, "password": {"wrong password"}})
	noAccount := a.browser()
	noAccount.get("/login")
	p2 := noAccount.post("/login", url.Values{"email": {"nobody@example.com"}, "password": {"wrong password"}})
	if p1.status != http.StatusUnauthorized || p2.status != p1.status {
		t.Fatalf("statuses %d and %d, want 401 for both", p1.status, p2.status)
	}
	const msg = "That email and password do not match an account."
	mustContain(t, p1, msg)
	mustContain(t, p2, msg)
}

func TestSignInIsRateLimitedPerAccount(t *testing.T) {
	a := newTestApp(t)
	a.browser().signUp("Ana", "ana@example.com")
	b := a.browser()
	b.get("/login")
	var last page
	for range 8 {
		last = b.post("/login", url.Values{"email": {"ana@example.com"}, "password": {"guess guess"}})
	}
	if last.status != http.StatusTooManyRequests {
		t.Fatalf("8th wrong attempt answered %d, want 429", last.status)
	}
	// The right password is refused too while the account is throttled.
	if p := b.post("/login", url.Values{"email": {"ana@example.com"}, "password": {"correct horse"}}); p.status != http.StatusTooManyRequests {
		t.Fatalf("right password while throttled answered %d, want 429", p.status)
	}
}

func TestSignInRotatesTheSessionAndTheCSRFToken(t *testing.T) {
	a := newTestApp(t)
	a.browser().signUp("Ana", "ana@example.com")
	b := a.browser()
	b.get("/login")
	before := b.csrf
	p := b.post("/login", url.Values{"email": {"ana@example.com"}, "password": {"correct horse"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("sign in: %d", p.status)
	}
	b.get("/")
	if b.csrf == before || b.csrf == "" {
		t.Fatal("the CSRF token did not change at sign-in")
	}
}

func TestSignUpBadInputComesBackWithTheMessageAndTheInput(t *testing.T) {
	long := strings.Repeat("x", 101)
	cases := []struct {
		name   string
		form   url.Values
		status int
		want   []string
	}{
		{"missing name", url.Values{"email": {"ana@example.com"}, "password": {"correct horse"}}, 422, []string{"Enter your name.", `value="ana@example.com"`}},
		{"over-long name", url.Values{"name": {long}, "email": {"ana@example.com"}, "password": {"correct horse"}}, 422, []string{"at most 100 characters", `value="ana@example.com"`}},
		{"malformed email", url.Values{"name": {"Ana"}, "email": {"ana@"}, "password": {"correct horse"}}, 422, []string{"Enter a valid email address", `value="Ana"`}},
		{"email with a display name", url.Values{"name": {"Ana"}, "email": {"Ana <ana@example.com>"}, "password": {"correct horse"}}, 422, []string{"Enter a valid email address"}},
		{"header injection in email", url.Values{"name": {"Ana"}, "email": {"ana@example.com\r\nBcc: x@example.com"}, "password": {"correct horse"}}, 422, []string{"Enter a valid email address"}},
		{"over-long email", url.Values{"name": {"Ana"}, "email": {strings.Repeat("a", 250) + "@example.com"}, "password": {"correct horse"}}, 422, []string{"Enter a valid email address"}},
		{"short password", url.Values{"name": {"Ana"}, "email": {"ana@example.com"}, "password": {"short"}}, 422, []string{"at least 8 characters", `value="Ana"`}},
		{"over-long password", url.Values{"name": {"Ana"}, "email": {"ana@example.com"}, "password": {strings.Repeat("p", 73)}}, 422, []string{"at most 72 bytes"}},
		{"invalid UTF-8 name", url.Values{"name": {"An\xffa"}, "email": {"ana@example.com"}, "password": {"correct horse"}}, 422, []string{"characters we cannot store"}},
		{"script in name is escaped", url.Values{"name": {"<script>alert(1)</script>"}, "email": {"bad"}, "password": {"correct horse"}}, 422, []string{"&lt;script&gt;alert(1)&lt;/script&gt;"}},
		{"stale CSRF token", url.Values{"csrf": {"stale"}, "name": {"Ana"}, "email": {"ana@example.com"}, "password": {"correct horse"}}, 403, []string{"this form had expired", `value="ana@example.com"`, `value="Ana"`}},
		{"missing CSRF token", url.Values{"csrf": {""}, "name": {"Ana"}, "email": {"ana@example.com"}, "password": {"correct horse"}}, 403, []string{"this form had expired"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestApp(t)
			b := a.browser()
			b.get("/signup")
			p := b.post("/signup", tc.form)
			if p.status != tc.status {
				t.Fatalf("status %d, want %d\n%s", p.status, tc.status, p.body)
			}
			mustContain(t, p, tc.want...)
			if strings.Contains(p.body, "<script>alert") {
				t.Fatal("script reflected unescaped")
			}
			if n := countUsers(t, a); n != 0 {
				t.Fatalf("%d users written after a refused sign-up", n)
			}
		})
	}
}

func TestSignUpWithATakenAddressCreatesNothing(t *testing.T) {
	a := newTestApp(t)
	a.browser().signUp("Ana", "ana@example.com")
	b := a.browser()
	b.get("/signup")
	p := b.post("/signup", url.Values{"name": {"Other"}, "email": {"ANA@example.com"}, "password": {"another one"}})
	if p.status != http.StatusConflict {
		t.Fatalf("status %d, want 409", p.status)
	}
	if n := countUsers(t, a); n != 1 {
		t.Fatalf("%d users, want 1", n)
	}
}

func TestAForgedSessionCookieIsAStranger(t *testing.T) {
	a := newTestApp(t)
	b := a.browser()
	u, _ := url.Parse(a.http.URL)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: sessionName, Value: "MTIzNDU2Nzg5MA==|forged|abc"}})
	p := b.get("/progress")
	if p.status != http.StatusSeeOther {
		t.Fatalf("forged session reached /progress: %d", p.status)
	}
	if p := b.get("/"); p.status != http.StatusOK || strings.Contains(p.body, "Sign out") {
		t.Fatalf("home with a forged cookie: %d, signed in: %v", p.status, strings.Contains(p.body, "Sign out"))
	}
}

func TestSafeNextKeepsRedirectsOnSite(t *testing.T) {
	for in, want := range map[string]string{
		"/progress": "/progress", "": "/", "https://evil.example": "/", "//evil.example": "/",
		"/\\evil.example": "/", "javascript:alert(1)": "/", "progress": "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSessionsExpire(t *testing.T) {
	a := newTestApp(t)
	b := a.browser()
	b.signUp("Ana", "ana@example.com")
	a.clock.Set(day1.Add(sessionMaxAge - time.Minute))
	if p := b.get("/progress"); p.status != http.StatusOK {
		t.Fatalf("just before expiry: %d", p.status)
	}
	a.clock.Set(day1.Add(sessionMaxAge + time.Minute))
	if p := b.get("/progress"); p.status != http.StatusSeeOther {
		t.Fatalf("after expiry: %d, want a redirect to sign in", p.status)
	}
}
