package server

import (
	"net/http"
	"strconv"
	"testing"

	"rapport/server/store"
)

func TestTheTraineePageReplaysAConversationWithItsFeedback(t *testing.T) {
	a := newTestApp(t)
	boss := a.mkUser(store.RoleDirector, "boss@example.com", "Boss")
	ana := a.mkUser(store.RoleTrainee, "ana@example.com", "Ana")
	team := a.mkTeam(boss, "North desk", nil, ana)
	p1 := a.lesson("why-difficult-customers-matter")
	sc := p1.Scenarios[0]
	a.takeQuiz(ana, p1.Quizzes[0], rightPicks(p1.Quizzes[0]))
	run := a.play(ana, sc, 1, 1) // a dismissive opening, then a threat: lost
	a.play(ana, sc, 0)           // a second run, under way
	b := a.as(boss)

	page := b.get(traineeURL(team, ana.ID))
	mustContain(t, page, "Ana", "ana@example.com", "Best 100%", sc.Title, "Ended: "+sc.Nodes["lost"].Outcome, "Under way")
	transcript := traineeURL(team, ana.ID) + "/runs/" + strconv.FormatInt(run.ID, 10)
	mustContain(t, page, transcript)

	p := b.get(transcript)
	opening, heated := sc.Nodes["opening"], sc.Nodes["heated"]
	mustContain(t, p,
		opening.Says, opening.Choices[1].Reply, opening.Choices[1].Feedback, "Mood -1, now angry.",
		heated.Says, heated.Choices[1].Reply, heated.Choices[1].Feedback,
		"How it ended: 10 points", sc.Nodes["lost"].Outcome)

	t.Run("a run of someone outside the team is not found", func(t *testing.T) {
		out := a.mkUser(store.RoleTrainee, "out@example.com", "Out")
		other := a.play(out, sc, 0)
		for _, path := range []string{
			traineeURL(team, out.ID),
			traineeURL(team, out.ID) + "/runs/" + strconv.FormatInt(other.ID, 10),
			traineeURL(team, ana.ID) + "/runs/" + strconv.FormatInt(other.ID, 10), // Ana's page, another's run
		} {
			if p := b.get(path); p.status != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", path, p.status)
			}
		}
	})
}
