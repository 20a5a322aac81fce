package gzsplice

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkPage writes a lesson-shaped page, four runs of live HTML around three spliced
// blocks of prose: every run deflated at level 1, runs of 1 KB and more deflated, every run
// stored.
func BenchmarkPage(b *testing.B) {
	card := `<aside class="activity card" aria-label="Quiz"><h2>Check your understanding</h2><p>5 questions, with feedback on every answer.</p><p><a class="button" href="/courses/difficult-customers/why-difficult-customers-matter/quiz/q1">Take the quiz</a></p></aside>`
	head := `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Why difficult customers matter · Rapport</title><link rel="stylesheet" href="/static/style.46c2748d0923.css"></head><body><header class="site"><nav aria-label="Main"><a class="brand" href="/">Rapport</a><ul><li><a href="/progress">Your progress</a></li><li><form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="OBJTyjTicFgFeJLpmKYhpUrhQsGkzngY"><button type="submit" class="link">Sign out</button></form></li></ul></nav></header><main id="main"><article class="lesson"><h1>Why difficult customers matter</h1><div class="prose">`
	tail := `</div><form method="post" action="/courses/difficult-customers/why-difficult-customers-matter/complete" class="complete"><input type="hidden" name="csrf" value="OBJTyjTicFgFeJLpmKYhpUrhQsGkzngY"><button type="submit">Mark this part complete</button></form>` + strings.Repeat(card, 2) + `</article></main></body></html>`
	prose := strings.Repeat("<p>The customer is not always right, but should never be made to feel wrong: acknowledge, then act.</p>\n", 40)
	live := []string{head, card, card, tail}
	blocks := []*Block{pack([]byte(prose)), pack([]byte(prose[:2000])), pack([]byte(prose[:1000]))}
	for _, minDeflate := range []int{0, 1024, 1 << 30} {
		b.Run(fmt.Sprintf("MinDeflate=%d", minDeflate), func(b *testing.B) {
			var out bytes.Buffer
			w, _ := NewWriter(&out, 1)
			w.MinDeflate = minDeflate
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
		})
	}
}
