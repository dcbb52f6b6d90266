package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// longIDFixture is truthFixture with the demo's long ids: the first item
// has truth and two disagreements.
func longIDFixture() *fixture {
	ids := []string{"demo-11-two-disagreements", "demo-12-nodule-hedge", "demo-13-draft-in-doubt", "demo-14-normal"}
	f := &fixture{store: newFakeStore(), engine: newFakeEngine(), imager: &fakeImager{protocol: "text"}}
	for k, id := range ids {
		f.items = append(f.items, audit.Item{ID: id, ImagePath: "/data/" + id + ".png", Draft: testDrafts[k%4], Line: k + 2})
		r := resultFor(id, k)
		f.store.results[id] = audit.ResultRecord{ItemID: id, Report: r.Report}
		f.engine.results[id] = r
	}
	pe, nod := box(0.6, 0.55, 0.85, 0.88), box(0.3, 0.6, 0.38, 0.68)
	f.items[0].Truth = []schema.Finding{{Label: schema.PleuralEffusion, Box: &pe}, {Label: schema.NoduleMass, Box: &nod}}
	f.items[0].HasTruth = true
	f.engine.done()
	return f
}

// TestTitlesUseTheirSpace: the note editor's and the truth view's titles
// give way part by part, so what the pane has room for is shown and the
// title is cut only where nothing fits: the note's counter always shows,
// the disagreement's key and the truth legend give way before the id.
// The golden is the screen's top line, where the titles are.
func TestTitlesUseTheirSpace(t *testing.T) {
	const id = "demo-11-two-disagreements"
	scenes := []struct {
		name  string
		keys  []string
		check func(t *testing.T, top string, w int)
	}{
		{"disagreement_note", []string{"A"}, func(t *testing.T, top string, w int) {
			assert.Contains(t, top, " · pneumo", "a note on a disagreement keeps its key")
			if w >= 160 {
				assert.Contains(t, top, id+" · pneumoth… · 0/10000 ", "the key's end gives way first, then the word note")
			}
		}},
		{"item_note", []string{"a"}, func(t *testing.T, top string, w int) {
			assert.Contains(t, top, " · 0/10000 ", "the counter shows")
			if w >= 160 {
				assert.Contains(t, top, "note · "+id+" · 0/10000 ")
			}
		}},
		{"truth", []string{"t"}, func(t *testing.T, top string, w int) {
			switch {
			case w >= 160:
				assert.Contains(t, top, id+" · M model solid, T truth dotted ")
			case w >= 120:
				assert.Contains(t, top, id+" · M solid, T dotted ", "the legend gives way first")
			default:
				assert.Contains(t, top, "…11-two-disagreements ", "no room for a legend; the id as it fits")
				assert.NotContains(t, top, " M ")
			}
		}},
	}
	for _, sz := range []struct {
		name string
		w, h int
	}{{"80x24", 80, 24}, {"120x40", 120, 40}, {"160x48", 160, 48}} {
		for _, sc := range scenes {
			t.Run(sz.name+"/"+sc.name, func(t *testing.T) {
				f := longIDFixture()
				h := newHarness(t, f.config(), sz.w, sz.h)
				require.Equal(t, id, currentID(h))
				h.keys(sc.keys...)
				top, _, _ := strings.Cut(h.screen(), "\n")
				golden.RequireEqual(t, top+"\n")
				sc.check(t, top, sz.w)
			})
		}
	}
}
