package tui

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/bubbles/v2/cursor"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// All data in these tests is synthetic.

// fakeStore is an in-memory Store. failSaves makes the next n verdict
// saves fail.
type fakeStore struct {
	mu       sync.Mutex
	results  map[string]audit.ResultRecord
	verdicts []audit.Verdict // every verdict ever saved, undone ones marked
	undone   map[int64]bool
	notes    []audit.Note
	// corrections are every truth correction saved, undone ones marked.
	corrections []audit.TruthCorrection
	failSaves   int
	failNotes   int
	// failWith, when set, is what the failing saves return (else "disk
	// full").
	failWith error
	// refuse, when set, is the error every verdict save returns (a
	// study's refusal, as the session gives it).
	refuse error
	nextID int64
	calls  []string
}

func newFakeStore() *fakeStore {
	return &fakeStore{results: map[string]audit.ResultRecord{}, undone: map[int64]bool{}}
}

// failure is what a failing save returns (s.mu held).
func (s *fakeStore) failure() error {
	if s.failWith != nil {
		return s.failWith
	}
	return errors.New("disk full")
}

func (s *fakeStore) call(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, name)
}

// ResultSummaries summarises the stored results as store.ResultSummaries
// does: a report makes it done, an error or no report an error.
func (s *fakeStore) ResultSummaries(_ context.Context, fn func(audit.ResultSummary) error) error {
	s.call("ResultSummaries")
	s.mu.Lock()
	out := make([]audit.ResultSummary, 0, len(s.results))
	for _, r := range s.results {
		sum := audit.ResultSummary{ItemID: r.ItemID, Status: audit.StatusDone, Error: r.Error, Salvaged: r.Salvaged}
		if r.Error != "" || r.Report == nil {
			sum.Status = audit.StatusError
		}
		if r.Error == "" && r.Report == nil {
			sum.Error = "no report"
		}
		if r.Report != nil {
			sum.Urgent, sum.Disagreements = r.Report.Urgent, len(r.Report.Disagreements)
			sum.DraftDoubts = len(r.Report.DraftDoubts)
		}
		out = append(out, sum)
	}
	s.mu.Unlock()
	for _, sum := range out {
		if err := fn(sum); err != nil {
			return err
		}
	}
	return nil
}

func (s *fakeStore) SaveVerdict(_ context.Context, v audit.Verdict) (audit.Verdict, error) {
	s.call("SaveVerdict")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failSaves > 0 {
		s.failSaves--
		return v, s.failure()
	}
	if s.refuse != nil {
		return v, s.refuse
	}
	s.nextID++
	v.ID = s.nextID
	v.At = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s.verdicts = append(s.verdicts, v)
	return v, nil
}

func (s *fakeStore) UndoLastVerdict(_ context.Context, annotator string) (audit.Verdict, bool, error) {
	s.call("UndoLastVerdict")
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.verdicts) - 1; i >= 0; i-- {
		v := s.verdicts[i]
		if v.Annotator == annotator && !s.undone[v.ID] {
			s.undone[v.ID] = true
			return v, true, nil
		}
	}
	return audit.Verdict{}, false, nil
}

// current returns the live verdicts: the latest not undone per
// (item, disagreement, annotator).
func (s *fakeStore) current(itemID, annotator string) []audit.Verdict {
	latest := map[string]audit.Verdict{}
	for _, v := range s.verdicts {
		if s.undone[v.ID] || (itemID != "" && v.ItemID != itemID) || (annotator != "" && v.Annotator != annotator) {
			continue
		}
		latest[v.ItemID+"\x00"+v.DisagreementKey+"\x00"+v.Annotator] = v
	}
	out := make([]audit.Verdict, 0, len(latest))
	for _, v := range latest {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (s *fakeStore) Verdicts(_ context.Context, itemID, annotator string) ([]audit.Verdict, error) {
	s.call("Verdicts")
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current(itemID, annotator), nil
}

func (s *fakeStore) AllVerdicts(_ context.Context, annotator string) ([]audit.Verdict, error) {
	s.call("AllVerdicts")
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current("", annotator), nil
}

func (s *fakeStore) SaveNote(_ context.Context, n audit.Note) (audit.Note, error) {
	s.call("SaveNote")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failNotes > 0 {
		s.failNotes--
		return n, s.failure()
	}
	s.nextID++
	n.ID = s.nextID
	s.notes = append(s.notes, n)
	return n, nil
}

func (s *fakeStore) Notes(_ context.Context, itemID, annotator string) ([]audit.Note, error) {
	s.call("Notes")
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []audit.Note
	for _, n := range s.notes {
		if n.ItemID == itemID && (annotator == "" || n.Annotator == annotator) {
			out = append(out, n)
		}
	}
	return out, nil
}

// fakeEngine is a pipeline whose updates the test scripts. Close the
// channel (done) before driving the model with run, so reading it ends.
type fakeEngine struct {
	mu      sync.Mutex
	ch      chan audit.Update
	results map[string]*audit.Result
	focused [][]string
	reruns  []string
	lookups []string // items whose full result was looked up
}

func newFakeEngine() *fakeEngine {
	return &fakeEngine{ch: make(chan audit.Update, 64), results: map[string]*audit.Result{}}
}

func (e *fakeEngine) Focus(id string, ahead []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.focused = append(e.focused, append([]string{id}, ahead...))
}

func (e *fakeEngine) Rerun(item audit.Item) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.reruns = append(e.reruns, item.ID)
}

func (e *fakeEngine) Updates() <-chan audit.Update { return e.ch }

func (e *fakeEngine) Lookup(_ context.Context, item audit.Item) (*audit.Result, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.lookups = append(e.lookups, item.ID)
	r, ok := e.results[item.ID]
	return r, ok
}

func (e *fakeEngine) done() { close(e.ch) }

// fakeImager draws a deterministic text picture (protocol "text") or a
// fake out-of-band one ("sixel": Raw is a recognisable DCS).
type fakeImager struct {
	protocol string
	mu       sync.Mutex
	reqs     []ImageRequest
}

func (f *fakeImager) Protocol() string { return f.protocol }

func (f *fakeImager) Encode(_ context.Context, req ImageRequest) (Picture, error) {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()
	if strings.Contains(req.Path, "missing") {
		return Picture{}, fmt.Errorf("load image %s: no such file", req.Path)
	}
	cols, rows := min(req.Cols, 2*req.Rows), req.Rows
	key := req.key()
	if f.protocol == "sixel" {
		return Picture{Raw: []byte("\x1bPq#fake " + req.ItemID + "\x1b\\"), AtCursor: true, Cols: cols, Rows: rows, Key: key}, nil
	}
	lines := make([]string, rows)
	for y := range lines {
		lines[y] = strings.Repeat("░", cols)
	}
	label := "[" + Sanitize(req.ItemID) + "]"
	lines[0] = fit(label, cols)
	for k, o := range req.Overlays {
		if k+1 >= rows {
			break
		}
		mark := "□"
		if o.Selected {
			mark = "■"
		}
		s := mark + o.Tag + " " + string(o.Label)
		if o.Urgent {
			s += "!"
		}
		lines[k+1] = fit(s, cols)
	}
	return Picture{Cells: strings.Join(lines, "\n"), Cols: cols, Rows: rows, Key: key}, nil
}

// fixture builds a worklist of n synthetic items; the first `done` have
// cached results in the store. Item k (0-based) has disagreements as
// below, so tests cover agreeing, urgent and failed items.
type fixture struct {
	items  []audit.Item
	store  *fakeStore
	engine *fakeEngine
	imager *fakeImager
}

var testDrafts = []string{
	"Small left pleural effusion. No pneumothorax. Heart size normal.",
	"Clear lungs. No pneumothorax or effusion.",
	"Right upper lobe opacity, likely consolidation. Cardiomegaly.",
	"No acute cardiopulmonary process.",
}

func box(y0, x0, y1, x1 float64) schema.Box { return schema.Box{Y0: y0, X0: x0, Y1: y1, X1: x1} }

// resultFor returns the synthetic pipeline result of item k.
func resultFor(id string, k int) *audit.Result {
	r := &audit.Result{ItemID: id, Status: audit.StatusDone, Cached: true}
	pe := box(0.6, 0.55, 0.85, 0.9)
	ptx := box(0.1, 0.1, 0.3, 0.35)
	op := box(0.2, 0.15, 0.45, 0.4)
	switch k % 4 {
	case 0: // effusion agreed, pneumothorax contradicted (urgent)
		r.Findings = []schema.Finding{{Label: schema.PleuralEffusion, Box: &pe}, {Label: schema.Pneumothorax, Box: &ptx}}
		r.DraftLabels = []schema.DraftLabel{
			{Label: schema.PleuralEffusion, Status: schema.StatusPresent, Span: "Small left pleural effusion"},
			{Label: schema.Pneumothorax, Status: schema.StatusAbsent, Span: "no pneumothorax"},
			{Label: schema.Cardiomegaly, Status: schema.StatusAbsent, Span: "Heart size normal"},
		}
		r.Report = &audit.Report{Urgent: true, Disagreements: []audit.Disagreement{
			{Label: schema.Pneumothorax, Kind: audit.ContradictedByImage, Urgent: true, DraftSpans: []string{"No pneumothorax"}, Boxes: []schema.Box{ptx}},
		}}
	case 1: // effusion missed, nodule missed (urgent)
		nod := box(0.3, 0.6, 0.38, 0.68)
		r.Findings = []schema.Finding{{Label: schema.PleuralEffusion, Box: &pe}, {Label: schema.NoduleMass, Box: &nod}}
		r.DraftLabels = []schema.DraftLabel{{Label: schema.Pneumothorax, Status: schema.StatusAbsent, Span: "No pneumothorax"}}
		r.Report = &audit.Report{Urgent: true, Disagreements: []audit.Disagreement{
			{Label: schema.PleuralEffusion, Kind: audit.MissedInDraft, DraftSpans: []string{"or effusion"}, Boxes: []schema.Box{pe}},
			{Label: schema.NoduleMass, Kind: audit.MissedInDraft, Urgent: true, DraftSpans: []string{}, Boxes: []schema.Box{nod}},
		}}
	case 2: // opacity agreed, cardiomegaly unsupported
		r.Findings = []schema.Finding{{Label: schema.LungOpacity, Box: &op}}
		r.DraftLabels = []schema.DraftLabel{
			{Label: schema.LungOpacity, Status: schema.StatusPresent, Span: "right upper lobe opacity"},
			{Label: schema.Cardiomegaly, Status: schema.StatusPresent, Span: "Cardiomegaly"},
		}
		r.Report = &audit.Report{Disagreements: []audit.Disagreement{
			{Label: schema.Cardiomegaly, Kind: audit.UnsupportedByImage, DraftSpans: []string{"Cardiomegaly"}, Boxes: []schema.Box{}},
		}}
	case 3: // agreement
		r.DraftLabels = []schema.DraftLabel{{Label: schema.NoFinding, Status: schema.StatusPresent, Span: "No acute cardiopulmonary process"}}
		r.Report = &audit.Report{Disagreements: []audit.Disagreement{}}
	}
	r.Grounding = &audit.StageRecord{Stage: audit.StageGrounding, ItemID: id, Model: "medgemma-fake", ModelDigest: "0123456789abcdef", Raw: `{"findings": []}`, Done: true, DoneReason: "stop", EvalCount: 42}
	r.Draft = &audit.StageRecord{Stage: audit.StageDraft, ItemID: id, Model: "medgemma-fake", Raw: `{"labels": []}`, Thinking: "the draft says no pneumothorax", Done: true, DoneReason: "stop"}
	return r
}

func newFixture(n, done int) *fixture {
	f := &fixture{store: newFakeStore(), engine: newFakeEngine(), imager: &fakeImager{protocol: "text"}}
	for k := 0; k < n; k++ {
		id := fmt.Sprintf("case-%04d", k+1)
		f.items = append(f.items, audit.Item{ID: id, ImagePath: "/data/" + id + ".png", Draft: testDrafts[k%4], Line: k + 2})
		if k < done {
			r := resultFor(id, k)
			f.store.results[id] = audit.ResultRecord{ItemID: id, Report: r.Report}
			f.engine.results[id] = r
		}
	}
	return f
}

func (f *fixture) config() Config {
	st := NewStyles(true)
	return Config{
		Items: f.items, Store: f.store, Engine: f.engine, Imager: f.imager,
		Annotator: "tester", Hosts: []string{"http://gpu1:11434"},
		GroundingModel: "medgemma-4b", DraftModel: "medgemma-27b",
		Urgent: schema.DefaultUrgent(), Styles: &st,
	}
}

// harness drives a Model synchronously: it runs commands and feeds their
// messages back until nothing is left, recording raw writes and quits.
type harness struct {
	t    testing.TB
	m    *Model
	raws []string
	quit bool
}

func newHarness(t testing.TB, cfg Config, w, h int) *harness {
	t.Helper()
	m := New(context.Background(), cfg)
	m.timing.focusDelay, m.timing.flushDelay = 0, 0
	hs := &harness{t: t, m: m}
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	hs.run(m.Init())
	return hs
}

// send feeds msg to Update and runs the resulting commands.
func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	_, cmd := h.m.Update(msg)
	h.run(cmd)
}

// key sends one key press; s is what tea.KeyPressMsg.String() returns.
func (h *harness) key(s string) {
	h.t.Helper()
	h.send(keyMsg(s))
}

func (h *harness) keys(ss ...string) {
	h.t.Helper()
	for _, s := range ss {
		h.key(s)
	}
}

func keyMsg(s string) tea.KeyPressMsg {
	switch s {
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "home":
		return tea.KeyPressMsg{Code: tea.KeyHome}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "f1":
		return tea.KeyPressMsg{Code: tea.KeyF1}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "shift+left":
		return tea.KeyPressMsg{Code: tea.KeyLeft, Mod: tea.ModShift}
	case "shift+right":
		return tea.KeyPressMsg{Code: tea.KeyRight, Mod: tea.ModShift}
	case "shift+up":
		return tea.KeyPressMsg{Code: tea.KeyUp, Mod: tea.ModShift}
	case "shift+down":
		return tea.KeyPressMsg{Code: tea.KeyDown, Mod: tea.ModShift}
	}
	if strings.HasPrefix(s, "ctrl+") {
		return tea.KeyPressMsg{Code: rune(s[5]), Mod: tea.ModCtrl}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

func (h *harness) run(cmd tea.Cmd) {
	h.t.Helper()
	queue := []tea.Cmd{cmd}
	for steps := 0; len(queue) > 0; steps++ {
		require.Less(h.t, steps, 100000, "commands do not settle")
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case spinner.TickMsg, cursor.BlinkMsg:
			// not fed back: they would tick for ever
		case tea.QuitMsg:
			h.quit = true
		case tea.RawMsg:
			h.raws = append(h.raws, fmt.Sprint(msg.Msg))
		default:
			if strings.HasPrefix(fmt.Sprintf("%T", msg), "cursor.") {
				continue // the cursor's first blink
			}
			_, next := h.m.Update(msg)
			queue = append(queue, next)
		}
	}
}

// screen returns the view without styles.
func (h *harness) screen() string { return stripANSI(h.m.Render()) }

func errResult(id string) audit.ResultRecord {
	return audit.ResultRecord{ItemID: id, Error: "grounding: ollama http://gpu1:11434: model \"medgemma-4b\" not found"}
}

type (
	storeResult    = audit.ResultRecord
	pipelineResult = audit.Result
)

func storeResultOf(r *audit.Result) audit.ResultRecord {
	return audit.ResultRecord{ItemID: r.ItemID, Report: r.Report}
}

func errResultWith(id, msg string) audit.ResultRecord {
	return audit.ResultRecord{ItemID: id, Error: msg}
}

// auditUpdate is the pipeline's update bringing res for item id.
func auditUpdate(id string, res *audit.Result) audit.Update {
	res.ItemID = id
	return audit.Update{ItemID: id, Status: audit.StatusDone, Result: res}
}

// loadAll runs the session load cmd (loadSession) on m to its last part,
// as the program would, and returns the command the last part gave.
func loadAll(m *Model, cmd tea.Cmd) tea.Cmd {
	for cmd != nil {
		msg := cmd()
		_, next := m.Update(msg)
		if sm, ok := msg.(sessionLoadedMsg); !ok || sm.done {
			return next
		}
		cmd = next
	}
	return nil
}

// SaveTruthCorrection appends c (TruthStore).
func (s *fakeStore) SaveTruthCorrection(_ context.Context, c audit.TruthCorrection) (audit.TruthCorrection, error) {
	s.call("SaveTruthCorrection")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	c.ID = s.nextID
	s.corrections = append(s.corrections, c)
	return c, nil
}

// UndoLastTruthCorrection marks annotator's latest live correction undone.
func (s *fakeStore) UndoLastTruthCorrection(_ context.Context, annotator string) (audit.TruthCorrection, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.corrections) - 1; i >= 0; i-- {
		if c := s.corrections[i]; c.Annotator == annotator && !s.undone[c.ID] {
			s.undone[c.ID] = true
			return c, true, nil
		}
	}
	return audit.TruthCorrection{}, false, nil
}

// TruthCorrectionOf returns itemID's latest live correction.
func (s *fakeStore) TruthCorrectionOf(_ context.Context, itemID string) (audit.TruthCorrection, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.corrections) - 1; i >= 0; i-- {
		if c := s.corrections[i]; c.ItemID == itemID && !s.undone[c.ID] {
			return c, true, nil
		}
	}
	return audit.TruthCorrection{}, false, nil
}

// CorrectedTruth calls fn with each item's latest live correction.
func (s *fakeStore) CorrectedTruth(ctx context.Context, fn func(audit.TruthCorrection) error) error {
	seen := map[string]bool{}
	s.mu.Lock()
	var ids []string
	for _, c := range s.corrections {
		if !seen[c.ItemID] {
			seen[c.ItemID] = true
			ids = append(ids, c.ItemID)
		}
	}
	s.mu.Unlock()
	for _, id := range ids {
		if c, ok, _ := s.TruthCorrectionOf(ctx, id); ok {
			if err := fn(c); err != nil {
				return err
			}
		}
	}
	return nil
}
