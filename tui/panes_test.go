package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Each pane is drawn alone here, from data set on it, with no root model:
// a pane reads only its own fields.

// paneView is a pane as the tests see it.
type paneView interface{ View(w, h int) string }

// paneFixtures builds every pane with synthetic data.
func paneFixtures() map[string]paneView {
	st := NewStyles(true)
	wl := &worklistPane{st: st.Worklist}
	wl.SetSize(18, 6)
	wl.SetCursor(8, 6)
	from, to := wl.Window()
	var rows []worklistRow
	for i := from; i < to; i++ {
		r := worklistRow{id: fmt.Sprintf("case-%04d", i+1), status: audit.StatusDone, known: true, count: i % 3, urgent: i%2 == 0, selected: i == 6}
		r.adjDone = r.count > 0 && i%4 == 0
		r.adjSome = r.count > 0 && !r.adjDone
		if i == 5 {
			r.status, r.known = audit.StatusRunning, false
		}
		rows = append(rows, r)
	}
	wl.SetRows(rows, "7/8", false, "⣾", "⣾")

	dis := &disagreementPane{st: st.Disagreement, errStyle: st.Status.Error}
	dis.SetData(disagreementData{present: true, status: audit.StatusDone, loaded: true, selected: 1, rows: []disagreementRow{
		{label: schema.PleuralEffusion, kind: audit.MissedInDraft, spans: []string{"or effusion"},
			verdict: &verdictEntry{decision: audit.ImageRight, state: stateSaved}, others: "others: bob: draft right"},
		{label: schema.NoduleMass, kind: audit.MissedInDraft, urgent: true},
		{label: schema.Pneumothorax, kind: audit.ContradictedByImage, urgent: true, spans: []string{"No pneumothorax"},
			verdict: &verdictEntry{decision: audit.Unsure, state: stateFailed, err: "disk full"}},
	}})

	doubt := &disagreementPane{st: st.Disagreement, errStyle: st.Status.Error}
	doubt.SetData(disagreementData{present: true, status: audit.StatusDone, loaded: true, rows: []disagreementRow{
		{label: schema.Pneumothorax, kind: audit.UnsupportedByImage, spans: []string{"No pneumothorax."}, inDoubt: true},
	}, doubts: []doubtRow{{label: schema.Pneumothorax, model: schema.StatusPresent, modelSpans: []string{"No pneumothorax."},
		rules: schema.StatusAbsent, ruleSpans: []string{"No pneumothorax"}}}})
	agreeDoubt := &disagreementPane{st: st.Disagreement, errStyle: st.Status.Error}
	agreeDoubt.SetData(disagreementData{present: true, status: audit.StatusDone, loaded: true,
		doubts: []doubtRow{{label: schema.PleuralEffusion, model: schema.StatusSilent, rules: schema.StatusAbsent, ruleSpans: []string{"No effusion"}}}})

	failed := &disagreementPane{st: st.Disagreement, errStyle: st.Status.Error}
	failed.SetData(disagreementData{present: true, status: audit.StatusError, err: "grounding: model \"x\" not found"})

	dr := &draftPane{st: st.Draft}
	dr.SetData(draftData{present: true, text: "Clear lungs. No pneumothorax or effusion. 👨\u200d👩\u200d👧 🇫🇷 end.",
		spans: []string{"Clear lungs"}, selected: []string{"or effusion"}, note: "see CT", salvaged: true})

	img := &imagePane{st: st.Image}
	img.SetData(showCells, "▀▀▀▀\n▄▄▄▄", "case-0002 · W×0.80 L+0.05")
	loading := &imagePane{st: st.Image}
	loading.SetData(showPlaceholder, "loading image…", "case-0002")

	sb := &statusBar{st: st.Status}
	sb.SetData(statusData{extra: "DEMO", done: 6, total: 8, running: 1, failed: 1, saved: 2, spin: "⣾",
		hosts: "http://gpu1:11434", models: "medgemma-4b / medgemma-27b", gfx: "gfx: text", who: "as tester (blind)",
		message: message{text: "saved ✓ case-0002 pleural_effusion: image right", kind: msgOK}, pending: 1})

	return map[string]paneView{
		"worklist": wl, "disagreements": dis, "disagreements_failed": failed, "draft": dr,
		"disagreements_doubt": doubt, "disagreements_agree_doubt": agreeDoubt,
		"image": img, "image_loading": loading, "status": sb,
	}
}

// TestPanesAlone draws each pane alone at two sizes (goldens, styles
// stripped) and checks it stays inside its place.
func TestPanesAlone(t *testing.T) {
	sizes := []struct{ w, h int }{{30, 8}, {60, 12}}
	for name, p := range paneFixtures() {
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("%s/%dx%d", name, sz.w, sz.h), func(t *testing.T) {
				h := sz.h
				if name == "status" {
					h = 2
				}
				s := p.View(sz.w, h)
				lines := strings.Split(s, "\n")
				require.LessOrEqual(t, len(lines), h, "at most %d lines", h)
				for _, l := range lines {
					require.LessOrEqual(t, ansi.StringWidth(l), sz.w, "line %q wider than %d", ansi.Strip(l), sz.w)
				}
				golden.RequireEqual(t, ansi.Strip(s))
			})
		}
	}
}

// TestPanesDrawWithoutChangingState: drawing twice, at any size, gives the
// same text and moves nothing (the worklist used to move its scroll
// offset while drawing).
func TestPanesDrawWithoutChangingState(t *testing.T) {
	wl := &worklistPane{st: NewStyles(true).Worklist}
	wl.SetSize(20, 5)
	wl.SetCursor(100, 50)
	require.Equal(t, 46, wl.offset, "SetCursor scrolls the least needed to show the cursor")
	from, to := wl.Window()
	assert.Equal(t, []int{46, 51}, []int{from, to})
	_ = wl.View(20, 2) // a smaller draw must not scroll
	assert.Equal(t, 46, wl.offset)
	wl.SetSize(20, 10)
	assert.Equal(t, 46, wl.offset, "the list does not jump when it grows")
	wl.SetCursor(100, 40)
	assert.Equal(t, 40, wl.offset)

	for name, p := range paneFixtures() {
		a, b := p.View(40, 10), p.View(40, 10)
		assert.Equal(t, a, b, name)
	}

	h, _ := keyFixture(t)
	h.keys("G", "k")
	before := h.m.panes.worklist
	s1 := h.m.Render()
	assert.Equal(t, s1, h.m.Render())
	assert.Equal(t, before.offset, h.m.panes.worklist.offset)
}

// TestWorklistScrollsOnlyWhenNeeded: moving within the rows in view does
// not scroll; moving past the bottom scrolls by one.
func TestWorklistScrollsOnlyWhenNeeded(t *testing.T) {
	f := newFixture(40, 40)
	f.engine.done()
	h := newHarness(t, f.config(), 80, 24) // 19 rows in view
	for range 18 {
		h.key("j")
	}
	assert.Equal(t, 0, h.m.panes.worklist.offset)
	h.key("j")
	assert.Equal(t, 1, h.m.panes.worklist.offset)
	h.key("k")
	assert.Equal(t, 1, h.m.panes.worklist.offset, "moving back up inside the view does not scroll")
	assert.Contains(t, h.screen(), "case-0019")
	assert.NotContains(t, h.screen(), "│ ✓ case-0001", "the first row scrolled out")
}
