package server

import (
	"strconv"
	"strings"
	"time"

	"rapport/server/store"
)

// The tables of the team dashboard, one function each.

func partsTable(rep courseReport) *table {
	t := &table{
		Name:    rep.Course.Slug + "-parts",
		Caption: "Parts of " + rep.Course.Title + ": completion and average best scores",
		Head:    []string{"Part", "Completed", "Share", "Took the quiz", "Average best quiz score", "Finished the conversation", "Average best conversation score"},
		Empty:   "No part is published yet.",
	}
	for _, p := range rep.Parts {
		quizAvg, convAvg := "–", "–"
		if p.QuizTakers > 0 {
			quizAvg = itoa(p.QuizAvg) + "%"
		}
		if p.ConvFinished > 0 {
			convAvg = itoa(p.ConvAvg)
		}
		t.Rows = append(t.Rows, []cell{
			txt(itoa(p.Lesson.Part) + ". " + p.Lesson.Title), num(p.Completed), {Text: pctText(p.Completed, rep.Members), Num: true},
			num(p.QuizTakers), {Text: quizAvg, Num: true}, num(p.ConvFinished), {Text: convAvg, Num: true},
		})
	}
	return t
}

func overdueTable(team *store.Team, rep courseReport) *table {
	t := &table{
		Name:    rep.Course.Slug + "-overdue",
		Caption: "Trainees behind the due date in " + rep.Course.Title,
		Head:    []string{"Trainee", "Email", "Parts done", "Last active"},
		Empty:   "Nobody is overdue.",
	}
	if team.DueAt == nil {
		t.Empty = "This team has no due date."
	}
	for _, tr := range rep.Overdue {
		t.Rows = append(t.Rows, []cell{
			link(tr.Member.Name, traineeURL(team, tr.Member.ID)), txt(tr.Member.Email),
			txt(itoa(tr.Done) + " of " + itoa(len(rep.Lessons))), txt(activity(tr.LastActive)),
		})
	}
	return t
}

// matrixTable is the trainee-by-part matrix for the given rows (a page of them on screen,
// all of them in the CSV).
func matrixTable(team *store.Team, rep courseReport, rows []traineeRow) *table {
	t := &table{
		Name:    rep.Course.Slug + "-matrix",
		Caption: "Each trainee's standing on each part of " + rep.Course.Title,
		Head:    []string{"Trainee", "Email", "Parts done", "Last active", "Overdue"},
		Empty:   "No trainee has joined yet: send them the invite link.",
	}
	for _, l := range rep.Lessons {
		t.Head = append(t.Head, "Part "+itoa(l.Part))
	}
	for _, tr := range rows {
		overdue := "no"
		if tr.Overdue {
			overdue = "yes"
		}
		r := []cell{
			link(tr.Member.Name, traineeURL(team, tr.Member.ID)), txt(tr.Member.Email),
			txt(itoa(tr.Done) + " of " + itoa(len(rep.Lessons))), txt(activity(tr.LastActive)), txt(overdue),
		}
		for _, p := range tr.Parts {
			r = append(r, txt(p.String()))
		}
		t.Rows = append(t.Rows, r)
	}
	return t
}

// String is the cell's text: its state, then the best scores.
func (p partCell) String() string {
	var b strings.Builder
	switch {
	case p.Completed:
		b.WriteString("complete")
	case p.Opened:
		b.WriteString("started")
	default:
		b.WriteString("not started")
	}
	if p.QuizBest >= 0 {
		b.WriteString("; quiz " + itoa(p.QuizBest) + "%")
	}
	if p.ConvBest >= 0 {
		b.WriteString("; conversation " + itoa(p.ConvBest))
	}
	return b.String()
}

func activity(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

func traineeURL(t *store.Team, userID int64) string {
	return teamURL(t) + "/trainees/" + strconv.FormatInt(userID, 10)
}
