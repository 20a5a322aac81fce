package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"rapport/content"
	"rapport/courses"
	"rapport/server"
	"rapport/server/store"
)

// environment is what the workloads share: the content they exercise and the trainees.
type environment struct {
	dbPath   string
	pageFile string
	page     []byte // the lesson page as trainee 0 sees it, served back as the static baseline

	lesson   *courses.Lesson
	quiz     *courses.Quiz
	scenario *courses.Scenario

	lessonPath, quizPath, scenarioPath string

	pool  []*trainee // the steady workloads' trainees, signed in, with a CSRF token
	spike []*trainee // fresh trainees for the spike: signed in, nothing opened yet

	ackMu sync.Mutex
	acked []int64 // attempt ids the server acknowledged with a redirect to the attempt
}

// trainee is one signed-in person. A trainee has at most one request in flight.
type trainee struct {
	n        int
	id       int64
	session  string // "rapport=..." as the browser sends it
	csrf     string // the token in forms and in the rapport_csrf cookie
	cookies  string // the session and CSRF cookies together
	quizBody []byte

	// The conversation as this trainee plays it, advanced when the server accepts a reply.
	state    courses.State
	restart  bool
	lastPost int // the choice sent, applied when the server accepts it
}

func (e *environment) ack(id int64) {
	e.ackMu.Lock()
	e.acked = append(e.acked, id)
	e.ackMu.Unlock()
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// prepare makes the session key and the trainees, then starts the server once to open the
// lesson for every steady trainee (the first opening writes; the workloads measure reading) and
// to fetch the page that becomes the static baseline.
func prepare(ctx context.Context, o options, out io.Writer) (*environment, error) {
	began := time.Now()
	cat, problems := courses.Load(content.FS())
	if len(problems) > 0 {
		return nil, fmt.Errorf("shipped content has problems: %v", problems)
	}
	course, ok := cat.Course(o.course)
	if !ok {
		return nil, fmt.Errorf("no course %q", o.course)
	}
	l, ok := course.Lesson(o.lesson)
	if !ok || len(l.Quizzes) == 0 || len(l.Scenarios) == 0 {
		return nil, fmt.Errorf("lesson %q must exist and hold a quiz and a conversation", o.lesson)
	}
	env := &environment{
		dbPath: cmp.Or(o.db, filepath.Join(o.data, "rapport.db")), pageFile: filepath.Join(o.data, "bench-lesson.html"),
		lesson: l, quiz: l.Quizzes[0], scenario: l.Scenarios[0],
	}
	env.lessonPath = "/courses/" + course.Slug + "/" + l.Slug
	env.quizPath = env.lessonPath + "/quiz/" + env.quiz.ID
	env.scenarioPath = env.lessonPath + "/conversation/" + env.scenario.ID

	key := make([]byte, 96)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.data, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(o.data, "session.key"), []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, err
	}
	all, err := createTrainees(env.dbPath, key, o.trainees+o.spike)
	if err != nil {
		return nil, err
	}
	env.pool, env.spike = all[:o.trainees], all[o.trainees:]
	for _, t := range env.pool {
		t.state = env.scenario.Begin()
	}

	srv, _, err := startServer(ctx, o)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	if err := openLessons(ctx, env, srv.url, o.conns); err != nil {
		return nil, err
	}
	for _, t := range env.pool {
		t.quizBody = []byte(quizForm(env.quiz, t))
	}
	// The page trainee 0 sees from now on, uncompressed: the baseline's bytes.
	page, err := fetch(srv.url+env.lessonPath, env.pool[0])
	if err != nil {
		return nil, err
	}
	env.page = page
	if err := os.WriteFile(env.pageFile, page, 0o600); err != nil {
		return nil, err
	}
	quizPage, err := fetch(srv.url+env.quizPath, env.pool[0])
	if err != nil {
		return nil, err
	}
	if !strings.Contains(string(quizPage), `value="`+env.quiz.Hash+`"`) {
		return nil, fmt.Errorf("the server's quiz %s is not the version in this build's content", env.quiz.ID)
	}
	fmt.Fprintf(out, "prepared %d + %d trainees in %s; lesson page %d bytes\n", len(env.pool), len(env.spike), time.Since(began).Round(time.Millisecond), len(page))
	return env, srv.stop()
}

// createTrainees adds n trainee accounts in a few transactions and signs each in with the
// cookie the sign-in form would set. Their password hash is of a random password nobody knows.
func createTrainees(dbPath string, key []byte, n int) ([]*trainee, error) {
	st, err := store.Open(dbPath, nil)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	pw := make([]byte, 16)
	_, _ = rand.Read(pw)
	hash, err := bcrypt.GenerateFromPassword([]byte(hex.EncodeToString(pw)), bcrypt.DefaultCost)
	if err != nil {
		return nil, err
	}
	users := make([]*store.User, n)
	for i := range users {
		users[i] = &store.User{Email: fmt.Sprintf("trainee-%06d@load.test", i), Name: fmt.Sprintf("Trainee %d", i), PasswordHash: string(hash), Role: store.RoleTrainee}
	}
	if err := st.DB().CreateInBatches(users, 500).Error; err != nil {
		return nil, fmt.Errorf("create trainees: %w", err)
	}
	out := make([]*trainee, n)
	now := time.Now()
	for i, u := range users {
		c, err := server.SessionCookie(key, false, u.ID, now)
		if err != nil {
			return nil, err
		}
		out[i] = &trainee{n: i, id: u.ID, session: c.Name + "=" + c.Value}
		out[i].cookies = out[i].session
	}
	return out, nil
}

// openLessons has every steady trainee open the lesson once, as a browser would, keeping the
// CSRF token the page carries (the same as its rapport_csrf cookie).
func openLessons(ctx context.Context, env *environment, base string, workers int) error {
	jobs := make(chan *trainee)
	errc := make(chan error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range jobs {
				if err := openLesson(base+env.lessonPath, t); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	var err error
feed:
	for _, t := range env.pool {
		select {
		case jobs <- t:
		case err = <-errc:
			break feed
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errc:
		default:
		}
	}
	return err
}

// openLesson is a trainee's GET of the lesson page: it must answer 200, signed in, and hand out
// a CSRF token in the page and in the rapport_csrf cookie.
func openLesson(u string, t *trainee) error {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Cookie", t.cookies)
	res, err := prepClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK || !signedIn(body) {
		return fmt.Errorf("trainee %d: GET %s: status %d, signed in %v", t.n, u, res.StatusCode, signedIn(body))
	}
	m := csrfInput.FindSubmatch(body)
	if m == nil {
		return fmt.Errorf("trainee %d: the lesson page holds no CSRF token", t.n)
	}
	tok := string(m[1])
	var cookie string
	for _, c := range res.Cookies() {
		if c.Name == "rapport_csrf" {
			cookie = c.Value
		}
	}
	if cookie != tok {
		return fmt.Errorf("trainee %d: CSRF cookie %q does not match the form token %q", t.n, cookie, tok)
	}
	t.csrf = tok
	t.cookies = t.session + "; rapport_csrf=" + tok
	return nil
}

var prepClient = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Transport:     &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true},
}

func fetch(u string, t *trainee) ([]byte, error) {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Cookie", t.cookies)
	res, err := prepClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: status %d", u, res.StatusCode)
	}
	return body, err
}

// signedIn reports whether a page was rendered for a signed-in user (it offers to sign out).
func signedIn(body []byte) bool { return bytes.Contains(body, signOut) }

var signOut = []byte("Sign out")

// quizForm is the trainee's submission: every question answered, all right except that every
// fourth trainee gets the first question wrong, so attempts both pass and fail.
func quizForm(q *courses.Quiz, t *trainee) string {
	f := url.Values{"csrf": {t.csrf}, "version": {q.Hash}}
	for qi, qu := range q.Questions {
		var right, wrong []int
		for i, c := range qu.Choices {
			if c.Correct {
				right = append(right, i)
			} else {
				wrong = append(wrong, i)
			}
		}
		pick := right
		if qi == 0 && t.n%4 == 3 && len(wrong) > 0 {
			pick = wrong[:1]
		}
		for _, i := range pick {
			f.Add("q-"+qu.ID, strconv.Itoa(i))
		}
	}
	return f.Encode()
}

// verification is what the database holds of the acknowledged attempts.
type verification struct {
	acked, stored, rows int
}

// verifyAttempts reopens the database after the server stopped and checks that every attempt
// the server acknowledged is there.
func verifyAttempts(env *environment) (verification, error) {
	st, err := store.Open(env.dbPath, nil)
	if err != nil {
		return verification{}, err
	}
	defer st.Close()
	var ids []int64
	if err := st.DB().Model(&store.QuizAttempt{}).Pluck("id", &ids).Error; err != nil {
		return verification{}, fmt.Errorf("verify attempts: %w", err)
	}
	have := make(map[int64]bool, len(ids))
	for _, id := range ids {
		have[id] = true
	}
	v := verification{acked: len(env.acked), rows: len(ids)}
	for _, id := range env.acked {
		if have[id] {
			v.stored++
		}
	}
	return v, nil
}
