package server

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"rapport/courses"
	"rapport/server/store"
	"rapport/static"
	"rapport/templates"
)

// pages holds every page template, each parsed at start with the layout and the partials.
type pages struct{ byName map[string]*template.Template }

// view is what every page template receives: the site-wide parts and the page's own data.
type view struct {
	Title   string
	User    *store.User
	CSRF    string
	Flashes []string
	Path    string
	Data    any
	Splice  *spliceList // lesson prose to splice in (spliced.go)
}

func templateFuncs(assets *static.Assets) template.FuncMap {
	return template.FuncMap{
		"asset": assets.Path,
		// One URL per call, built where the handlers build theirs, not in pieces.
		"lessonURL":   lessonURL,
		"quizURL":     quizURL,
		"scenarioURL": scenarioURL,
		"moodLabel":   courses.MoodLabel,
		"inc":         func(i int) int { return i + 1 },
		"signed":      func(i int) string { return fmt.Sprintf("%+d", i) },
		"plural": func(n int, one, many string) string {
			if n == 1 {
				return one
			}
			return many
		},
	}
}

func parsePages(assets *static.Assets) (*pages, error) {
	fsys := templates.FS()
	base, err := template.New("layout.html").Funcs(templateFuncs(assets)).ParseFS(fsys, "layout.html", "partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	names, err := fs.Glob(fsys, "pages/*.html")
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, n := range names {
		t, err := template.Must(base.Clone()).ParseFS(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
		p.byName[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	return p, nil
}

// render writes a page in the site's layout. The page is executed into a buffer first, so a
// template error becomes a clean error page instead of half a page.
func (s *Server) render(c echo.Context, status int, name, title string, data any) error {
	t, ok := s.pages.byName[name]
	if !ok {
		return fmt.Errorf("render: no page %q", name)
	}
	csrf, _ := c.Get(ctxCSRF).(string)
	v := view{Title: title, User: currentUser(c), CSRF: csrf, Path: c.Request().URL.Path, Data: data}
	if c.Request().Method == http.MethodGet {
		v.Flashes = s.takeFlashes(c)
	}
	buf := renderBufs.Get().(*bytes.Buffer)
	defer putRenderBuf(buf)
	v.Splice = &spliceList{page: buf}
	if packed := s.prose.Load(); packed != nil {
		v.Splice.packed = *packed
	}
	if err := t.ExecuteTemplate(buf, "layout.html", v); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	if len(v.Splice.at) > 0 {
		return writeSpliced(c, status, v.Splice)
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// renderBufs keeps page buffers between requests: a lesson page is some 13 KB, and growing a
// new buffer to that size, doubling from nothing, cost more than a tenth of the page's time.
var renderBufs = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 32<<10)) }}

func putRenderBuf(b *bytes.Buffer) {
	if b.Cap() > 256<<10 { // an unusually large page: let it go rather than pin it
		return
	}
	b.Reset()
	renderBufs.Put(b)
}
