package gzsplice

import (
	"bytes"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
)

// BenchmarkPage writes a lesson-shaped page, four runs of live HTML around three spliced
// blocks of prose; BenchmarkPageWhole compresses the same page whole at level 1 with
// klauspost's gzip, as compressAnswers would. The CPU is the comparison; the byte counts are
// not, since this prose repeats one sentence (docs/performance.md has a real lesson's sizes).
func BenchmarkPage(b *testing.B) {
	live, blocks := benchPage()
	var out bytes.Buffer
	w := NewWriter(&out)
	for b.Loop() {
		out.Reset()
		w.Reset(&out)
		for i, s := range live {
			w.Write([]byte(s))
			if i < len(blocks) {
				w.Splice(blocks[i])
			}
		}
		w.Close()
	}
	b.ReportMetric(float64(out.Len()), "bytes")
}

func BenchmarkPageWhole(b *testing.B) {
	live, blocks := benchPage()
	var page []byte
	for i, s := range live {
		page = append(page, s...)
		if i < len(blocks) {
			page = append(page, blocks[i].Raw()...)
		}
	}
	var out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&out, 1)
	for b.Loop() {
		out.Reset()
		zw.Reset(&out)
		zw.Write(page)
		zw.Close()
	}
	b.ReportMetric(float64(out.Len()), "bytes")
}

func benchPage() (live []string, blocks []*Block) {
	card := `<aside class="activity card" aria-label="Quiz"><h2>Check your understanding</h2><p>5 questions, with feedback on every answer.</p><p><a class="button" href="/courses/difficult-customers/why-difficult-customers-matter/quiz/q1">Take the quiz</a></p></aside>`
	head := `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Why difficult customers matter · Rapport</title><link rel="stylesheet" href="/static/style.46c2748d0923.css"></head><body><header class="site"><nav aria-label="Main"><a class="brand" href="/">Rapport</a><ul><li><a href="/progress">Your progress</a></li><li><form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="OBJTyjTicFgFeJLpmKYhpUrhQsGkzngY"><button type="submit" class="link">Sign out</button></form></li></ul></nav></header><main id="main"><article class="lesson"><h1>Why difficult customers matter</h1><div class="prose">`
	tail := `</div><form method="post" action="/courses/difficult-customers/why-difficult-customers-matter/complete" class="complete"><input type="hidden" name="csrf" value="OBJTyjTicFgFeJLpmKYhpUrhQsGkzngY"><button type="submit">Mark this part complete</button></form>` + strings.Repeat(card, 2) + `</article></main></body></html>`
	prose := strings.Repeat("<p>The customer is not always right, but should never be made to feel wrong: acknowledge, then act.</p>\n", 40)
	p := NewPacker()
	return []string{head, card, card, tail}, []*Block{p.Pack([]byte(prose)), p.Pack([]byte(prose[:2000])), p.Pack([]byte(prose[:1000]))}
}
