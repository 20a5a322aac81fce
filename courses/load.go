package courses

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/yuin/goldmark/ast"
)

type courseMeta struct {
	Title    string `yaml:"title"`
	Slug     string `yaml:"slug"`
	Summary  string `yaml:"summary"`
	PassMark int    `yaml:"pass_mark"`
}

type lessonMeta struct {
	Title      string   `yaml:"title"`
	Slug       string   `yaml:"slug"`
	Part       int      `yaml:"part"`
	Summary    string   `yaml:"summary"`
	Minutes    int      `yaml:"minutes"`
	Publish    string   `yaml:"publish"`
	Objectives []string `yaml:"objectives"`
}

var slugRE = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// Load reads every course folder (a folder holding course.md) at the top of fsys, checks it,
// and renders its markdown once. Any problem makes the catalog unusable: callers must refuse
// to serve content for which Load returns problems.
func Load(fsys fs.FS) (*Catalog, []Problem) {
	var all []Problem
	cat := &Catalog{bySlug: map[string]*Course{}}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, []Problem{{File: ".", Line: 1, Msg: err.Error()}}
	}
	var parsed []*parsedCourse
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, err := fs.Stat(fsys, path.Join(e.Name(), "course.md")); err != nil {
			continue
		}
		pc := parseCourse(fsys, e.Name(), &all)
		if pc == nil {
			continue
		}
		if other, dup := cat.bySlug[pc.course.Slug]; dup {
			all = append(all, Problem{File: pc.file, Line: 1, Msg: fmt.Sprintf("course slug %q is also used by %s", pc.course.Slug, other.Title)})
			continue
		}
		cat.bySlug[pc.course.Slug] = pc.course
		cat.Courses = append(cat.Courses, pc.course)
		parsed = append(parsed, pc)
	}
	if len(cat.Courses) == 0 && len(all) == 0 {
		all = append(all, Problem{File: ".", Line: 1, Msg: "no course found: expected a folder holding course.md"})
	}
	// Links can point into any course, so they are resolved once every course is parsed.
	for _, pc := range parsed {
		pc.finish(cat, &all)
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].File != all[j].File {
			return all[i].File < all[j].File
		}
		return all[i].Line < all[j].Line
	})
	if len(all) > 0 {
		return nil, all
	}
	return cat, nil
}

type parsedCourse struct {
	file    string
	course  *Course
	lessons []*parsedLesson
	byFile  map[string]*Lesson
}

type parsedLesson struct {
	lesson *Lesson
	src    []byte // the file with its front matter blanked, so offsets are file offsets
	doc    ast.Node
}

func parseCourse(fsys fs.FS, dir string, all *[]Problem) *parsedCourse {
	file := path.Join(dir, "course.md")
	src, err := fs.ReadFile(fsys, file)
	if err != nil {
		*all = append(*all, Problem{File: file, Line: 1, Msg: err.Error()})
		return nil
	}
	p := problems{file: file, list: all}
	var meta courseMeta
	body, ok := frontMatter(src, &meta, p)
	if !ok {
		return nil
	}
	requireText(p, 2, map[string]string{"title": meta.Title, "slug": meta.Slug, "summary": meta.Summary})
	if meta.Slug != "" && !slugRE.MatchString(meta.Slug) {
		p.add(2, "slug %q: use lower-case letters, digits and hyphens", meta.Slug)
	}
	if meta.PassMark < 1 || meta.PassMark > 100 {
		p.add(2, "pass_mark must be from 1 to 100, got %d", meta.PassMark)
	}
	c := &Course{
		Title: meta.Title, Slug: meta.Slug, Summary: meta.Summary, PassMark: meta.PassMark,
		bySlug: map[string]*Lesson{}, quizzes: map[string]*Quiz{}, scenarios: map[string]*Scenario{},
	}
	pc := &parsedCourse{file: file, course: c, byFile: map[string]*Lesson{}}
	intro, _ := renderer().render(body, newDoc(body), nil)
	c.Intro = joinHTML(intro)

	files, _ := fs.ReadDir(fsys, dir)
	parts := map[int]string{}
	for _, f := range files {
		if f.IsDir() || f.Name() == "course.md" || !strings.HasSuffix(f.Name(), ".md") {
			continue
		}
		pl := parseLesson(fsys, path.Join(dir, f.Name()), c, all)
		if pl == nil {
			continue
		}
		l := pl.lesson
		lp := problems{file: l.File, list: all}
		if _, dup := c.bySlug[l.Slug]; dup {
			lp.add(2, "slug %q is used by another lesson", l.Slug)
			continue
		}
		if other, dup := parts[l.Part]; dup {
			lp.add(2, "part %d is also %s", l.Part, other)
			continue
		}
		parts[l.Part] = l.File
		c.bySlug[l.Slug] = l
		pc.byFile[f.Name()] = l
		c.Lessons = append(c.Lessons, l)
		pc.lessons = append(pc.lessons, pl)
	}
	sortLessons(c.Lessons)
	return pc
}

func parseLesson(fsys fs.FS, file string, c *Course, all *[]Problem) *parsedLesson {
	src, err := fs.ReadFile(fsys, file)
	if err != nil {
		*all = append(*all, Problem{File: file, Line: 1, Msg: err.Error()})
		return nil
	}
	p := problems{file: file, list: all}
	var meta lessonMeta
	body, ok := frontMatter(src, &meta, p)
	if !ok {
		return nil
	}
	before := len(*all)
	requireText(p, 2, map[string]string{"title": meta.Title, "slug": meta.Slug, "summary": meta.Summary, "publish": meta.Publish})
	if meta.Slug != "" && !slugRE.MatchString(meta.Slug) {
		p.add(2, "slug %q: use lower-case letters, digits and hyphens", meta.Slug)
	}
	if meta.Part < 1 {
		p.add(2, "part must be 1 or more, got %d", meta.Part)
	}
	if meta.Minutes < 1 {
		p.add(2, "minutes must be 1 or more, got %d", meta.Minutes)
	}
	publish, err := parseDate(meta.Publish)
	if meta.Publish != "" && err != nil {
		p.add(frontMatterLine(src, "publish"), "publish date %q does not parse: use 2026-10-01 or 2026-10-01T09:00:00Z", meta.Publish)
	}
	if len(*all) > before {
		return nil
	}
	l := &Lesson{
		Course: c, File: file, Title: meta.Title, Slug: meta.Slug, Part: meta.Part,
		Summary: meta.Summary, Minutes: meta.Minutes, Publish: publish, Objectives: meta.Objectives,
	}
	doc := newDoc(body)
	parseActivities(l, body, doc, p)
	return &parsedLesson{lesson: l, src: body, doc: doc}
}

// finish resolves links, registers activities course-wide and renders each lesson.
func (pc *parsedCourse) finish(cat *Catalog, all *[]Problem) {
	c := pc.course
	for _, pl := range pc.lessons {
		l := pl.lesson
		p := problems{file: l.File, list: all}
		checkLinks(pl, pc, cat, p)
		for _, q := range l.Quizzes {
			if _, dup := c.quizzes[q.ID]; dup {
				p.add(q.Line, "quiz id %q is used twice in the course", q.ID)
			}
			c.quizzes[q.ID] = q
		}
		for _, s := range l.Scenarios {
			if _, dup := c.scenarios[s.ID]; dup {
				p.add(s.Line, "scenario id %q is used twice in the course", s.ID)
			}
			c.scenarios[s.ID] = s
		}
		var words int
		l.Body, words = renderer().render(pl.src, pl.doc, l)
		l.Words = words
	}
}

func requireText(p problems, line int, fields map[string]string) {
	names := make([]string, 0, len(fields))
	for k, v := range fields {
		if strings.TrimSpace(v) == "" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		p.add(line, "front matter: %s is required", n)
	}
}

// frontMatter decodes the YAML between the opening and closing "---" lines into meta, and
// returns the file with those lines blanked so markdown offsets stay file offsets.
func frontMatter(src []byte, meta any, p problems) ([]byte, bool) {
	lines := bytes.SplitAfter(src, []byte("\n"))
	if len(lines) == 0 || strings.TrimSpace(string(lines[0])) != "---" {
		p.add(1, "front matter missing: the file must start with a line \"---\"")
		return nil, false
	}
	end := -1
	for i := 1; i < len(lines); i++ {
		if strings.TrimSpace(string(lines[i])) == "---" {
			end = i
			break
		}
	}
	if end < 0 {
		p.add(1, "front matter is not closed: add a line \"---\" after it")
		return nil, false
	}
	yamlSrc := string(bytes.Join(lines[1:end], nil))
	if !decodeYAML(yamlSrc, 2, meta, p) {
		return nil, false
	}
	body := bytes.Repeat([]byte("\n"), end+1)
	body = append(body, bytes.Join(lines[end+1:], nil)...)
	return body, true
}

func frontMatterLine(src []byte, field string) int {
	for i, line := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(line, field+":") {
			return i + 1
		}
	}
	return 2
}

func parseDate(s string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, s)
}

func contentHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}
