package server

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// hostilePayloads are values an attacker types into any field.
var hostilePayloads = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
	`' OR '1'='1`,
	`'; DROP TABLE users; --`,
	`../../../../etc/passwd`,
	"\xff\xfe\xfd",
	strings.Repeat("A", 10000),
	"a\x00b",
	"a\r\nSet-Cookie: owned=1",
	`{{.User.PasswordHash}}`,
	`javascript:alert(1)`,
}

// tableCounts returns the number of rows in every table a request could change.
func tableCounts(t testing.TB, a *testApp) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, table := range []string{"users", "lesson_progresses", "quiz_attempts", "scenario_runs", "scenario_steps"} {
		var n int64
		if err := a.store.DB().Table(table).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

type hostileCase struct {
	name          string
	method, path  string
	form          url.Values // sent form-encoded with the browser's CSRF token unless csrf is set
	body, ctype   string     // a raw body instead of form
	cookie        *http.Cookie
	mayChangeRows bool // the request is legitimate in shape and may write (its output must still be safe)
}

// TestHostileInput sends well over a hundred hostile requests across every form and URL. Each
// must get a 4xx or a safe 2xx/3xx, never a 5xx; no payload may come back unescaped; and a
// refused request changes no row.
func TestHostileInput(t *testing.T) {
	a := newTestApp(t)
	b := a.browser()
	b.signUp("Ana", "ana@example.com")
	b.get("/")
	q := a.part1().Quizzes[0]
	sc := a.part1().Scenarios[0]
	quiz, conv := part1+"/quiz/"+q.ID, part1+"/conversation/"+sc.ID

	var cases []hostileCase
	for _, p := range hostilePayloads {
		cases = append(cases,
			hostileCase{name: "signup name", method: "POST", path: "/signup", form: url.Values{"name": {p}, "email": {"not-an-email"}, "password": {"correct horse"}}},
			hostileCase{name: "signup email", method: "POST", path: "/signup", form: url.Values{"name": {"X"}, "email": {p}, "password": {"correct horse"}}},
			hostileCase{name: "signup password", method: "POST", path: "/signup", form: url.Values{"name": {"X"}, "email": {"x"}, "password": {p}}},
			hostileCase{name: "login email", method: "POST", path: "/login", form: url.Values{"email": {p}, "password": {"x"}}},
			hostileCase{name: "quiz answer", method: "POST", path: quiz, form: url.Values{"version": {q.Hash}, "q-" + q.Questions[0].ID: {p}}},
			hostileCase{name: "quiz version", method: "POST", path: quiz, form: url.Values{"version": {p}}},
			hostileCase{name: "reply choice", method: "POST", path: conv, form: url.Values{"step": {"0"}, "choice": {p}}},
			hostileCase{name: "reply step", method: "POST", path: conv, form: url.Values{"step": {p}, "choice": {"0"}}},
			hostileCase{name: "course slug", method: "GET", path: "/courses/" + url.PathEscape(p)},
			hostileCase{name: "lesson slug", method: "GET", path: "/courses/difficult-customers/" + url.PathEscape(p)},
			hostileCase{name: "quiz id", method: "GET", path: part1 + "/quiz/" + url.PathEscape(p)},
			hostileCase{name: "attempt id", method: "GET", path: quiz + "/attempts/" + url.PathEscape(p)},
			hostileCase{name: "next", method: "GET", path: "/login?next=" + url.QueryEscape(p)},
		)
	}
	for _, path := range []string{"/signup", "/login", quiz, conv, conv + "/restart", part1 + "/complete", "/logout"} {
		cases = append(cases,
			hostileCase{name: "missing CSRF", method: "POST", path: path, form: url.Values{"csrf": {""}}},
			hostileCase{name: "wrong CSRF", method: "POST", path: path, form: url.Values{"csrf": {"forged-token"}}},
			hostileCase{name: "JSON body", method: "POST", path: path, body: `{"csrf":"x","name":"<script>"}`, ctype: "application/json"},
			hostileCase{name: "garbled multipart", method: "POST", path: path, body: "--x\r\n\x00\x01", ctype: "multipart/form-data; boundary=x"},
			hostileCase{name: "huge body", method: "POST", path: path, body: "a=" + strings.Repeat("b", 3<<20), ctype: "application/x-www-form-urlencoded"},
			hostileCase{name: "PUT", method: "PUT", path: path},
			hostileCase{name: "DELETE", method: "DELETE", path: path},
		)
	}
	for _, v := range []string{"garbage", base64.StdEncoding.EncodeToString([]byte("uid=1")), strings.Repeat("x", 4000), "MTIz|forged|c2ln"} {
		cases = append(cases,
			hostileCase{name: "forged session on progress", method: "GET", path: "/progress", cookie: &http.Cookie{Name: sessionName, Value: v}},
			hostileCase{name: "forged session on quiz", method: "POST", path: quiz, form: url.Values{"version": {q.Hash}}, cookie: &http.Cookie{Name: sessionName, Value: v}},
		)
	}
	cases = append(cases,
		hostileCase{name: "a quiz asked for under another lesson", method: "GET", path: "/courses/difficult-customers/types-of-difficult-customers/quiz/" + q.ID},
		hostileCase{name: "an attempt id past int64", method: "GET", path: quiz + "/attempts/99999999999999999999999"},
		hostileCase{name: "a bad escape in the path", method: "GET", path: "/courses/%ff"},
	)
	if len(cases) < 100 {
		t.Fatalf("only %d hostile cases", len(cases))
	}

	for _, tc := range cases {
		before := tableCounts(t, a)
		var req *http.Request
		if tc.form != nil {
			if _, set := tc.form["csrf"]; !set {
				tc.form.Set("csrf", b.csrf)
			}
			req, _ = http.NewRequest(tc.method, a.http.URL+tc.path, strings.NewReader(tc.form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req, _ = http.NewRequest(tc.method, a.http.URL+tc.path, strings.NewReader(tc.body))
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
		}
		client := b
		if tc.cookie != nil {
			client = a.browser() // a stranger holding only the forged cookie
			req.AddCookie(tc.cookie)
		}
		p := client.do(req)
		label := tc.method + " " + tc.name + " " + truncate(tc.path, 60)
		if p.status >= 500 {
			t.Errorf("%s: status %d", label, p.status)
		}
		for _, raw := range []string{"<script>alert(1)</script>", `<img src=x onerror=alert(1)>`} {
			if strings.Contains(p.body, raw) {
				t.Errorf("%s: payload reflected unescaped", label)
			}
		}
		if strings.Contains(p.header.Get("Set-Cookie"), "owned") || p.header.Get("owned") != "" {
			t.Errorf("%s: header injection", label)
		}
		if after := tableCounts(t, a); !tc.mayChangeRows && p.status != http.StatusSeeOther {
			for table, n := range after {
				if n != before[table] {
					t.Errorf("%s: refused (%d) but %s went from %d to %d rows", label, p.status, table, before[table], n)
				}
			}
		}
	}
	t.Logf("%d hostile requests sent", len(cases))
	if p := b.get("/login?next=" + url.QueryEscape("https://evil.example/")); strings.Contains(p.body, "evil.example") {
		t.Error("an off-site next was kept in the sign-in form")
	}
}

// TestStoredPayloadsAreEscaped stores script in a name, the one free-text field a trainee owns,
// and checks every page that shows it escapes it.
func TestStoredPayloadsAreEscaped(t *testing.T) {
	a := newTestApp(t)
	b := a.browser()
	b.signUp(`<script>alert(1)</script>`, "x@example.com")
	for _, path := range []string{"/", "/progress", part1} {
		p := b.get(path)
		if strings.Contains(p.body, "<script>alert(1)</script>") {
			t.Errorf("%s shows the stored name unescaped", path)
		}
	}
	mustContain(t, b.get("/"), "&lt;script&gt;alert(1)&lt;/script&gt;")
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
