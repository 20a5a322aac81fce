package main

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"rapport/content"
	"rapport/server/mail/mailtest"
	"rapport/server/store/storetest"
)

var confirmLinkRE = regexp.MustCompile(`https?://[^\s"<>]+/subscribe/confirm\?token=[A-Za-z0-9_-]+`)

// TestTwoInstancesOnOnePostgreSQL runs two rapport processes on one PostgreSQL database with a
// shared session key: a trainee signs in on one and carries on on the other, readers subscribe
// through either, and when a part comes out with both schedulers running, every subscriber
// gets exactly one mail about it.
func TestTwoInstancesOnOnePostgreSQL(t *testing.T) {
	if !slices.Contains(storetest.Engines(t), "postgres") {
		t.Skip("RAPPORT_TEST_POSTGRES not set")
	}
	dsn := storetest.DSN(t, "postgres")
	key := filepath.Join(t.TempDir(), "session.key")
	if _, err := loadOrCreateKey(key); err != nil {
		t.Fatal(err)
	}
	// The course with Part 5 coming out a few seconds from now.
	dir := t.TempDir()
	if err := os.CopyFS(dir, content.FS()); err != nil {
		t.Fatal(err)
	}
	part5 := filepath.Join(dir, "difficult-customers", "05-resolving-the-problem-twice.md")
	src, _ := os.ReadFile(part5)
	publish := time.Now().UTC().Add(8 * time.Second).Truncate(time.Second)
	edited := regexp.MustCompile(`(?m)^publish: .*$`).ReplaceAllString(string(src), "publish: "+publish.Format(time.RFC3339))
	writeFile(t, part5, edited)

	smtp := mailtest.Start(t)
	env := []string{"RAPPORT_SMTP_URL=" + smtp.URL(), "RAPPORT_MAIL_FROM=Rapport <news@rapport.example>"}
	args := []string{"--db", dsn, "--session-key-file", key, "--content", dir, "--notify-every", "500ms"}
	one := startProcessEnv(t, env, append(args, "--data", t.TempDir())...)
	two := startProcessEnv(t, env, append(args, "--data", t.TempDir())...)

	// Sign up on one, carry on on the other: the session cookie is good on both.
	c := newClient(t, one.addr)
	c.get("/signup")
	if code, _ := c.post("/signup", url.Values{"name": {"Ana"}, "email": {"ana@example.com"}, "password": {"correct horse"}}); code != 200 {
		t.Fatalf("sign up on instance one: %d", code)
	}
	c.base = "http://" + two.addr
	if code, body := c.get("/progress"); code != 200 || !strings.Contains(body, "Your progress") {
		t.Fatalf("instance two does not know the session: %d", code)
	}
	course := shippedCourse(t)
	l, _ := course.Lesson("why-difficult-customers-matter")
	q := l.Quizzes[0]
	c.get("/courses/difficult-customers/" + l.Slug + "/quiz/" + q.ID)
	form := url.Values{"version": {q.Hash}}
	for _, qu := range q.Questions {
		for i, ch := range qu.Choices {
			if ch.Correct {
				form.Add("q-"+qu.ID, strconv.Itoa(i))
			}
		}
	}
	if code, body := c.post("/courses/difficult-customers/"+l.Slug+"/quiz/"+q.ID, form); code != 200 || !strings.Contains(body, "You scored 100%") {
		t.Fatalf("quiz on instance two: %d", code)
	}

	// Readers subscribe through either instance and confirm through the other.
	const readers = 6
	instances := []*process{one, two}
	for i := range readers {
		r := newClient(t, instances[i%2].addr)
		r.get("/subscribe")
		if code, body := r.post("/subscribe", url.Values{"email": {fmt.Sprintf("reader%d@example.com", i)}}); code != 200 {
			t.Fatalf("subscribe reader %d: %d\n%s", i, code, body)
		}
	}
	eventually(t, "the confirmation mails", func() bool { return len(smtp.Received()) >= readers })
	for i, m := range smtp.Received() {
		link := confirmLinkRE.FindString(m.Text)
		if link == "" {
			t.Fatalf("no confirm link in:\n%s", m.Text)
		}
		u, _ := url.Parse(link)
		r := newClient(t, instances[(i+1)%2].addr)
		r.get(u.RequestURI())
		if code, body := r.post("/subscribe/confirm", url.Values{"token": {u.Query().Get("token")}}); code != 200 {
			t.Fatalf("confirm %s: %d\n%s", m.To, code, body)
		}
	}

	// Part 5 comes out: both schedulers run; each reader gets exactly one mail about it.
	notes := func() map[string]int {
		n := map[string]int{}
		for _, m := range smtp.Received() {
			if strings.HasPrefix(m.Header.Get("Subject"), "New in") {
				n[m.To[0]]++
			}
		}
		return n
	}
	eventually(t, "a notification for every reader", func() bool { return len(notes()) == readers })
	time.Sleep(2 * time.Second) // both schedulers tick several more times; no second copy may follow
	for who, n := range notes() {
		if n != 1 {
			t.Errorf("%s got %d mails about Part 5, want 1", who, n)
		}
	}
}
