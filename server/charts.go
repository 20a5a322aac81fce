package server

import (
	"fmt"
	"html"
	"html/template"
	"strings"
	"time"
)

// Charts are drawn on the server as inline SVG: they need no script, inherit the page's
// colours (classes styled in director.css, so dark mode works), and carry a title and a
// description that say in words what the picture shows. Every figure in them is also in a
// table on the same page.

type chart struct {
	Title string
	SVG   template.HTML
}

const (
	chartW, chartH         = 640, 240
	padL, padR, padT, padB = 44, 12, 16, 40
)

// svgOpen starts a chart; text is escaped here, which is what makes the template.HTML safe.
func svgOpen(b *strings.Builder, id, title, desc string) {
	fmt.Fprintf(b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d" xmlns="http://www.w3.org/2000/svg">`, chartW, chartH, id, id)
	fmt.Fprintf(b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, html.EscapeString(title), id, html.EscapeString(desc))
}

// yAxis draws the baseline and the zero and top labels.
func yAxis(b *strings.Builder, top int) {
	fmt.Fprintf(b, `<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>`, padL, chartH-padB, chartW-padR, chartH-padB)
	fmt.Fprintf(b, `<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>`, padL, padT, padL, chartH-padB)
	fmt.Fprintf(b, `<text class="label" x="%d" y="%d" text-anchor="end">0</text>`, padL-6, chartH-padB+4)
	fmt.Fprintf(b, `<text class="label" x="%d" y="%d" text-anchor="end">%d</text>`, padL-6, padT+4, top)
}

func yFor(v, top int) float64 {
	return float64(chartH-padB) - float64(v)/float64(max(top, 1))*float64(chartH-padB-padT)
}

// completionChart plots how many parts the team had completed by the end of each of the last
// 30 days.
func completionChart(rep courseReport, now time.Time) chart {
	const days = 30
	today := now.UTC().Truncate(24 * time.Hour)
	first := today.AddDate(0, 0, -(days - 1))
	counts := make([]int, days) // completions on each day; before the window counted in base
	base := 0
	for _, tr := range rep.Trainees {
		for _, p := range tr.Parts {
			if !p.Completed || p.CompletedAt.IsZero() {
				continue
			}
			d := p.CompletedAt.UTC().Truncate(24 * time.Hour)
			switch {
			case d.Before(first):
				base++
			case !d.After(today):
				counts[int(d.Sub(first).Hours()/24)]++
			}
		}
	}
	cum := make([]int, days)
	run := base
	for i, n := range counts {
		run += n
		cum[i] = run
	}
	top := max(cum[days-1], 1)
	title := "Parts completed over the last 30 days, " + rep.Course.Title
	desc := fmt.Sprintf("Parts completed by the team in total: %d on %s, %d on %s.", cum[0], first.Format("2 Jan"), cum[days-1], today.Format("2 Jan"))
	var b strings.Builder
	svgOpen(&b, "chart-done-"+rep.Course.Slug, title, desc)
	yAxis(&b, top)
	step := float64(chartW-padL-padR) / float64(days-1)
	var pts []string
	for i, v := range cum {
		x, y := float64(padL)+float64(i)*step, yFor(v, top)
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
		fmt.Fprintf(&b, `<circle class="dot" cx="%.1f" cy="%.1f" r="3"><title>%s: %d</title></circle>`, x, y, first.AddDate(0, 0, i).Format("2 Jan"), v)
	}
	fmt.Fprintf(&b, `<polyline class="line" points="%s"/>`, strings.Join(pts, " "))
	for _, i := range []int{0, days / 2, days - 1} {
		fmt.Fprintf(&b, `<text class="label" x="%.1f" y="%d" text-anchor="middle">%s</text>`, float64(padL)+float64(i)*step, chartH-padB+18, first.AddDate(0, 0, i).Format("2 Jan"))
	}
	b.WriteString(`</svg>`)
	return chart{Title: title, SVG: template.HTML(b.String())} // every text above is escaped or a number
}

// scoreBuckets counts best quiz scores in tens: 0-9, 10-19, ... 90-100.
func scoreBuckets(rep courseReport) [10]int {
	var n [10]int
	for _, tr := range rep.Trainees {
		for _, p := range tr.Parts {
			if p.QuizBest >= 0 {
				n[min(p.QuizBest/10, 9)]++
			}
		}
	}
	return n
}

// scoreChart is a histogram of each trainee's best score on each quiz they took.
func scoreChart(rep courseReport) chart {
	n := scoreBuckets(rep)
	top, total := 1, 0
	for _, v := range n {
		top, total = max(top, v), total+v
	}
	title := "Best quiz scores, " + rep.Course.Title
	parts := make([]string, 0, 10)
	for i, v := range n {
		parts = append(parts, fmt.Sprintf("%s: %d", bucketLabel(i), v))
	}
	desc := fmt.Sprintf("%d best scores by range: %s.", total, strings.Join(parts, ", "))
	var b strings.Builder
	svgOpen(&b, "chart-scores-"+rep.Course.Slug, title, desc)
	yAxis(&b, top)
	slot := float64(chartW-padL-padR) / 10
	for i, v := range n {
		x, y := float64(padL)+float64(i)*slot+4, yFor(v, top)
		fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %d</title></rect>`, x, y, slot-8, float64(chartH-padB)-y, bucketLabel(i), v)
		fmt.Fprintf(&b, `<text class="label" x="%.1f" y="%.1f" text-anchor="middle">%d</text>`, x+(slot-8)/2, y-4, v)
		fmt.Fprintf(&b, `<text class="label" x="%.1f" y="%d" text-anchor="middle">%s</text>`, x+(slot-8)/2, chartH-padB+18, bucketLabel(i))
	}
	b.WriteString(`</svg>`)
	return chart{Title: title, SVG: template.HTML(b.String())} // every text above is escaped or a number
}

func bucketLabel(i int) string {
	if i == 9 {
		return "90–100"
	}
	return fmt.Sprintf("%d–%d", i*10, i*10+9)
}
