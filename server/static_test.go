package server

import (
	"compress/gzip"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestStaticFilesHaveHashedNamesAndLongCaching(t *testing.T) {
	a := newTestApp(t)
	home := a.browser().get("/")
	css := regexp.MustCompile(`href="(/static/style\.[0-9a-f]{12}\.css)"`).FindStringSubmatch(home.body)
	js := regexp.MustCompile(`src="(/static/app\.[0-9a-f]{12}\.js)"`).FindStringSubmatch(home.body)
	if css == nil || js == nil {
		t.Fatalf("page does not link hashed assets:\n%s", home.body)
	}
	res, err := http.Get(a.http.URL + css[1])
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("stylesheet: %d, Cache-Control %q, Content-Type %q", res.StatusCode, res.Header.Get("Cache-Control"), res.Header.Get("Content-Type"))
	}
	if p := a.browser().get("/static/style.000000000000.css"); p.status != http.StatusNotFound {
		t.Fatalf("an unknown hash: %d, want 404", p.status)
	}
}

// gunzipGet fetches path asking for gzip, checks the answer's status and encoding, and
// returns the body uncompressed (gzip.Reader checks the CRC and length at the end).
func gunzipGet(t *testing.T, a *testApp, path string, status int) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, a.http.URL+path, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != status || res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("%s: %d, Content-Encoding %q; want %d, gzip", path, res.StatusCode, res.Header.Get("Content-Encoding"), status)
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return string(body)
}

func TestTextIsGzippedAndPagesStaySmall(t *testing.T) {
	a := newTestApp(t)
	body := gunzipGet(t, a, part1, http.StatusOK)
	if !strings.Contains(body, "Why difficult customers matter") || len(body) > 100<<10 {
		t.Fatalf("lesson page: %d bytes uncompressed (limit 100 KB)", len(body))
	}
	if css := gunzipGet(t, a, regexp.MustCompile(`/static/style\.[0-9a-f]{12}\.css`).FindString(body), http.StatusOK); !strings.Contains(css, "{") {
		t.Fatalf("stylesheet uncompressed:\n%.200s", css)
	}
}
