package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"rapport/courses"
	"rapport/server/store"
)

// The team dashboard is computed from the members' summary rows (see store/reports.go): three
// indexed reads per course, each bounded by team size times course length, then plain Go.

// partCell is one trainee's standing on one part.
type partCell struct {
	Opened      bool
	Completed   bool
	CompletedAt time.Time // zero when not complete or unknown
	QuizBest    int       // -1 when no quiz was taken
	ConvBest    int       // -1 when no conversation was finished
}

// traineeRow is one line of the trainee-by-part matrix.
type traineeRow struct {
	Member     store.Member
	Parts      []partCell
	Done       int
	LastActive time.Time
	Overdue    bool
}

// partSummary is one part's figures across the team.
type partSummary struct {
	Lesson       *courses.Lesson
	Completed    int
	QuizTakers   int
	QuizAvg      int
	ConvFinished int
	ConvAvg      int
}

// courseReport is a team's figures in one course.
type courseReport struct {
	Course   *courses.Course
	Lessons  []*courses.Lesson // published parts, the matrix's columns
	Parts    []partSummary
	Trainees []traineeRow
	Overdue  []traineeRow
	Members  int
}

// teamCourseReport builds the report of one course for the team's members.
func (s *Server) teamCourseReport(ctx context.Context, t *store.Team, members []store.Member, c *courses.Course, now time.Time) (courseReport, error) {
	rows, err := s.store.TeamCourseRows(ctx, t.ID, c.Slug)
	if err != nil {
		return courseReport{}, err
	}
	rep := courseReport{Course: c, Lessons: c.Published(now), Members: len(members)}
	type key struct {
		user int64
		id   string
	}
	lessons := make(map[key]store.LessonProgress, len(rows.Lessons))
	quizzes := make(map[key]store.QuizScore, len(rows.Quizzes))
	convs := make(map[key]store.ScenarioScore, len(rows.Scenarios))
	last := map[int64]time.Time{}
	touch := func(u int64, at time.Time) {
		if at.After(last[u]) {
			last[u] = at
		}
	}
	for _, r := range rows.Lessons {
		lessons[key{r.UserID, r.Lesson}] = r
		touch(r.UserID, r.OpenedAt)
		if r.CompletedAt != nil {
			touch(r.UserID, *r.CompletedAt)
		}
	}
	for _, r := range rows.Quizzes {
		quizzes[key{r.UserID, r.Quiz}] = r
		touch(r.UserID, r.LastAt)
	}
	for _, r := range rows.Scenarios {
		convs[key{r.UserID, r.Scenario}] = r
		touch(r.UserID, r.LastAt)
	}
	rep.Parts = make([]partSummary, len(rep.Lessons))
	quizSum, convSum := make([]int, len(rep.Lessons)), make([]int, len(rep.Lessons))
	for _, m := range members {
		tr := traineeRow{Member: m, Parts: make([]partCell, len(rep.Lessons)), LastActive: last[m.ID]}
		dueDone := true
		for i, l := range rep.Lessons {
			cell := cellFor(m.ID, l, lessons[key{m.ID, l.Slug}], func(q string) (store.QuizScore, bool) {
				r, ok := quizzes[key{m.ID, q}]
				return r, ok
			}, func(sc string) (store.ScenarioScore, bool) {
				r, ok := convs[key{m.ID, sc}]
				return r, ok
			})
			_, opened := lessons[key{m.ID, l.Slug}]
			cell.Opened = cell.Opened || opened
			tr.Parts[i] = cell
			ps := &rep.Parts[i]
			ps.Lesson = l
			if cell.Completed {
				tr.Done++
				ps.Completed++
			}
			if cell.QuizBest >= 0 {
				ps.QuizTakers++
				quizSum[i] += cell.QuizBest
			}
			if cell.ConvBest >= 0 {
				ps.ConvFinished++
				convSum[i] += cell.ConvBest
			}
			// Overdue means a part that was out by the due date is still not done.
			if t.DueAt != nil && !l.Publish.After(*t.DueAt) && !cell.Completed {
				dueDone = false
			}
		}
		tr.Overdue = t.DueAt != nil && now.After(*t.DueAt) && !dueDone
		rep.Trainees = append(rep.Trainees, tr)
		if tr.Overdue {
			rep.Overdue = append(rep.Overdue, tr)
		}
	}
	for i := range rep.Parts {
		rep.Parts[i].Lesson = rep.Lessons[i]
		if n := rep.Parts[i].QuizTakers; n > 0 {
			rep.Parts[i].QuizAvg = quizSum[i] / n
		}
		if n := rep.Parts[i].ConvFinished; n > 0 {
			rep.Parts[i].ConvAvg = convSum[i] / n
		}
	}
	return rep, nil
}

// cellFor derives a trainee's standing on a part by the same rule as their own progress page:
// complete when marked so, or when every quiz is passed and every conversation has ended.
func cellFor(user int64, l *courses.Lesson, lp store.LessonProgress, quiz func(string) (store.QuizScore, bool), conv func(string) (store.ScenarioScore, bool)) partCell {
	cell := partCell{QuizBest: -1, ConvBest: -1}
	allDone := len(l.Quizzes)+len(l.Scenarios) > 0
	var doneAt time.Time
	for _, q := range l.Quizzes {
		r, ok := quiz(q.ID)
		if ok {
			cell.Opened = true
			cell.QuizBest = max(cell.QuizBest, r.Best)
		}
		if !ok || !r.Passed || r.FirstPassedAt == nil {
			allDone = false
			continue
		}
		doneAt = later(doneAt, *r.FirstPassedAt)
	}
	for _, sc := range l.Scenarios {
		r, ok := conv(sc.ID)
		if ok {
			cell.Opened = true
			if r.Best != nil {
				cell.ConvBest = max(cell.ConvBest, *r.Best)
			}
		}
		if !ok || r.Finished == 0 || r.FirstFinishedAt == nil {
			allDone = false
			continue
		}
		doneAt = later(doneAt, *r.FirstFinishedAt)
	}
	switch {
	case lp.CompletedAt != nil && (!allDone || lp.CompletedAt.Before(doneAt)):
		cell.Completed, cell.CompletedAt = true, *lp.CompletedAt
	case allDone:
		cell.Completed, cell.CompletedAt = true, doneAt
	}
	return cell
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// dashboardPage is the team dashboard.
type dashboardPage struct {
	Team       *store.Team
	InviteURL  string
	Form       teamForm
	Message    string
	Members    int
	Sections   []dashSection
	Page, Last int // 0-based
	Prev, Next int
}

// dashSection is one course's part of the dashboard.
type dashSection struct {
	Report                 courseReport
	Parts, Overdue, Matrix *table
	Charts                 []chart
}

const matrixPageSize = 50

// handleTeamDashboard: GET /director/teams/:team. The team's figures: per-part summary,
// overdue trainees, charts and the trainee-by-part matrix (50 trainees a page, ?page=N from
// 0). ?csv=NAME downloads any of its tables whole.
func (s *Server) handleTeamDashboard(c echo.Context) error {
	t, err := s.findTeam(c)
	if err != nil {
		return err
	}
	return s.renderDashboard(c, http.StatusOK, t, teamForm{}, "")
}

func (s *Server) renderDashboard(c echo.Context, status int, t *store.Team, f teamForm, msg string) error {
	ctx, now := c.Request().Context(), s.now()
	members, err := s.store.TeamMembers(ctx, t.ID)
	if err != nil {
		return err
	}
	if f.Errors == nil {
		f.Name = t.Name
		if t.DueAt != nil {
			f.Due = t.DueAt.Format("2006-01-02")
		}
	}
	data := dashboardPage{Team: t, InviteURL: s.inviteURL(t), Form: f, Message: msg, Members: len(members)}
	data.Page, _ = strconv.Atoi(c.QueryParam("page"))
	data.Last = max(0, (len(members)-1)/matrixPageSize)
	data.Page = min(max(data.Page, 0), data.Last)
	data.Prev, data.Next = data.Page-1, data.Page+1
	csvName := c.QueryParam("csv")
	var tables []*table
	for _, course := range s.Catalog().Courses {
		rep, err := s.teamCourseReport(ctx, t, members, course, now)
		if err != nil {
			return err
		}
		rows := rep.Trainees
		if csvName == "" {
			lo := min(data.Page*matrixPageSize, len(rows))
			rows = rows[lo:min(lo+matrixPageSize, len(rows))]
		}
		sec := dashSection{Report: rep, Parts: partsTable(rep), Overdue: overdueTable(t, rep), Matrix: matrixTable(t, rep, rows)}
		sec.Charts = []chart{completionChart(rep, now), scoreChart(rep)}
		tables = append(tables, withCSVLinks(c.Request().URL.Path, sec.Parts, sec.Overdue, sec.Matrix)...)
		data.Sections = append(data.Sections, sec)
	}
	if csvName != "" {
		return writeCSV(c, "team-"+strconv.FormatInt(t.ID, 10), tables, csvName)
	}
	return s.render(c, status, "director_team", t.Name, data)
}
