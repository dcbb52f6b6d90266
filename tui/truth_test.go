package tui

import (
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// truthFixture is the standard fixture with truth on the first item: the
// model's effusion matches a truth box, its pneumothorax is not in the
// truth (spurious), and the truth's nodule is missed (urgent). The
// second item has no truth.
func truthFixture() *fixture {
	f := newFixture(8, 6)
	pe, nod := box(0.6, 0.55, 0.85, 0.88), box(0.3, 0.6, 0.38, 0.68)
	f.items[0].Truth = []schema.Finding{{Label: schema.PleuralEffusion, Box: &pe}, {Label: schema.NoduleMass, Box: &nod}}
	f.items[0].HasTruth = true
	f.engine.done()
	return f
}

func TestTruthViewTriage(t *testing.T) {
	f := truthFixture()
	h := newHarness(t, f.config(), 160, 40)
	require.Equal(t, "case-0001", currentID(h))
	assert.NotContains(t, h.screen(), "missed (truth only)", "the draft's disagreements until t")

	h.key("t")
	scr := h.screen()
	assert.Contains(t, scr, "1 pleural_effusion matched")
	assert.Contains(t, scr, "IoU 0.94 · triage: —")
	assert.Contains(t, scr, "2 pneumothorax spurious")
	assert.Contains(t, scr, "3 URGENT nodule_mass missed")
	assert.Contains(t, scr, "truth 2/3 · 0/2 errors triaged", "the first error row is selected")

	h.key("i")
	assert.Empty(t, f.store.current("case-0001", "tester"), "the draft's verdict keys do nothing in the truth view")

	h.key("m") // the spurious pneumothorax: the model is wrong
	h.key("x") // the missed nodule: the truth is wrong
	vs := f.store.current("case-0001", "tester")
	require.Len(t, vs, 2)
	got := map[string]audit.Decision{}
	for _, v := range vs {
		got[v.DisagreementKey] = v.Decision
	}
	assert.Equal(t, map[string]audit.Decision{
		"truth:pneumothorax/spurious/t-/p1": audit.ModelWrong,
		"truth:nodule_mass/missed/t1/p-":    audit.TruthWrong,
	}, got)
	assert.Contains(t, h.screen(), "truth only · triage: truth wrong saved ✓")
	assert.Contains(t, h.screen(), "2/2 errors triaged")

	h.key("z")
	assert.Len(t, f.store.current("case-0001", "tester"), 1, "undo takes the last triage back")
	assert.Contains(t, h.screen(), "1/2 errors triaged")

	h.key("j")
	assert.Contains(t, h.screen(), "no truth for this item")
	h.key("t")
	assert.NotContains(t, h.screen(), "no truth for this item", "items without truth look as before")
}

// TestTruthScreen pins the truth view's screen: the rows against the
// truth, one triaged.
func TestTruthScreen(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			f := truthFixture()
			h := newHarness(t, f.config(), sz.w, sz.h)
			h.keys("t", "m")
			golden.RequireEqual(t, h.screen())
			assert.Len(t, f.store.current("case-0001", "tester"), 1)
			assert.Equal(t, "truth 1: 1 missed (1 urgent), 1 spurious, 0 mislocated", h.m.truthTotals(), "a triage changes no row")
			var truthBoxes, selected []string
			for _, o := range h.m.overlays() {
				if o.Truth {
					truthBoxes = append(truthBoxes, string(o.Label))
				}
				if o.Selected {
					selected = append(selected, string(o.Label))
				}
			}
			assert.Equal(t, []string{"pleural_effusion", "nodule_mass"}, truthBoxes, "both truth boxes drawn as the truth's")
			assert.Equal(t, []string{"nodule_mass"}, selected, "the selected row's box")
		})
	}
}

// The metrics pane shows the card's table for the items with truth and
// findings, and follows a result that arrives while it is open.
func TestMetricsPane(t *testing.T) {
	f := truthFixture()
	h := newHarness(t, f.config(), 160, 48)
	h.key("M")
	scr := h.screen()
	assert.Contains(t, scr, "metrics against the truth · 1 of 1 items with truth scored")
	assert.Contains(t, scr, "nodule_mass")
	assert.Contains(t, scr, "0/1", "the urgent nodule was missed")
	h.key("M")
	assert.NotContains(t, h.screen(), "metrics against the truth")
}

// TestTriageFlow: find the missed urgent finding, mark the truth wrong
// and take it out, take the model's box into the truth, and see the
// metrics change; z undoes the last correction.
func TestTriageFlow(t *testing.T) {
	f := truthFixture()
	h := newHarness(t, f.config(), 160, 48)
	h.key("M")
	before := h.m.metrics.text
	require.Contains(t, before, "nodule_mass   0/1")
	h.keys("M", "t")

	rows := h.m.truthRows()
	require.Equal(t, audit.ErrorSpurious, rows[h.m.truth.sel].Kind, "starts on the first open row")
	h.keys("n")
	sel := h.m.truthRows()[h.m.truth.sel]
	require.True(t, sel.Urgent && sel.Kind == audit.ErrorMissed, "the missed urgent nodule")
	h.keys("x", "X") // the truth is wrong: remove its nodule
	// The nodule's row is gone: the selection is on the last row left,
	// the spurious pneumothorax.
	require.Equal(t, schema.Pneumothorax, h.m.truthRows()[h.m.truth.sel].Label)
	h.keys("x", "c") // the truth is wrong: take the model's box into it

	truth := h.m.data.truthOf(0)
	require.Len(t, truth, 2)
	assert.Equal(t, []schema.Label{schema.PleuralEffusion, schema.Pneumothorax}, []schema.Label{truth[0].Label, truth[1].Label})
	by, _ := truthCounts(h.m.truthRows())
	assert.Equal(t, 2, by[audit.ErrorMatched], "every row a match now")
	require.Len(t, f.store.corrections, 2)

	h.key("M")
	after := h.m.metrics.text
	assert.NotEqual(t, before, after, "the metrics follow the corrected truth")
	assert.Contains(t, after, "nodule_mass   0/0")
	assert.Contains(t, after, "pneumothorax  1/1")

	h.keys("M", "z")
	assert.Len(t, h.m.data.truthOf(0), 1, "z took the accepted pneumothorax back out")
}

// The truth filter and order: by kind, by label, urgent misses first,
// worst IoU first, over the items whose findings are known.
func TestTruthFilterOrder(t *testing.T) {
	f := truthFixture()
	// case-0002: the model's nodule is not in the truth (spurious);
	// case-0003: the model's opacity sits off the truth's (mislocated).
	pe, op := box(0.6, 0.55, 0.85, 0.9), box(0.5, 0.5, 0.7, 0.7)
	f.items[1].Truth, f.items[1].HasTruth = []schema.Finding{{Label: schema.PleuralEffusion, Box: &pe}}, true
	f.items[2].Truth, f.items[2].HasTruth = []schema.Finding{{Label: schema.LungOpacity, Box: &op}}, true
	h := newHarness(t, f.config(), 160, 48)
	for k, id := range []string{"case-0002", "case-0003"} {
		h.send(engineUpdatedMsg{auditUpdate(id, resultFor(id, k+1))})
	}
	h.key("t")
	assert.Equal(t, "truth 3: 1 missed (1 urgent), 2 spurious, 1 mislocated", h.m.truthTotals())
	visible := func() []string {
		var ids []string
		for _, i := range h.m.nav.visible {
			ids = append(ids, h.m.data.items[i].ID)
		}
		return ids
	}
	want := map[TruthFilter][]string{
		TruthFilterErrors:       {"case-0001", "case-0002", "case-0003"},
		TruthFilterUrgentMissed: {"case-0001"},
		TruthFilterMissed:       {"case-0001"},
		TruthFilterSpurious:     {"case-0001", "case-0002"},
		TruthFilterMislocated:   {"case-0003"},
	}
	for fl := TruthFilterErrors; fl <= TruthFilterMislocated; fl++ {
		h.key("T")
		require.Equal(t, fl, h.m.truth.filter)
		assert.Equal(t, want[fl], visible(), fl.String())
	}
	h.key("T") // errors on pleural_effusion: none
	assert.Empty(t, visible())
	h.key("T") // on pneumothorax
	assert.Equal(t, []string{"case-0001"}, visible())
	for range len(schema.PositiveLabels()) - 1 {
		h.key("T")
	}
	require.Equal(t, TruthFilterOff, h.m.truth.filter)

	h.key("O")
	assert.Equal(t, "case-0001", visible()[0], "the urgent miss first")
	h.key("O")
	assert.Equal(t, "case-0003", visible()[0], "the worst IoU first")
	assert.Contains(t, h.screen(), "worst IoU first")
	h.key("O")
	assert.Equal(t, "case-0001", visible()[0])
	assert.Len(t, visible(), 8)
}
