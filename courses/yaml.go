package courses

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Problem is one thing lint found, at a file and line.
type Problem struct {
	File string
	Line int
	Msg  string
}

func (p Problem) String() string { return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg) }

// problems collects lint findings for one file.
type problems struct {
	file string
	list *[]Problem
}

func (p problems) add(line int, format string, args ...any) {
	*p.list = append(*p.list, Problem{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// decodeYAML decodes src into v strictly and reports every problem with its line in the file.
// firstLine is the file line src starts on; padding src with blank lines makes yaml's own line
// numbers the file's, so no offset arithmetic can go wrong.
func decodeYAML(src string, firstLine int, v any, p problems) bool {
	padded := strings.Repeat("\n", firstLine-1) + src
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(padded), &root); err != nil {
		line, msg := yamlErrorLine(err.Error(), firstLine)
		p.add(line, "not valid YAML: %s", msg)
		return false
	}
	if len(root.Content) == 0 {
		p.add(firstLine, "empty: expected YAML fields")
		return false
	}
	before := len(*p.list)
	unknownFields(root.Content[0], reflect.TypeOf(v), p)
	if err := root.Decode(v); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			for _, e := range te.Errors {
				line, msg := yamlErrorLine(e, firstLine)
				p.add(line, "%s", msg)
			}
		} else {
			p.add(firstLine, "%s", err)
		}
	}
	return len(*p.list) == before
}

var yamlLineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

func yamlErrorLine(s string, fallback int) (int, string) {
	s = strings.TrimPrefix(s, "yaml: ")
	if m := yamlLineRE.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		// yaml.v3 numbers parser errors (not scanner or decode errors) from 0; they all read
		// "did not find expected ...".
		if strings.HasPrefix(m[2], "did not find expected") {
			n++
		}
		return n, m[2]
	}
	return fallback, s
}

// unknownFields reports mapping keys that name no field of t, walking the document by the
// shape of t. yaml.v3 only checks known fields through a Decoder, which would lose the
// line-recording UnmarshalYAML methods below, so the check is done here once for all types.
func unknownFields(n *yaml.Node, t reflect.Type, p problems) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Struct:
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			f, ok := fields[k.Value]
			if !ok {
				p.add(k.Line, "unknown field %q (expected one of: %s)", k.Value, fieldList(fields))
				continue
			}
			unknownFields(v, f, p)
		}
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Map:
		for i := 1; i < len(n.Content); i += 2 {
			unknownFields(n.Content[i], t.Elem(), p)
		}
	case n.Kind == yaml.SequenceNode && t.Kind() == reflect.Slice:
		for _, item := range n.Content {
			unknownFields(item, t.Elem(), p)
		}
	}
}

func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

func fieldList(fields map[string]reflect.Type) string {
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// The UnmarshalYAML methods record where each item starts, so lint can point at it.

func (q *Quiz) UnmarshalYAML(v *yaml.Node) error {
	type plain Quiz
	q.Line = v.Line
	return v.Decode((*plain)(q))
}

func (q *Question) UnmarshalYAML(v *yaml.Node) error {
	type plain Question
	q.Line = v.Line
	return v.Decode((*plain)(q))
}

func (c *Choice) UnmarshalYAML(v *yaml.Node) error {
	type plain Choice
	c.Line = v.Line
	return v.Decode((*plain)(c))
}

func (s *Scenario) UnmarshalYAML(v *yaml.Node) error {
	type plain Scenario
	s.Line = v.Line
	if err := v.Decode((*plain)(s)); err != nil {
		return err
	}
	// A node is best found by its id, so point at the key rather than the body under it.
	for i := 0; i+1 < len(v.Content); i += 2 {
		if v.Content[i].Value != "nodes" {
			continue
		}
		nodes := v.Content[i+1]
		for j := 0; j+1 < len(nodes.Content); j += 2 {
			if n := s.Nodes[nodes.Content[j].Value]; n != nil {
				n.Line = nodes.Content[j].Line
			}
		}
	}
	return nil
}

func (n *Node) UnmarshalYAML(v *yaml.Node) error {
	type plain Node
	n.Line = v.Line
	return v.Decode((*plain)(n))
}

func (r *Reply) UnmarshalYAML(v *yaml.Node) error {
	type plain Reply
	r.Line = v.Line
	return v.Decode((*plain)(r))
}
