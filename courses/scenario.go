package courses

import (
	"errors"
	"fmt"
	"maps"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"gopkg.in/yaml.v3"
)

// Scenario is a branching customer conversation.
type Scenario struct {
	ID       string           `yaml:"id"`
	Title    string           `yaml:"title"`
	Customer string           `yaml:"customer"`
	Mood     int              `yaml:"mood"`
	Start    string           `yaml:"start"`
	Nodes    map[string]*Node `yaml:"nodes"`

	Lesson *Lesson `yaml:"-"`
	Hash   string  `yaml:"-"`
	Line   int     `yaml:"-"`
}

// Node is a customer line with replies to choose from, or an ending.
type Node struct {
	Says    string   `yaml:"says"`
	Choices []*Reply `yaml:"choices"`
	End     bool     `yaml:"end"`
	Outcome string   `yaml:"outcome"`
	Score   *int     `yaml:"score"`

	ID   string `yaml:"-"`
	Line int    `yaml:"-"`
}

// Reply is one thing the trainee can say, and what it does.
type Reply struct {
	Reply    string         `yaml:"reply"`
	Mood     int            `yaml:"mood"`
	Skills   map[string]int `yaml:"skills"`
	Feedback string         `yaml:"feedback"`
	Next     Next           `yaml:"next"`
	Line     int            `yaml:"-"`
}

// Next is where a reply leads: a node, or a branch on the state after the reply.
type Next struct {
	To   string `yaml:"-"`
	If   string `yaml:"if"`
	Then string `yaml:"then"`
	Else string `yaml:"else"`
	Line int    `yaml:"-"`

	cond *vm.Program
}

// UnmarshalYAML accepts a plain node id or an {if, then, else} mapping.
func (n *Next) UnmarshalYAML(v *yaml.Node) error {
	n.Line = v.Line
	if v.Kind == yaml.ScalarNode {
		n.To = v.Value
		return nil
	}
	type plain Next
	return v.Decode((*plain)(n))
}

// Targets lists the node ids the reply may lead to.
func (n *Next) Targets() []string {
	if n.If == "" {
		return []string{n.To}
	}
	return []string{n.Then, n.Else}
}

// condEnv is what a condition can see; expr rejects any other name at compile time.
type condEnv struct {
	Mood   int            `expr:"mood"`
	Steps  int            `expr:"steps"`
	Skills map[string]int `expr:"skills"`
}

func compileCondition(src string) (*vm.Program, error) {
	return expr.Compile(src, expr.Env(condEnv{}), expr.AsBool())
}

// State is where a run of a conversation stands.
type State struct {
	Node   string
	Mood   int
	Steps  int
	Skills map[string]int
	Path   []int // index of the reply chosen at each step
}

// Errors from Step, for the server to map to statuses.
var (
	ErrRunFinished = errors.New("this conversation has already ended")
	ErrNotOffered  = errors.New("that reply is not offered at this point of the conversation")
)

// Begin returns the state at the start of the conversation.
func (s *Scenario) Begin() State {
	skills := make(map[string]int, len(Skills))
	for _, k := range Skills {
		skills[k] = 0
	}
	return State{Node: s.Start, Mood: s.Mood, Skills: skills}
}

// Current returns the node the state stands at.
func (s *Scenario) Current(st State) *Node { return s.Nodes[st.Node] }

// Step applies reply i at the state's node and returns the new state; st is not changed.
// The mood is clamped to its range: lint proves shipped content never needs it, but an
// edited conversation must not break a run already under way.
func (s *Scenario) Step(st State, i int) (State, error) {
	node := s.Nodes[st.Node]
	if node == nil || node.End {
		return st, ErrRunFinished
	}
	if i < 0 || i >= len(node.Choices) {
		return st, ErrNotOffered
	}
	r := node.Choices[i]
	next := State{
		Mood:   clampMood(st.Mood + r.Mood),
		Steps:  st.Steps + 1,
		Skills: maps.Clone(st.Skills),
		Path:   append(append([]int(nil), st.Path...), i),
	}
	for k, v := range r.Skills {
		next.Skills[k] += v
	}
	to, err := r.Next.resolve(next)
	if err != nil {
		return st, err
	}
	next.Node = to
	return next, nil
}

func (n *Next) resolve(st State) (string, error) {
	if n.If == "" {
		return n.To, nil
	}
	prog := n.cond
	if prog == nil { // lint compiles every condition; this is for hand-built scenarios
		var err error
		if prog, err = compileCondition(n.If); err != nil {
			return "", fmt.Errorf("condition %q: %w", n.If, err)
		}
		n.cond = prog
	}
	out, err := expr.Run(prog, condEnv{Mood: st.Mood, Steps: st.Steps, Skills: st.Skills})
	if err != nil {
		return "", fmt.Errorf("condition %q: %w", n.If, err)
	}
	if out.(bool) {
		return n.Then, nil
	}
	return n.Else, nil
}

// Replay rebuilds the state from a stored path of reply indexes.
func (s *Scenario) Replay(path []int) (State, error) {
	st := s.Begin()
	for _, i := range path {
		var err error
		if st, err = s.Step(st, i); err != nil {
			return st, err
		}
	}
	return st, nil
}

// Exchange is one turn of a played conversation: what the customer said, the reply chosen,
// and what it did.
type Exchange struct {
	Says      string
	Reply     *Reply
	MoodAfter int
}

// Transcript replays a path and returns its turns and the state it ends in.
func (s *Scenario) Transcript(path []int) ([]Exchange, State, error) {
	st := s.Begin()
	out := make([]Exchange, 0, len(path))
	for _, i := range path {
		node := s.Nodes[st.Node]
		next, err := s.Step(st, i)
		if err != nil {
			return out, st, err
		}
		out = append(out, Exchange{Says: node.Says, Reply: node.Choices[i], MoodAfter: next.Mood})
		st = next
	}
	return out, st, nil
}
