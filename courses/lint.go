package courses

import (
	"maps"
	"slices"
	"sort"
	"strings"
)

func lintQuiz(q *Quiz, p problems) {
	if q.ID == "" {
		p.add(q.Line, "quiz: id is required")
	} else if !slugRE.MatchString(q.ID) {
		p.add(q.Line, "quiz id %q: use lower-case letters, digits and hyphens", q.ID)
	}
	if len(q.Questions) == 0 {
		p.add(q.Line, "quiz %q has no questions", q.ID)
	}
	seen := map[string]bool{}
	for _, qu := range q.Questions {
		switch {
		case qu.ID == "":
			p.add(qu.Line, "question: id is required")
		case seen[qu.ID]:
			p.add(qu.Line, "question id %q is used twice in quiz %q", qu.ID, q.ID)
		}
		seen[qu.ID] = true
		if strings.TrimSpace(qu.Prompt) == "" {
			p.add(qu.Line, "question %q: prompt is required", qu.ID)
		}
		if len(qu.Choices) < 2 {
			p.add(qu.Line, "question %q needs at least two choices", qu.ID)
		}
		if qu.correctCount() == 0 && len(qu.Choices) > 0 {
			p.add(qu.Line, "question %q has no correct choice: mark one with correct: true", qu.ID)
		}
		for _, c := range qu.Choices {
			if strings.TrimSpace(c.Text) == "" {
				p.add(c.Line, "choice: text is required")
			}
			if strings.TrimSpace(c.Feedback) == "" {
				p.add(c.Line, "choice %q has no feedback: say why it is right or wrong", c.Text)
			}
		}
	}
}

func lintScenario(s *Scenario, p problems) {
	if s.ID == "" {
		p.add(s.Line, "scenario: id is required")
	} else if !slugRE.MatchString(s.ID) {
		p.add(s.Line, "scenario id %q: use lower-case letters, digits and hyphens", s.ID)
	}
	requireText(p, s.Line, map[string]string{"scenario title": s.Title, "scenario customer": s.Customer, "scenario start": s.Start})
	if s.Mood < MinMood || s.Mood > MaxMood {
		p.add(s.Line, "scenario %q: starting mood %d is outside %d..%d", s.ID, s.Mood, MinMood, MaxMood)
	}
	if len(s.Nodes) == 0 {
		p.add(s.Line, "scenario %q has no nodes", s.ID)
		return
	}
	if _, ok := s.Nodes[s.Start]; s.Start != "" && !ok {
		p.add(s.Line, "start names no node: %q", s.Start)
	}
	sound := true
	for _, id := range nodeIDs(s) {
		n := s.Nodes[id]
		if n == nil {
			p.add(s.Line, "node %q is empty: give it says and choices, or end: true", id)
			s.Nodes[id] = &Node{ID: id, Line: s.Line}
			sound = false
			continue
		}
		n.ID = id
		if !lintNode(s, n, p) {
			sound = false
		}
	}
	// The walk follows every path, so it only runs on a graph whose every edge lands.
	if sound && s.Nodes[s.Start] != nil {
		walkScenario(s, p)
	}
}

// nodeIDs returns the node ids in file order, so messages come out in reading order.
func nodeIDs(s *Scenario) []string {
	ids := slices.Collect(maps.Keys(s.Nodes))
	sort.Slice(ids, func(i, j int) bool {
		a, b := s.Nodes[ids[i]], s.Nodes[ids[j]]
		if a == nil || b == nil {
			return ids[i] < ids[j]
		}
		return a.Line < b.Line
	})
	return ids
}

// lintNode checks one node and reports whether every reply leads somewhere that exists.
func lintNode(s *Scenario, n *Node, p problems) bool {
	ok := true
	switch {
	case n.End:
		if n.Score == nil {
			p.add(n.Line, "ending %q has no score", n.ID)
		} else if *n.Score < 0 || *n.Score > 100 {
			p.add(n.Line, "ending %q: score %d is outside 0..100", n.ID, *n.Score)
		}
		if strings.TrimSpace(n.Outcome) == "" {
			p.add(n.Line, "ending %q has no outcome", n.ID)
		}
		if len(n.Choices) > 0 {
			p.add(n.Line, "ending %q has choices: an ending is where the conversation stops", n.ID)
		}
		return true
	case strings.TrimSpace(n.Says) == "" && len(n.Choices) == 0:
		p.add(n.Line, "node %q is neither a step (says, choices) nor an ending (end: true)", n.ID)
		return true
	case len(n.Choices) == 0:
		p.add(n.Line, "node %q has no way out: give it choices, or make it an ending", n.ID)
		return true
	case strings.TrimSpace(n.Says) == "":
		p.add(n.Line, "node %q: says is required", n.ID)
	}
	for _, r := range n.Choices {
		if strings.TrimSpace(r.Reply) == "" {
			p.add(r.Line, "reply: text is required")
		}
		if r.Mood == 0 {
			p.add(r.Line, "reply %q does not move the mood: give it mood: +1 or -1 (or more)", short(r.Reply))
		}
		lintSkills(r, p)
		if !lintNext(s, r, p) {
			ok = false
		}
	}
	return ok
}

func lintSkills(r *Reply, p problems) {
	if len(r.Skills) == 0 {
		p.add(r.Line, "reply %q has no skill tags: add skills: {listening: +1} or similar", short(r.Reply))
	}
	for _, k := range slices.Sorted(maps.Keys(r.Skills)) {
		if !slices.Contains(Skills, k) {
			p.add(r.Line, "reply %q: unknown skill %q (use %s)", short(r.Reply), k, strings.Join(Skills, ", "))
		}
	}
}

func lintNext(s *Scenario, r *Reply, p problems) bool {
	line := r.Next.Line
	if line == 0 {
		line = r.Line
	}
	if r.Next.If != "" {
		prog, err := compileCondition(r.Next.If)
		if err != nil {
			p.add(line, "condition %q does not work: %s", r.Next.If, firstLine(err.Error()))
			return false
		}
		r.Next.cond = prog
		if r.Next.Then == "" || r.Next.Else == "" {
			p.add(line, "a branch needs both then and else")
			return false
		}
	} else if r.Next.Then != "" || r.Next.Else != "" {
		p.add(line, "then and else need an if")
		return false
	}
	ok := true
	for _, to := range r.Next.Targets() {
		if to == "" {
			p.add(line, "reply %q has no next node", short(r.Reply))
			ok = false
		} else if _, exists := s.Nodes[to]; !exists {
			p.add(line, "next names no node: %q", to)
			ok = false
		}
	}
	return ok
}

// maxWalk bounds the states lint explores, so a pathological conversation fails lint instead
// of hanging it.
const maxWalk = 200_000

// walkScenario follows every path from the start with the real branch conditions and an
// unclamped mood, and reports nodes no path reaches, loops, and moods that leave their range.
func walkScenario(s *Scenario, p problems) {
	reached := map[string]bool{}
	reported := map[*Reply]bool{}
	onPath := map[string]bool{}
	visits := 0
	var walk func(st State) bool
	walk = func(st State) bool {
		if visits++; visits > maxWalk {
			return false
		}
		n := s.Nodes[st.Node]
		reached[n.ID] = true
		if n.End {
			return true
		}
		onPath[n.ID] = true
		defer delete(onPath, n.ID)
		for _, r := range n.Choices {
			next := State{Mood: st.Mood + r.Mood, Steps: st.Steps + 1, Skills: maps.Clone(st.Skills)}
			for k, v := range r.Skills {
				next.Skills[k] += v
			}
			if (next.Mood < MinMood || next.Mood > MaxMood) && !reported[r] {
				reported[r] = true
				p.add(r.Line, "reply %q can take the mood from %d to %d, outside %d..%d", short(r.Reply), st.Mood, next.Mood, MinMood, MaxMood)
			}
			to, err := r.Next.resolve(next)
			if err != nil {
				if !reported[r] {
					reported[r] = true
					p.add(r.Next.Line, "%s", err)
				}
				continue
			}
			if onPath[to] {
				if !reported[r] {
					reported[r] = true
					p.add(r.Line, "reply %q loops back to node %q: every path must reach an ending", short(r.Reply), to)
				}
				continue
			}
			next.Node = to
			if !walk(next) {
				return false
			}
		}
		return true
	}
	if !walk(s.Begin()) {
		p.add(s.Line, "scenario %q has too many paths to check (over %d steps explored)", s.ID, maxWalk)
		return
	}
	for _, id := range nodeIDs(s) {
		if !reached[id] {
			p.add(s.Nodes[id].Line, "node %q cannot be reached from the start", id)
		}
	}
}

func short(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:37]) + "..."
	}
	return s
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
