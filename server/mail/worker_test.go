package mail

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"rapport/server/store"
	"rapport/templates"
)

func TestRetryDoublesUpToTheCapAndGivesUpAfterAboutSixHours(t *testing.T) {
	r := DefaultRetry
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 32 * time.Minute, 64 * time.Minute, 2 * time.Hour, 2 * time.Hour}
	var total time.Duration
	for i, w := range want {
		if got := r.After(i + 1); got != w {
			t.Errorf("after attempt %d: %v, want %v", i+1, got, w)
		}
		total += w
	}
	if r.Max != len(want)+1 || total < 6*time.Hour || total > 7*time.Hour {
		t.Fatalf("%d attempts over %v", r.Max, total)
	}
}

func TestTemplatesRenderEveryMailWithItsUnsubscribeLink(t *testing.T) {
	tpl, err := ParseTemplates(templates.FS())
	if err != nil {
		t.Fatal(err)
	}
	data := map[string]any{
		"SiteURL": "https://rapport.example", "Email": "a@example.com",
		"ConfirmURL": "https://rapport.example/subscribe/confirm?token=C", "UnsubscribeURL": "https://rapport.example/unsubscribe?token=U",
		"Lesson": map[string]any{"CourseTitle": "Difficult customers", "Title": "Resolving <it>", "Summary": "S", "URL": "https://rapport.example/l", "Part": 5},
	}
	for _, name := range []string{"confirm", "notify"} {
		r, err := tpl.Render(name, data)
		if err != nil {
			t.Fatal(err)
		}
		for _, body := range []string{r.Text, r.HTML} {
			if !strings.Contains(body, "https://rapport.example/unsubscribe?token=U") || !strings.Contains(body, "never share or sell") {
				t.Errorf("%s lacks the unsubscribe link or the promise:\n%s", name, body)
			}
		}
		if r.Subject == "" || strings.ContainsAny(r.Subject, "\r\n") {
			t.Errorf("%s subject %q", name, r.Subject)
		}
	}
	r, _ := tpl.Render("notify", data)
	if !strings.Contains(r.HTML, "Resolving &lt;it&gt;") || !strings.Contains(r.Subject, "Part 5") {
		t.Fatalf("notify: subject %q, html escapes titles? %s", r.Subject, r.HTML)
	}
}

func TestBuildMsgRefusesHeaderInjection(t *testing.T) {
	m := &store.OutboxMessage{MessageID: "x@example.com", Recipient: "a@example.com", Subject: "s", TextBody: "t"}
	cases := map[string]func(){
		"a recipient with a line break": func() { m.Recipient = "a@example.com\r\nBcc: evil@example.com" },
		"a header value with a line break": func() {
			_ = m.SetHeaders(map[string]string{"List-Unsubscribe": "<https://x>\r\nBcc: evil@example.com"})
		},
		"a header name with a colon": func() { _ = m.SetHeaders(map[string]string{"X-A: b": "c"}) },
	}
	for name, spoil := range cases {
		t.Run(name, func(t *testing.T) {
			m.Recipient, m.Headers = "a@example.com", ""
			spoil()
			if _, err := buildMsg(m, "news@example.com", time.Now()); err == nil {
				t.Fatal("built")
			}
		})
	}
	m.Recipient, m.Headers = "a@example.com", ""
	_ = m.SetHeaders(map[string]string{"List-Unsubscribe": "<https://x/u?token=T>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
	msg, err := buildMsg(m, "news@example.com", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"List-Unsubscribe: <https://x/u?token=T>", "List-Unsubscribe-Post: List-Unsubscribe=One-Click", "Message-ID: <x@example.com>"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("message lacks %q:\n%s", want, buf.String())
		}
	}
}
