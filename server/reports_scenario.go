package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"

	"github.com/labstack/echo/v4"

	"rapport/courses"
	"rapport/server/store"
)

// scenarioFigures is how the team played one version of a conversation, each trainee counted
// once: by their first finished run for endings and skills, by their first reply at each node.
type scenarioFigures struct {
	Finished int
	Endings  []endingCount
	Nodes    []nodeFigures
	Skills   []skillAverage
}

type endingCount struct {
	Node *courses.Node
	N    int
}

type nodeFigures struct {
	Node    *courses.Node
	Replied int
	Top     int // index of the reply most often chosen, -1 when nobody replied
	TopN    int
}

type skillAverage struct {
	Skill string
	Tenth int // the average times ten, so 1.5 is 15: exact integer arithmetic for the tests
}

// String shows the average with one decimal.
func (a skillAverage) String() string {
	sign := ""
	v := a.Tenth
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%d", sign, v/10, v%10)
}

func figuresFor(sc *courses.Scenario, firsts []store.ScenarioFirst, choices []store.NodeChoiceCount) (scenarioFigures, error) {
	f := scenarioFigures{Finished: len(firsts)}
	ends := map[string]int{}
	totals := map[string]int{}
	for _, r := range firsts {
		ends[r.Ending]++
		var sk map[string]int
		if err := json.Unmarshal([]byte(r.Skills), &sk); err != nil {
			return f, fmt.Errorf("skills of run %d: %w", r.RunID, err)
		}
		for k, v := range sk {
			totals[k] += v
		}
	}
	perNode := map[string][]int{}
	for _, cc := range choices {
		n := sc.Nodes[cc.Node]
		if n == nil || cc.Choice < 0 || cc.Choice >= len(n.Choices) {
			continue
		}
		if perNode[cc.Node] == nil {
			perNode[cc.Node] = make([]int, len(n.Choices))
		}
		perNode[cc.Node][cc.Choice] += cc.N
	}
	for _, n := range nodesInOrder(sc) {
		if n.End {
			f.Endings = append(f.Endings, endingCount{Node: n, N: ends[n.ID]})
			continue
		}
		nf := nodeFigures{Node: n, Top: -1}
		for i, v := range perNode[n.ID] {
			nf.Replied += v
			if v > nf.TopN {
				nf.Top, nf.TopN = i, v
			}
		}
		f.Nodes = append(f.Nodes, nf)
	}
	for _, k := range courses.Skills {
		avg := 0
		if f.Finished > 0 {
			avg = roundDiv(totals[k]*10, f.Finished)
		}
		f.Skills = append(f.Skills, skillAverage{Skill: k, Tenth: avg})
	}
	return f, nil
}

// roundDiv divides rounding half away from zero.
func roundDiv(a, b int) int {
	if a < 0 {
		return -((-a + b/2) / b)
	}
	return (a + b/2) / b
}

// nodesInOrder lists the conversation's nodes in the order they are written.
func nodesInOrder(sc *courses.Scenario) []*courses.Node {
	out := make([]*courses.Node, 0, len(sc.Nodes))
	for _, n := range sc.Nodes {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

type scenarioReportPage struct {
	Team     *store.Team
	Scenario *courses.Scenario
	Finished int
	Tables   []*table
}

// handleScenarioReport: GET /director/teams/:team/conversations/:course/:scenario. How the
// team spread over the endings, the reply most often chosen at each point, and the average
// skill profile, for the current version. ?csv=endings|replies|skills downloads.
func (s *Server) handleScenarioReport(c echo.Context) error {
	t, course, err := s.findTeamCourse(c)
	if err != nil {
		return err
	}
	sc, ok := course.Scenario(c.Param("scenario"))
	if !ok {
		return notFoundPage()
	}
	ctx := c.Request().Context()
	firsts, err := s.store.TeamScenarioFirsts(ctx, t.ID, course.Slug, sc.ID, sc.Hash)
	if err != nil {
		return err
	}
	choices, err := s.store.TeamNodeChoices(ctx, t.ID, course.Slug, sc.ID, sc.Hash)
	if err != nil {
		return err
	}
	f, err := figuresFor(sc, firsts, choices)
	if err != nil {
		return err
	}
	et := &table{Name: "endings", Caption: "Endings reached on each trainee's first finished run", Head: []string{"Ending", "Outcome", "Score", "Trainees", "Share"}}
	for _, e := range f.Endings {
		et.Rows = append(et.Rows, []cell{txt(e.Node.ID), txt(e.Node.Outcome), num(derefInt(e.Node.Score)), num(e.N), {Text: pctText(e.N, f.Finished), Num: true}})
	}
	rt := &table{Name: "replies", Caption: "The reply most often chosen at each point, on each trainee's first time there", Head: []string{"Point", "Customer says", "Replied", "Most chosen reply", "Chosen by"}}
	for _, n := range f.Nodes {
		top, topN := "–", ""
		if n.Top >= 0 {
			top, topN = n.Node.Choices[n.Top].Reply, itoa(n.TopN)
		}
		rt.Rows = append(rt.Rows, []cell{txt(n.Node.ID), txt(short(n.Node.Says)), num(n.Replied), txt(top), {Text: topN, Num: true}})
	}
	st := &table{Name: "skills", Caption: "Average skill profile over first finished runs", Head: []string{"Skill", "Average"}}
	for _, a := range f.Skills {
		st.Rows = append(st.Rows, []cell{txt(a.Skill), {Text: a.String(), Num: true}})
	}
	tables := withCSVLinks(c.Request().URL.Path, et, rt, st)
	if name := c.QueryParam("csv"); name != "" {
		return writeCSV(c, "conversation-"+sc.ID, tables, name)
	}
	return s.render(c, http.StatusOK, "director_scenario", "Conversation report: "+sc.Title, scenarioReportPage{Team: t, Scenario: sc, Finished: f.Finished, Tables: tables})
}

func derefInt(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func short(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:77]) + "..."
	}
	return s
}
