package server

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rapport/server/store"
)

const lesson1Doc = "difficult-customers/01-why-difficult-customers-matter.md"

// docByPath finds a seeded document.
func docByPath(t *testing.T, a *testApp, path string) store.DocumentInfo {
	t.Helper()
	docs, err := a.store.Documents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		if d.Path == path {
			return d
		}
	}
	t.Fatalf("no document %s among %d", path, len(docs))
	return store.DocumentInfo{}
}

func TestTheCourseIsSeededIntoDocumentsOnFirstStart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "rapport.db")
	a := newAppOn(t, db, true)
	docs, err := a.store.Documents(context.Background())
	if err != nil || len(docs) != 8 {
		t.Fatalf("%d documents after the first start, want course.md and 7 lessons: %v", len(docs), err)
	}
	for _, d := range docs {
		if d.Draft() {
			t.Errorf("%s starts with an unpublished draft", d.Path)
		}
	}
	b := newAppOn(t, db, true) // a second start, or a second instance, seeds nothing
	again, _ := b.store.Documents(context.Background())
	if len(again) != 8 || again[0].LatestRevisionID != docs[0].LatestRevisionID {
		t.Fatalf("the second start changed the documents: %d", len(again))
	}
	if p := a.browser().get(part1); p.status != http.StatusOK {
		t.Fatalf("the seeded course does not serve part 1: %d", p.status)
	}
}

func TestDirectorsEditLintSavePublishAndRestoreALesson(t *testing.T) {
	db := filepath.Join(t.TempDir(), "rapport.db")
	a := newAppOn(t, db, true)
	other := newAppOn(t, db, true) // a second instance on the same database
	boss := a.mkUser(store.RoleDirector, "boss@example.com", "Boss")
	d := a.as(boss)
	doc := docByPath(t, a, lesson1Doc)
	edit := "/director/content/" + itoa(int(doc.ID))
	original := d.get(edit)
	mustContain(t, original, "No problems: the course passes lint with this text.", "Publish", "Revisions")
	rev, err := a.store.LatestRevision(context.Background(), doc.ID)
	if err != nil {
		t.Fatal(err)
	}
	src := rev.Body

	t.Run("the live preview renders the draft and puts lint messages at their lines", func(t *testing.T) {
		broken := strings.Replace(src, "publish: 2026-09-07", "publish: someday", 1)
		broken = strings.Replace(broken, "## What makes a customer difficult", "## What makes a customer *truly* difficult", 1)
		p := d.post(edit+"/preview", url.Values{"body": {broken}})
		if p.status != http.StatusOK {
			t.Fatalf("preview: %d\n%s", p.status, p.body)
		}
		mustContain(t, p, `<li id="L7" value="7" class="has-problem"><code>publish: someday</code>`, "Line 7: publish date",
			"What makes a customer <em>truly</em> difficult", "the preview shows the prose only")
		if strings.Contains(p.body, "<html") {
			t.Fatal("the preview answered a whole page, not the fragment")
		}
	})
	t.Run("raw HTML in the draft is never rendered", func(t *testing.T) {
		evil := src + "\n<script>alert(1)</script>\n\n[click](javascript:alert(2))\n\n<img src=x onerror=alert(3)>\n"
		p := d.post(edit+"/preview", url.Values{"body": {evil}})
		for _, bad := range []string{"<script>alert", "javascript:alert", "onerror="} {
			if strings.Contains(p.body, bad) {
				t.Fatalf("the preview holds %q", bad)
			}
		}
	})
	t.Run("the Check button shows the same without script, and saves nothing", func(t *testing.T) {
		p := d.post(edit, url.Values{"body": {strings.Replace(src, "publish: 2026-09-07", "publish: someday", 1)}, "action": {"check"}})
		mustContain(t, p, "Line 7: publish date", "publish: someday")
		if latest, _ := a.store.LatestRevision(context.Background(), doc.ID); latest.ID != rev.ID {
			t.Fatal("Check saved a revision")
		}
	})
	t.Run("a revision that fails lint is saved but not published", func(t *testing.T) {
		if p := d.post(edit, url.Values{"body": {strings.Replace(src, "publish: 2026-09-07", "publish: someday", 1)}, "action": {"save"}}); p.status != http.StatusSeeOther {
			t.Fatalf("save: %d", p.status)
		}
		d.get(edit)
		p := d.post(edit+"/publish", nil)
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("publish of a broken revision: %d, want 422", p.status)
		}
		mustContain(t, p, "Not published", "Line 7: publish date")
	})
	const newTitle = "Why hard conversations pay off"
	t.Run("a fixed revision publishes, and both instances serve it", func(t *testing.T) {
		fixed := strings.Replace(src, "title: Why difficult customers matter", "title: "+newTitle, 1)
		d.get(edit)
		if p := d.post(edit, url.Values{"body": {fixed}, "note": {"new title"}, "action": {"save"}}); p.status != http.StatusSeeOther {
			t.Fatalf("save: %d", p.status)
		}
		if p := a.browser().get(part1); strings.Contains(p.body, newTitle) {
			t.Fatal("a saved revision is live before it is published")
		}
		d.get(edit)
		if p := d.post(edit+"/publish", nil); p.status != http.StatusSeeOther {
			t.Fatalf("publish: %d\n%s", p.status, p.body)
		}
		mustContain(t, a.browser().get(part1), newTitle)
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(other.browser().get(part1).body, newTitle) {
			if time.Now().After(deadline) {
				t.Fatal("the other instance did not pick up the publication within 5 seconds")
			}
			time.Sleep(20 * time.Millisecond)
		}
		mustContain(t, d.get("/director/audit"), "document.save", "document.publish", lesson1Doc, "new title")
	})
	t.Run("an earlier revision can be viewed and restored as the newest", func(t *testing.T) {
		old := edit + "/revisions/" + itoa(int(rev.ID))
		mustContain(t, d.get(old), "title: Why difficult customers matter", "Restore this text")
		if p := d.post(old+"/restore", nil); p.status != http.StatusSeeOther {
			t.Fatalf("restore: %d", p.status)
		}
		latest, _ := a.store.LatestRevision(context.Background(), doc.ID)
		if latest.Body != src || latest.ID == rev.ID || !strings.Contains(latest.Note, "restored revision") {
			t.Fatalf("restored revision %d: note %q", latest.ID, latest.Note)
		}
		mustContain(t, a.browser().get(part1), newTitle) // restored, not yet published
	})
}

func TestFolderContentLeavesTheEditorReadOnly(t *testing.T) {
	a := newTestApp(t) // --content mode: authoring off
	boss := a.mkUser(store.RoleDirector, "boss@example.com", "Boss")
	d := a.as(boss)
	mustContain(t, d.get("/director/content"), "serves its course from a folder")
	if p := d.get("/director/content/1"); p.status != http.StatusConflict {
		t.Fatalf("editor in folder mode: %d, want 409", p.status)
	}
	if p := d.post("/director/content/1", url.Values{"body": {"x"}}); p.status != http.StatusConflict {
		t.Fatalf("save in folder mode: %d, want 409", p.status)
	}
}
