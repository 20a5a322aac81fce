package server

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// fetch gets path with the browser's cookies and the given Accept-Encoding, undoing gzip by
// hand so the CRC-32 and length in the trailer are checked.
func (b *browser) fetch(path, acceptEncoding string) (body string, header http.Header) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.app.http.URL+path, nil)
	req.Header.Set("Accept-Encoding", acceptEncoding) // set by hand: the transport decodes nothing
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		b.t.Fatalf("%s: %d, %v", path, res.StatusCode, err)
	}
	if cl := res.Header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(raw)) {
		b.t.Fatalf("Content-Length %q for %d bytes", res.Header.Get("Content-Length"), len(raw))
	}
	if res.Header.Get("Content-Encoding") != "gzip" {
		return string(raw), res.Header
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		b.t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		b.t.Fatalf("%s: gzip stream: %v", path, err)
	}
	return string(plain), res.Header
}

// A lesson page is the same page whether its prose is spliced into gzip or copied in, and
// holds every run of the lesson's prose in order, each where the template puts it.
func TestLessonProseIsSplicedIntoGzipAnswers(t *testing.T) {
	a := newTestApp(t)
	b := a.browser()
	b.signUp("Ada Splice", "ada@example.com")
	b.get(part1) // the first opening records progress; compare two pages after it

	zipped, zh := b.fetch(part1, "deflate, gzip;q=0.8")
	plain, ph := b.fetch(part1, "gzip;q=0, br")
	if zh.Get("Content-Encoding") != "gzip" || ph.Get("Content-Encoding") != "" {
		t.Fatalf("Content-Encoding %q and %q; want gzip, then none", zh.Get("Content-Encoding"), ph.Get("Content-Encoding"))
	}
	// compressAnswers streams what it compresses; only a spliced answer knows its length.
	if zh.Get("Content-Length") == "" {
		t.Fatal("the gzip page was compressed whole, not spliced")
	}
	if !strings.Contains(zh.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("Vary %q: caches must keep the two apart", zh.Values("Vary"))
	}
	if zipped != plain {
		t.Fatalf("the gzip and plain pages differ:\n%s\n---\n%s", zipped, plain)
	}

	course, _ := a.srv.Catalog().Course("difficult-customers")
	lesson := course.Lessons[0]
	at := strings.Index(zipped, "<div class=\"prose\">")
	runs := 0
	for _, seg := range lesson.Body {
		if seg.Quiz != nil || seg.Scenario != nil {
			continue
		}
		i := strings.Index(zipped[at:], string(seg.HTML))
		if at < 0 || i < 0 {
			t.Fatalf("prose run %d is missing or out of order:\n%.300s", runs, seg.HTML)
		}
		at += i + len(seg.HTML)
		runs++
	}
	if runs < 2 || !strings.Contains(zipped[at:], "Mark this part complete") {
		t.Fatalf("%d runs of prose; the page after them:\n%s", runs, zipped[at:])
	}
}

// A lesson the prose table does not know (its catalog was swapped in during the render) has
// its prose written into the page as it is, never a run from another lesson.
func TestProseFallsBackToThePageForAnUnknownLesson(t *testing.T) {
	a := newTestApp(t)
	course, _ := a.srv.Catalog().Course("difficult-customers")
	known := course.Lessons[0]
	stranger := *known // same body, another lesson
	var page bytes.Buffer
	page.WriteString("<p>before</p>")
	l := &spliceList{page: &page, packed: *a.srv.prose.Load()}
	if got := l.Prose(&stranger, 0); got != stranger.Body[0].HTML || len(l.at) != 0 {
		t.Fatalf("unknown lesson: wrote %d bytes, queued %d runs; want the run's HTML, none queued", len(got), len(l.at))
	}
	if got := l.Prose(known, 0); got != "" || len(l.at) != 1 || l.at[0] != page.Len() || string(l.runs[0].Raw()) != string(known.Body[0].HTML) {
		t.Fatalf("known lesson: wrote %q, queued at %v", got, l.at)
	}
}
