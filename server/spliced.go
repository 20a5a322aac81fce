package server

import (
	"bytes"
	"html/template"
	"strconv"
	"sync"

	"github.com/labstack/echo/v4"

	"rapport/courses"
	"rapport/gzsplice"
)

// A lesson page is some 13 KB, nine tenths of it the lesson's prose, the same for every
// trainee. Compressing all of it on every request was the largest cost of a lesson page, so
// the prose is compressed once when content loads (packProse) and spliced into each answer's
// gzip stream; only the page around it is written per request.
//
// The lesson template writes prose through {{$.Splice.Prose $lesson $i}}, which writes nothing
// into the page but notes where the prose belongs. Templates write each piece of text to their
// writer as they reach it, so the page buffer's length at that moment is that place.

// packedProse holds, for each lesson, its body's runs of prose compressed for splicing, by
// their index in Lesson.Body (nil where an activity sits). One is made per loaded catalog.
type packedProse map[*courses.Lesson][]*gzsplice.Block

func packProse(cat *courses.Catalog) packedProse {
	packed, packer := packedProse{}, gzsplice.NewPacker()
	for _, c := range cat.Courses {
		for _, l := range c.Lessons {
			runs := make([]*gzsplice.Block, len(l.Body))
			for i, seg := range l.Body {
				if seg.Quiz == nil && seg.Scenario == nil {
					runs[i] = packer.Pack([]byte(seg.HTML))
				}
			}
			packed[l] = runs
		}
	}
	return packed
}

// spliceList is one render's prose: where each run goes in the page buffer, and the run.
type spliceList struct {
	page   *bytes.Buffer
	packed packedProse
	at     []int
	runs   []*gzsplice.Block
}

// Prose places run i of the lesson's body here (i comes from ranging over lesson.Body). A run
// with no packed form (a lesson from a catalog swapped in during this render) is written into
// the page as it is.
func (l *spliceList) Prose(lesson *courses.Lesson, i int) template.HTML {
	if runs := l.packed[lesson]; i < len(runs) && runs[i] != nil {
		l.at = append(l.at, l.page.Len())
		l.runs = append(l.runs, runs[i])
		return ""
	}
	return lesson.Body[i].HTML
}

// writeSpliced sends a page with prose to place: gzipped with the prose spliced in when the
// client takes gzip, otherwise as plain HTML with the prose copied in. The Content-Encoding
// tells compressAnswers to leave the answer alone.
func writeSpliced(c echo.Context, status int, l *spliceList) error {
	out := renderBufs.Get().(*bytes.Buffer)
	defer putRenderBuf(out)
	if takes, _ := c.Get(ctxGzip).(bool); !takes {
		l.writeTo(plainSplicer{out})
		return c.HTMLBlob(status, out.Bytes())
	}
	zw := spliceWriters.Get().(*gzsplice.Writer)
	defer spliceWriters.Put(zw)
	zw.Reset(out)
	l.writeTo(zw) // into a bytes.Buffer: errors only come back from Close
	if err := zw.Close(); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentEncoding, "gzip")
	h.Set(echo.HeaderContentLength, strconv.Itoa(out.Len()))
	return c.Blob(status, echo.MIMETextHTMLCharsetUTF8, out.Bytes())
}

// splicer is what the page is written to: a gzsplice.Writer, or plainSplicer.
type splicer interface {
	Write([]byte) (int, error)
	Splice(*gzsplice.Block) error
}

// writeTo writes the page with each run of prose in its place.
func (l *spliceList) writeTo(w splicer) {
	page, last := l.page.Bytes(), 0
	for i, at := range l.at {
		w.Write(page[last:at])
		w.Splice(l.runs[i])
		last = at
	}
	w.Write(page[last:])
}

// plainSplicer copies each run's text in, for clients that do not take gzip.
type plainSplicer struct{ *bytes.Buffer }

func (p plainSplicer) Splice(b *gzsplice.Block) error {
	_, err := p.Buffer.Write(b.Raw())
	return err
}

// The page around the prose (about 3 KB: the header, the activity cards, the forms) goes out
// stored. Measured on part 1 under the load tool (docs/performance.md): deflating it at level
// 1 made the answer 6.3 KB instead of 8.3 KB (the whole page deflated at level 1 is 5.9 KB),
// for about a quarter more server CPU per page. 2 KB is a sliver of one round trip; a quarter
// of the CPU is a quarter more trainees per box.
var spliceWriters = sync.Pool{New: func() any { return gzsplice.NewWriter(nil) }}
