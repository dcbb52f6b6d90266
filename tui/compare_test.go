package tui

import (
	"context"
	"sync"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// compareFixture is two runs over the fixture's items: case-0001 differs
// four ways (a box moved, two labels only in A, one only in B), case-0004
// by a label only in B; the rest agree. Save keeps what it is given.
type compareFixture struct {
	mu    sync.Mutex
	saved []audit.CompareVerdict
	// undone marks withdrawn entries of saved (append-only, as the store).
	undone map[int]bool
}

// undo withdraws the latest live judgment, as the store's session undo
// does, and returns its item's current ones.
func (cf *compareFixture) undo(_ context.Context, annotator string) (audit.CompareVerdict, []audit.CompareVerdict, bool, error) {
	cf.mu.Lock()
	defer cf.mu.Unlock()
	if cf.undone == nil {
		cf.undone = map[int]bool{}
	}
	for i := len(cf.saved) - 1; i >= 0; i-- {
		if v := cf.saved[i]; !cf.undone[i] && v.Annotator == annotator {
			cf.undone[i] = true
			cur := map[string]audit.CompareVerdict{}
			for j, w := range cf.saved {
				if !cf.undone[j] && w.ItemID == v.ItemID {
					cur[w.DifferenceKey+"\x00"+w.Annotator] = w
				}
			}
			var now []audit.CompareVerdict
			for _, w := range cur {
				now = append(now, w)
			}
			return v, now, true, nil
		}
	}
	return audit.CompareVerdict{}, nil, false, nil
}

func (cf *compareFixture) config() *CompareConfig {
	box := func(y0, x0, y1, x1 float64) *schema.Box { return &schema.Box{Y0: y0, X0: x0, Y1: y1, X1: x1} }
	same := []schema.Finding{{Label: schema.Cardiomegaly, Box: box(0.4, 0.3, 0.8, 0.7)}}
	items := map[string]CompareItem{
		"case-0001": {
			A: []schema.Finding{{Label: schema.PleuralEffusion, Box: box(0.6, 0.1, 0.8, 0.4)},
				{Label: schema.Pneumothorax, Box: box(0.1, 0.6, 0.4, 0.9)}, {Label: schema.NoduleMass, Box: box(0.3, 0.2, 0.4, 0.3)}},
			B: []schema.Finding{{Label: schema.PleuralEffusion, Box: box(0.6, 0.5, 0.8, 0.8)},
				{Label: schema.Cardiomegaly, Box: box(0.4, 0.3, 0.8, 0.7)}},
		},
		"case-0002": {A: same, B: same},
		"case-0004": {A: nil, B: []schema.Finding{{Label: schema.NoduleMass, Box: box(0.2, 0.6, 0.3, 0.7)}}},
	}
	return &CompareConfig{RunA: "v1", RunB: "v2", Items: items,
		Save: func(_ context.Context, v audit.CompareVerdict) (audit.CompareVerdict, error) {
			cf.mu.Lock()
			defer cf.mu.Unlock()
			cf.saved = append(cf.saved, v)
			return v, nil
		},
		Undo: cf.undo}
}

// startCompare turns a running workstation into compare mode (the keys
// test's fixture opens without it).
func startCompare(h *harness) {
	var cf compareFixture
	h.m.cmp = newCompareState(cf.config(), "tester")
	h.m.nav.order = h.m.compareOrder()
	h.m.nav.dirty = true
	h.m.applyCompareKeys()
}

// TestCompareFlow: review --compare opens on the first item where the
// runs differ, draws both runs' boxes (A solid, B dashed) with a legend,
// records a `B right` verdict through the store and the tally changes.
func TestCompareFlow(t *testing.T) {
	f := newFixture(6, 6)
	f.engine.done()
	var cf compareFixture
	cfg := f.config()
	cfg.Compare = cf.config()
	cfg.Items[0].Truth = []schema.Finding{{Label: schema.PleuralEffusion, Box: &schema.Box{Y0: 0.6, X0: 0.12, Y1: 0.8, X1: 0.42}}}
	cfg.Items[0].HasTruth = true
	h := newHarness(t, cfg, 120, 40)
	require.Equal(t, "case-0001", h.m.CurrentID(), "the first item where the runs differ")
	h.keys("j")
	require.Equal(t, "case-0004", h.m.CurrentID(), "differing items first")
	h.keys("k")
	screen := h.screen()
	assert.Contains(t, screen, "A/B 1/4 · 0 judged")
	assert.Contains(t, screen, "── A solid v1")
	assert.Contains(t, screen, "╌╌ B dashed v2")
	assert.Contains(t, screen, "┈┈ T dotted truth")
	assert.Contains(t, screen, "pleural_effusion apart")
	assert.Contains(t, screen, "B vs A: 0 wins, 0 losses, 0 ties")
	assert.Contains(t, screen, "B vs A 0–0–0", "the status bar's tally")

	var tags []string
	for _, o := range lastOverlays(f) {
		tags = append(tags, o.Tag+":"+string(o.Label))
	}
	assert.ElementsMatch(t, []string{"A:pleural_effusion", "A:pneumothorax", "A:nodule_mass", "B:pleural_effusion", "B:cardiomegaly", "T:pleural_effusion"}, tags)

	h.keys("2")
	cf.mu.Lock()
	require.Len(t, cf.saved, 1)
	v := cf.saved[0]
	cf.mu.Unlock()
	assert.Equal(t, audit.CompareVerdict{ItemID: "case-0001", RunA: "v1", RunB: "v2", DifferenceKey: "pleural_effusion/moved/a0/b0",
		Label: schema.PleuralEffusion, Preference: audit.PreferB, Annotator: "tester"}, v)
	screen = h.screen()
	assert.Contains(t, screen, "B right ✓")
	assert.Contains(t, screen, "B vs A: 1 win, 0 losses, 0 ties")
	assert.Contains(t, screen, "B share 100% [21–100%] 95% Wilson")
	assert.Contains(t, screen, "B vs A 1–0–0")
	assert.Contains(t, screen, "A/B 2/4 · 1 judged", "the next difference not judged")
	golden.RequireEqual(t, h.screen())

	// A note on the judged difference is stored with its judgment.
	h.keys("p", "a")
	h.typeText("B hugs the angle")
	h.keys("ctrl+s")
	cf.mu.Lock()
	require.Len(t, cf.saved, 2)
	assert.Equal(t, "B hugs the angle", cf.saved[1].Note)
	assert.Equal(t, audit.PreferB, cf.saved[1].Preference)
	assert.Equal(t, v.DifferenceKey, cf.saved[1].DifferenceKey)
	cf.mu.Unlock()
	notes, err := f.store.Notes(context.Background(), "case-0001", "tester")
	require.NoError(t, err)
	require.Len(t, notes, 1, "and the item's note, as ever")
	assert.Equal(t, "B hugs the angle", notes[0].Text)

	// z withdraws the judgment with its note, then the judgment: the
	// tally goes back, and the store keeps both records.
	h.keys("z")
	assert.Contains(t, h.screen(), "B vs A 1–0–0", "the note's record undone, the judgment before it back")
	h.keys("z")
	screen = h.screen()
	assert.Contains(t, screen, "B vs A 0–0–0")
	assert.Contains(t, screen, "undone ✓ case-0001 pleural_effusion: B right (no judgment)")
	cf.mu.Lock()
	defer cf.mu.Unlock()
	assert.Len(t, cf.saved, 2)
	assert.Len(t, cf.undone, 2)
}

// TestCompareUndo: z in compare mode withdraws this session's latest
// judgment, brings back the one it replaced, and says when there is
// nothing to undo or no way to.
func TestCompareUndo(t *testing.T) {
	tests := []struct {
		name    string
		keys    []string
		noUndo  bool // the session gives no Undo
		want    []string
		current map[string]audit.Preference // difference key -> this reviewer's judgment
	}{
		{"a judgment withdrawn", []string{"2", "z"}, false,
			[]string{"undone ✓ case-0001 pleural_effusion: B right (no judgment)", "B vs A 0–0–0", "A/B 1/4 · 0 judged"},
			map[string]audit.Preference{}},
		{"a replaced judgment comes back", []string{"2", "p", "1", "z"}, false,
			[]string{"undone ✓ case-0001 pleural_effusion: A right (back to B right)", "B vs A 1–0–0"},
			map[string]audit.Preference{"pleural_effusion/moved/a0/b0": audit.PreferB}},
		{"only the latest of two", []string{"2", "4", "z"}, false,
			[]string{"B vs A 1–0–0", "A/B 2/4 · 1 judged"},
			map[string]audit.Preference{"pleural_effusion/moved/a0/b0": audit.PreferB}},
		{"nothing to undo", []string{"z"}, false, []string{"nothing to undo"}, map[string]audit.Preference{}},
		{"no undo in this session", []string{"2", "z"}, true, []string{"undo failed: this session cannot undo compare verdicts"},
			map[string]audit.Preference{"pleural_effusion/moved/a0/b0": audit.PreferB}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(6, 6)
			f.engine.done()
			var cf compareFixture
			cfg := f.config()
			cfg.Compare = cf.config()
			if tt.noUndo {
				cfg.Compare.Undo = nil
			}
			h := newHarness(t, cfg, 120, 40)
			h.keys(tt.keys...)
			screen := h.screen()
			for _, w := range tt.want {
				assert.Contains(t, screen, w)
			}
			got := map[string]audit.Preference{}
			for k, e := range h.m.cmp.mine["case-0001"] {
				got[k] = e.pref
			}
			assert.Equal(t, tt.current, got)
		})
	}
}

// lastOverlays are the boxes of the last image request.
func lastOverlays(f *fixture) []Overlay {
	f.imager.mu.Lock()
	defer f.imager.mu.Unlock()
	return f.imager.reqs[len(f.imager.reqs)-1].Overlays
}

// TestCompareMetricsTally: in compare mode the metrics pane (M) shows the
// preference tally atop the card's table, following each judgment and
// undo; outside compare mode it has none.
func TestCompareMetricsTally(t *testing.T) {
	tests := []struct {
		name    string
		compare bool
		keys    []string
		want    []string
		wantNot []string
	}{
		{"before any judgment", true, nil,
			[]string{"preference tally, A v1 · B v2", "B vs A: 0 wins, 0 losses, 0 ties"}, nil},
		{"a B right and an A right", true, []string{"2", "1"},
			[]string{"B vs A: 1 win, 1 loss, 0 ties", "B share 50% [9–91%] 95% Wilson"}, nil},
		{"a tie, then undone", true, []string{"3", "z"},
			[]string{"B vs A: 0 wins, 0 losses, 0 ties"}, []string{"1 tie"}},
		{"not in compare mode", false, nil, nil, []string{"preference tally"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(6, 6)
			f.engine.done()
			var cf compareFixture
			cfg := f.config()
			if tt.compare {
				cfg.Compare = cf.config()
			}
			h := newHarness(t, cfg, 160, 48)
			h.keys(tt.keys...)
			h.key("M")
			screen := h.screen()
			require.Contains(t, screen, "metrics against the truth")
			for _, w := range tt.want {
				assert.Contains(t, screen, w)
			}
			for _, w := range tt.wantNot {
				assert.NotContains(t, screen, w)
			}
		})
	}
}

// TestCompareWorklist: in compare mode the worklist counts each item's
// differences between the runs, not the draft's disagreements, marks them
// ◐ when some are judged and ● when all are, and its title says how many
// items differ.
func TestCompareWorklist(t *testing.T) {
	tests := []struct {
		name  string
		keys  []string
		id    string
		count int
		some  bool
		done  bool
	}{
		{"four differences, none judged", nil, "case-0001", 4, false, false},
		{"one judged", []string{"2"}, "case-0001", 4, true, false},
		{"all judged", []string{"1", "1", "1", "1"}, "case-0001", 4, true, true},
		{"a difference the draft does not have", nil, "case-0004", 1, false, false},
		{"the runs agree, whatever the draft", nil, "case-0002", 0, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(6, 6)
			f.engine.done()
			var cf compareFixture
			cfg := f.config()
			cfg.Compare = cf.config()
			h := newHarness(t, cfg, 120, 40)
			h.keys(tt.keys...)
			i, _ := h.m.data.find(tt.id)
			r := h.m.worklistRow(i)
			assert.True(t, r.known)
			assert.Equal(t, tt.count, r.count)
			assert.Equal(t, tt.some, r.adjSome, "◐")
			assert.Equal(t, tt.done, r.adjDone, "●")
			assert.Contains(t, h.screen(), "· A≠B 2 ")
		})
	}
}
