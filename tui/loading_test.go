package tui

import (
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// loadingHarness opens the first n of a fixture's 10 items (3 with stored
// results) as a worklist still being read: its index already knows all
// ten, as the reader's does. It returns the items and how often ReadOn
// was called.
func loadingHarness(t *testing.T, n int) (*harness, []audit.Item, *int) {
	t.Helper()
	f := newFixture(10, 3)
	f.engine.done()
	index := MapIndex{}
	for i, it := range f.items {
		index[it.ID] = i
	}
	readOn := 0
	cfg := f.config()
	cfg.Items, cfg.Index, cfg.Loading = f.items[:n], index, true
	cfg.ReadOn = func() { readOn++ }
	h := newHarness(t, cfg, 160, 40)
	return h, f.items, &readOn
}

// TestLoadingGrowsTheList: the first rows are shown at once, with the
// count saying the worklist is still loading; the read is let go on once;
// rows are added in order as they come; saved results are loaded (and
// counted) once the whole list is there.
func TestLoadingGrowsTheList(t *testing.T) {
	h, items, readOn := loadingHarness(t, 4)
	assert.True(t, h.m.Reading())
	assert.Equal(t, 1, *readOn, "the read goes on after the first frame")
	assert.Contains(t, h.screen(), "0/4 done · loading 4…")
	assert.NotContains(t, h.m.cfg.Store.(*fakeStore).calls, "ResultSummaries", "the session waits for the list")
	assert.False(t, h.m.Loaded())

	h.send(ItemsMsg{Items: items[:7]})
	assert.Contains(t, h.screen(), "loading 7…")
	assert.Contains(t, h.screen(), "case-0007")
	assert.Equal(t, []int{0, 1, 2, 3, 4, 5, 6}, h.m.nav.visible)
	h.keys("G")
	assert.Equal(t, "case-0007", h.m.CurrentID(), "the last row read so far")

	h.send(ItemsMsg{Items: items, Done: true})
	assert.False(t, h.m.Reading())
	assert.True(t, h.m.Loaded())
	assert.Contains(t, h.m.cfg.Store.(*fakeStore).calls, "ResultSummaries")
	assert.Contains(t, h.screen(), "3/10 done")
	assert.NotContains(t, h.screen(), "loading")
	assert.Equal(t, 1, *readOn)
	h.send(ItemsMsg{Items: items[:2], Done: true}) // after the end: ignored
	assert.Len(t, h.m.data.items, 10)
}

// TestLoadingListKeysWait: while the worklist is read, the keys that work
// over the whole list say so and do nothing; moving works; once it is
// read they work.
func TestLoadingListKeysWait(t *testing.T) {
	for _, tt := range []struct {
		key  string
		then mode
	}{
		{":", modeJump}, {"/", modeSearch}, {"f", modeBrowse}, {"F", modeBrowse},
		{"s", modeBrowse}, {"l", modeBrowse}, {"M", modeBrowse}, {"t", modeBrowse},
	} {
		t.Run(tt.key, func(t *testing.T) {
			h, items, _ := loadingHarness(t, 4)
			h.key(tt.key)
			assert.Equal(t, modeBrowse, h.m.mode)
			assert.Contains(t, h.m.msg.text, "still reading the worklist (4 rows so far)")
			assert.Equal(t, FilterAll, h.m.nav.filter)
			assert.False(t, h.m.nav.urgentFirst)
			h.keys("j")
			assert.Equal(t, "case-0002", h.m.CurrentID())

			h.send(ItemsMsg{Items: items, Done: true})
			h.key(tt.key)
			assert.Equal(t, tt.then, h.m.mode)
			assert.NotContains(t, h.m.msg.text, "still reading")
		})
	}
}

// TestLoadingLateNews: bad rows found after the first frame are said when
// the read ends, and a read that stops early says so and where.
func TestLoadingLateNews(t *testing.T) {
	t.Run("bad rows", func(t *testing.T) {
		h, items, _ := loadingHarness(t, 4)
		h.send(ItemsMsg{Items: items[:6], Problems: []string{"wl.csv:5003: case-0003: duplicate id (first on line 5)"}})
		h.send(ItemsMsg{Items: items, Problems: []string{"wl.csv:5004: bad: image: missing"}, Done: true})
		assert.Equal(t, msgErr, h.m.msg.kind)
		assert.Contains(t, h.m.msg.text, "worklist: 2 rows skipped: wl.csv:5003: case-0003: duplicate id (first on line 5)")
	})
	t.Run("read error", func(t *testing.T) {
		h, items, _ := loadingHarness(t, 4)
		h.send(ItemsMsg{Items: items[:6], Done: true, Err: errors.New("worklist wl.csv:9: cannot read on: bare quote")})
		assert.Equal(t, msgErr, h.m.msg.kind)
		assert.Contains(t, h.m.msg.text, "reading stopped after 6 rows: worklist wl.csv:9: cannot read on: bare quote")
		assert.True(t, h.m.Loaded(), "what was read is reviewed as usual")
		assert.Contains(t, h.screen(), "/6 done")
	})
}

// TestLoadingNewsOfRowsNotShownYet: the pipeline's news of an item the
// index knows but the list does not have yet changes nothing (and does
// not fail); once the row comes it is a row like the others.
func TestLoadingNewsOfRowsNotShownYet(t *testing.T) {
	h, items, _ := loadingHarness(t, 4)
	r := resultFor("case-0009", 0)
	h.send(engineUpdatedMsg{auditUpdate("case-0009", r)})
	_, ok := h.m.data.find("case-0009")
	assert.False(t, ok)
	h.send(ItemsMsg{Items: items})
	i, ok := h.m.data.find("case-0009")
	require.True(t, ok)
	assert.Equal(t, 8, i)
	assert.True(t, slices.Contains(h.m.nav.visible, 8))
}
