package tui

import (
	"testing"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSixelRewrittenAfterTextOverIt: when the panes on both sides of a
// sixel picture change on one of its rows, the renderer rewrites that
// row's blank cells in the image pane, and terminals that keep sixel
// pixels in the cells (mlterm 3.9) lose that row of the picture: the
// first frame showed the radiograph with its top rows blank.
// The picture is written again after such a frame, and only then.
func TestSixelRewrittenAfterTextOverIt(t *testing.T) {
	f := newFixture(4, 0)
	f.imager.protocol = "sixel"
	f.engine.done()
	h := newHarness(t, f.config(), 120, 40)
	require.Len(t, pictureWrites(h), 1)

	// The current item starts running: its worklist mark (left) and the
	// disagreements pane (right) change on the picture's first row.
	h.send(engineUpdatedMsg{audit.Update{ItemID: "case-0001", Stage: audit.StageDraft, Status: audit.StatusRunning}})
	pics := pictureWrites(h)
	require.Len(t, pics, 2, "written again over the rewritten row")
	assert.Contains(t, pics[1], "\x1b[2;26H\x1bPq#fake case-0001", "at the same place")

	// One side only: the renderer skips the pane's cells.
	h.send(h.m.panes.spin.Tick())
	h.send(engineUpdatedMsg{audit.Update{ItemID: "case-0003", Stage: audit.StageDraft, Status: audit.StatusRunning}})
	assert.Len(t, pictureWrites(h), 2, "not written again when only one side of a row changed")
	h.send(NoticeMsg{Text: "hello"})
	assert.Len(t, pictureWrites(h), 2, "nor for changes below the picture")
}

func TestTextOverPicture(t *testing.T) {
	before := [][2]string{{"a", "b"}, {"c", "d"}}
	for _, c := range []struct {
		name string
		now  [][2]string
		want bool
	}{
		{"unchanged", [][2]string{{"a", "b"}, {"c", "d"}}, false},
		{"left only", [][2]string{{"A", "b"}, {"C", "d"}}, false},
		{"right only", [][2]string{{"a", "B"}, {"c", "D"}}, false},
		{"sides of different rows", [][2]string{{"A", "b"}, {"c", "D"}}, false},
		{"both sides of one row", [][2]string{{"a", "b"}, {"C", "D"}}, true},
		{"another height", [][2]string{{"a", "b"}}, true},
	} {
		assert.Equal(t, c.want, textOverPicture(before, c.now), c.name)
	}
}

// BenchmarkRepairCheck measures what repairImage adds to every update
// while a sixel picture is on screen: drawing the panes beside it.
func BenchmarkRepairCheck(b *testing.B) {
	f := newFixture(40, 40)
	f.imager.protocol = "sixel"
	f.engine.done()
	h := newHarness(b, f.config(), 200, 60)
	require.True(b, h.m.img.onScreen)
	b.ReportAllocs()
	for b.Loop() {
		textOverPicture(h.m.img.beside, h.m.besideRows(h.m.img.rect))
	}
}
