package courses

import (
	"bytes"
	"html/template"
	"net/url"
	"path"
	"strings"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// markdown is built once: goldmark is immutable after configuration and safe to share. Raw HTML
// stays off (goldmark's default), so an author's markdown can never inject script.
type markdown struct{ md goldmark.Markdown }

var renderer = sync.OnceValue(func() markdown {
	return markdown{goldmark.New(
		goldmark.WithExtensions(extension.GFM, extension.Typographer),
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
	)}
})

func newDoc(src []byte) ast.Node {
	return renderer().md.Parser().Parse(text.NewReader(src))
}

// activityLang reports whether a fenced block holds a quiz or a conversation.
func activityLang(n ast.Node, src []byte) string {
	fb, ok := n.(*ast.FencedCodeBlock)
	if !ok {
		return ""
	}
	switch lang := string(fb.Language(src)); lang {
	case "quiz", "scenario":
		return lang
	}
	return ""
}

// render turns the document into segments of HTML, split where quizzes and conversations sit,
// and counts the words of prose. Each top-level block is rendered on its own so an activity
// can stand between two runs of HTML.
func (m markdown) render(src []byte, doc ast.Node, l *Lesson) ([]Segment, int) {
	var segs []Segment
	var buf bytes.Buffer
	words := 0
	flush := func() {
		if buf.Len() > 0 {
			segs = append(segs, Segment{HTML: template.HTML(buf.String())})
			buf.Reset()
		}
	}
	quizzes, scenarios := 0, 0
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		// An activity outside a lesson (in course.md, say) is shown as plain code.
		switch lang := activityLang(n, src); {
		case l != nil && lang == "quiz" && quizzes < len(l.Quizzes):
			flush()
			segs = append(segs, Segment{Quiz: l.Quizzes[quizzes]})
			quizzes++
			continue
		case l != nil && lang == "scenario" && scenarios < len(l.Scenarios):
			flush()
			segs = append(segs, Segment{Scenario: l.Scenarios[scenarios]})
			scenarios++
			continue
		}
		words += countWords(n, src)
		_ = m.md.Renderer().Render(&buf, src, n) // writes to a bytes.Buffer cannot fail
	}
	flush()
	return segs, words
}

func joinHTML(segs []Segment) template.HTML {
	var b strings.Builder
	for _, s := range segs {
		b.WriteString(string(s.HTML))
	}
	return template.HTML(b.String())
}

func countWords(n ast.Node, src []byte) int {
	count := 0
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if t, ok := c.(*ast.Text); ok && entering {
			count += len(strings.Fields(string(t.Segment.Value(src))))
		}
		return ast.WalkContinue, nil
	})
	return count
}

// lineOf returns the 1-based line of a byte offset.
func lineOf(src []byte, off int) int { return bytes.Count(src[:off], []byte("\n")) + 1 }

// blockLine returns the first line of the block holding n.
func blockLine(n ast.Node, src []byte) int {
	for ; n != nil; n = n.Parent() {
		if n.Type() == ast.TypeBlock && n.Lines().Len() > 0 {
			return lineOf(src, n.Lines().At(0).Start)
		}
	}
	return 1
}

// parseActivities decodes every quiz and scenario block of the lesson, in order.
func parseActivities(l *Lesson, src []byte, doc ast.Node, p problems) {
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		lang := activityLang(n, src)
		if lang == "" {
			continue
		}
		fb := n.(*ast.FencedCodeBlock)
		var body strings.Builder
		for i := range fb.Lines().Len() {
			seg := fb.Lines().At(i)
			body.Write(seg.Value(src))
		}
		first := lineOf(src, fb.Info.Segment.Start) + 1
		switch lang {
		case "quiz":
			q := &Quiz{Lesson: l, Hash: contentHash(body.String()), Line: first}
			if decodeYAML(body.String(), first, q, p) {
				q.Line = first
				lintQuiz(q, p)
			}
			l.Quizzes = append(l.Quizzes, q)
		case "scenario":
			s := &Scenario{Lesson: l, Hash: contentHash(body.String()), Line: first}
			if decodeYAML(body.String(), first, s, p) {
				s.Line = first
				lintScenario(s, p)
			}
			l.Scenarios = append(l.Scenarios, s)
		}
	}
}

// checkLinks rewrites links to lesson files into lesson URLs and reports links to lessons
// that do not exist.
func checkLinks(pl *parsedLesson, pc *parsedCourse, cat *Catalog, p problems) {
	_ = ast.Walk(pl.doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		link, ok := n.(*ast.Link)
		if !entering || !ok {
			return ast.WalkContinue, nil
		}
		dest := string(link.Destination)
		u, err := url.Parse(dest)
		if err != nil || u.Scheme != "" || u.Host != "" {
			return ast.WalkContinue, nil
		}
		frag := ""
		if u.Fragment != "" {
			frag = "#" + u.Fragment
		}
		switch {
		case strings.HasSuffix(u.Path, ".md"):
			target, ok := pc.byFile[path.Base(u.Path)]
			if !ok {
				p.add(blockLine(n, pl.src), "link to a lesson that does not exist: %s", dest)
				break
			}
			link.Destination = []byte("/courses/" + pc.course.Slug + "/" + target.Slug + frag)
		case strings.HasPrefix(u.Path, "/courses/"):
			parts := strings.Split(strings.Trim(strings.TrimPrefix(u.Path, "/courses/"), "/"), "/")
			c, ok := cat.Course(parts[0])
			if ok && len(parts) > 1 {
				_, ok = c.Lesson(parts[1])
			}
			if !ok {
				p.add(blockLine(n, pl.src), "link to a lesson that does not exist: %s", dest)
			}
		}
		return ast.WalkContinue, nil
	})
}
