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
		}}
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
	defer cf.mu.Unlock()
	require.Len(t, cf.saved, 2)
	assert.Equal(t, "B hugs the angle", cf.saved[1].Note)
	assert.Equal(t, audit.PreferB, cf.saved[1].Preference)
	assert.Equal(t, v.DifferenceKey, cf.saved[1].DifferenceKey)
	notes, err := f.store.Notes(context.Background(), "case-0001", "tester")
	require.NoError(t, err)
	require.Len(t, notes, 1, "and the item's note, as ever")
	assert.Equal(t, "B hugs the angle", notes[0].Text)
}

// lastOverlays are the boxes of the last image request.
func lastOverlays(f *fixture) []Overlay {
	f.imager.mu.Lock()
	defer f.imager.mu.Unlock()
	return f.imager.reqs[len(f.imager.reqs)-1].Overlays
}
