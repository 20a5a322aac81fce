package server

import (
	"bytes"
	"context"
	"html/template"
	"sort"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"rapport/courses"
	"rapport/server/store"
)

// draftCheck is what the editor shows beside a draft: the rendered preview, lint's messages
// at their lines of this document, and problems the draft causes in other documents (a link
// to a lesson that no longer exists, say).
type draftCheck struct {
	Preview   []previewBlock
	ProseOnly bool // lint failed, so the preview is the markdown alone, without activities
	Problems  []courses.Problem
	Elsewhere []courses.Problem
	Source    []sourceLine
}

// previewBlock is rendered prose, or a placeholder naming an activity.
type previewBlock struct {
	HTML     template.HTML
	Activity string
}

// sourceLine is a line of the draft shown with lint's messages beside it.
type sourceLine struct {
	N    int
	Text string
	Msgs []string
	Gap  bool // lines were skipped before this one
}

// OK reports whether the draft passes lint.
func (d draftCheck) OK() bool { return len(d.Problems)+len(d.Elsewhere) == 0 }

// preview markdown is sanitised as well as rendered with raw HTML off: the preview shows what
// an author typed a moment ago, so it gets both belts.
var (
	previewPolicy = sync.OnceValue(bluemonday.UGCPolicy)
	proseMarkdown = sync.OnceValue(func() goldmark.Markdown {
		return goldmark.New(goldmark.WithExtensions(extension.GFM, extension.Typographer))
	})
)

// checkDraft loads the published content with this document replaced by the draft, exactly as
// publishing would, and renders the document's preview.
func (s *Server) checkDraft(ctx context.Context, doc *store.Document, body string) (draftCheck, error) {
	files, _, err := s.store.PublishedFiles(ctx)
	if err != nil {
		return draftCheck{}, err
	}
	files[doc.Path] = body
	cat, problems := courses.Load(filesFS(files))
	var d draftCheck
	for _, p := range problems {
		if p.File == doc.Path {
			d.Problems = append(d.Problems, p)
		} else {
			d.Elsewhere = append(d.Elsewhere, p)
		}
	}
	d.Source = sourceWithProblems(body, d.Problems)
	if l := lessonAt(cat, doc.Path); l != nil {
		for _, seg := range l.Body {
			switch {
			case seg.Quiz != nil:
				d.Preview = append(d.Preview, previewBlock{Activity: "Quiz: " + quizTitle(seg.Quiz) + " (" + itoa(len(seg.Quiz.Questions)) + " questions)"})
			case seg.Scenario != nil:
				d.Preview = append(d.Preview, previewBlock{Activity: "Conversation: " + seg.Scenario.Title + ", with " + seg.Scenario.Customer})
			default:
				d.Preview = append(d.Preview, previewBlock{HTML: sanitise(string(seg.HTML))})
			}
		}
		return d, nil
	}
	d.ProseOnly = cat == nil
	var buf bytes.Buffer
	if err := proseMarkdown().Convert([]byte(stripFrontMatter(body)), &buf); err != nil {
		return d, err
	}
	d.Preview = []previewBlock{{HTML: sanitise(buf.String())}}
	return d, nil
}

// sanitise returns policy-cleaned HTML, which is what makes it safe to mark as template.HTML.
func sanitise(s string) template.HTML { return template.HTML(previewPolicy().Sanitize(s)) }

func lessonAt(cat *courses.Catalog, path string) *courses.Lesson {
	if cat == nil {
		return nil
	}
	for _, c := range cat.Courses {
		for _, l := range c.Lessons {
			if l.File == path {
				return l
			}
		}
	}
	return nil
}

// stripFrontMatter drops the leading "---" block, if it is closed.
func stripFrontMatter(body string) string {
	rest, ok := strings.CutPrefix(body, "---\n")
	if !ok {
		return body
	}
	if i := strings.Index(rest, "\n---\n"); i >= 0 {
		return rest[i+5:]
	}
	return body
}

// sourceWithProblems returns the lines around each problem, two either side, with the
// messages on their lines.
func sourceWithProblems(body string, problems []courses.Problem) []sourceLine {
	if len(problems) == 0 {
		return nil
	}
	lines := strings.Split(body, "\n")
	msgs := map[int][]string{}
	show := map[int]bool{}
	for _, p := range problems {
		n := min(max(p.Line, 1), len(lines))
		msgs[n] = append(msgs[n], p.Msg)
		for i := max(n-2, 1); i <= min(n+2, len(lines)); i++ {
			show[i] = true
		}
	}
	nums := make([]int, 0, len(show))
	for n := range show {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	out := make([]sourceLine, 0, len(nums))
	for i, n := range nums {
		out = append(out, sourceLine{N: n, Text: lines[n-1], Msgs: msgs[n], Gap: i > 0 && nums[i-1] != n-1})
	}
	return out
}
