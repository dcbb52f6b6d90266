package tui

import (
	"context"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// kittyRelease is what the fake kitty imager's pictures are deleted with.
const kittyRelease = "\x1b_Ga=d,d=I,i=7,q=2\x1b\\"

// kittyImager draws fake kitty pictures placed at the cursor, as render
// does for kitty 0.26 (no Unicode placeholders): every picture deletes
// image 7 and transmits-and-puts a new one under the same id; Release
// deletes it. The payload names the item and the request, so tests can
// tell pictures apart.
type kittyImager struct{ fake *fakeImager }

func (kittyImager) Protocol() string { return "kitty" }

func (k kittyImager) Encode(ctx context.Context, req ImageRequest) (Picture, error) {
	if _, err := k.fake.Encode(ctx, req); err != nil {
		return Picture{}, err
	}
	cols, rows := min(req.Cols, 2*req.Rows), req.Rows
	raw := kittyRelease + "\x1b_Ga=T,i=7,p=1,C=1,c=" + itoa(cols) + ",r=" + itoa(rows) + ",q=2;fake " + req.ItemID + " " + itoa(len(req.key())) + "\x1b\\"
	blank := strings.TrimSuffix(strings.Repeat(strings.Repeat(" ", cols)+"\n", rows), "\n")
	return Picture{Raw: []byte(raw), Cells: blank, AtCursor: true, Release: []byte(kittyRelease), Cols: cols, Rows: rows, Key: req.key()}, nil
}

func kittyFixture(t *testing.T) *harness {
	t.Helper()
	f := newFixture(4, 4)
	f.engine.done()
	cfg := f.config()
	cfg.Imager = kittyImager{fake: f.imager}
	return newHarness(t, cfg, 120, 40)
}

// kittyWrites returns the raw writes since n that put a kitty picture.
func kittyWrites(h *harness, n int) []string {
	var out []string
	for _, r := range h.raws[n:] {
		if strings.Contains(r, "\x1b_Ga=T") {
			out = append(out, r)
		}
	}
	return out
}

// deletedAt reports whether a write since n deletes the picture before
// any write since n puts one.
func deletedFirst(h *harness, n int) bool {
	for _, r := range h.raws[n:] {
		if strings.Contains(r, "\x1b_Ga=T") {
			return false
		}
		if r == kittyRelease {
			return true
		}
	}
	return false
}

// paneCorner is where the picture goes in the image pane at 120x40: the
// pane's inner top-left cell (25,1), 1-based (26,2); the fake picture is 56
// cells wide, as wide as the pane, so it is not shifted right.
var paneCorner = ansi.CursorPosition(26, 2)

// TestKittyDirectPlacedAtPane: kitty graphics without placeholders (kitty
// 0.26) are drawn where the cursor is, so the workstation must
// move the cursor to the image pane first, as for sixel: before, it wrote
// the picture wherever the renderer had left the cursor (over the status
// bar, running off the screen).
func TestKittyDirectPlacedAtPane(t *testing.T) {
	h := kittyFixture(t)
	pics := kittyWrites(h, 0)
	require.Len(t, pics, 1, "the picture is written once after the first frame")
	p := pics[0]
	assert.True(t, strings.HasPrefix(p, ansi.SaveCursor), "the cursor is saved: %q", p[:min(len(p), 40)])
	assert.Contains(t, p, paneCorner+kittyRelease+"\x1b_Ga=T,i=7", "put at the pane's top-left cell, replacing the previous picture by its id")
	assert.True(t, strings.HasSuffix(p, ansi.ResetModeSynchronizedOutput+ansi.RestoreCursor), "then the cursor goes back")
	assert.Contains(t, p, "c=56,r=35", "sized to the picture the pane asked for")
	assert.NotContains(t, stripANSI(h.m.Render()), "[case-0001]", "the view only reserves blank cells")

	h.keys("f", "F", "s", "s") // worklist-only changes
	assert.Len(t, kittyWrites(h, 0), 1, "not sent again when nothing about the picture changed")
}

// TestKittyDirectNoStalePicture: a kitty image placed at a cell stays on
// the screen until it is deleted (the renderer's redraws do not remove
// it), so every change that takes the picture away deletes it by id
// first: another item, the pane covered, a too-small screen, a resize.
// A new window, level or zoom on the same item replaces it (same id).
func TestKittyDirectNoStalePicture(t *testing.T) {
	h := kittyFixture(t)

	n := len(h.raws)
	h.key("j")
	assert.True(t, deletedFirst(h, n), "the old item's picture is deleted before anything else is drawn")
	pics := kittyWrites(h, n)
	require.Len(t, pics, 1)
	assert.Contains(t, pics[0], paneCorner+kittyRelease+"\x1b_Ga=T,i=7")
	assert.Contains(t, pics[0], "fake case-0002")

	for _, k := range []string{"]", "}", "w", "v", "+"} { // window, level, preset, invert, zoom
		n = len(h.raws)
		h.key(k)
		pics = kittyWrites(h, n)
		require.Len(t, pics, 1, "key %s redraws the picture", k)
		assert.Contains(t, pics[0], paneCorner+kittyRelease+"\x1b_Ga=T,i=7", "key %s: replaced in place by id", k)
	}

	n = len(h.raws)
	h.key("r")
	require.False(t, h.m.img.visible, "the raw viewer covers the image")
	assert.Equal(t, []string{kittyRelease}, h.raws[n:], "deleted, else it would stay over the viewer")
	n = len(h.raws)
	h.key("esc")
	assert.Len(t, kittyWrites(h, n), 1, "placed again when the viewer closes")

	n = len(h.raws)
	h.send(tea.WindowSizeMsg{Width: 130, Height: 42})
	assert.True(t, deletedFirst(h, n), "a resize deletes the picture placed for the old layout")
	pics = kittyWrites(h, n)
	require.Len(t, pics, 1, "and places it again")
	assert.Contains(t, pics[0], "c=61,r=37", "sized to the new pane")

	n = len(h.raws)
	h.send(tea.WindowSizeMsg{Width: 40, Height: 10})
	assert.False(t, h.m.img.visible)
	assert.True(t, deletedFirst(h, n), "a too-small screen shows no picture")
	assert.Empty(t, kittyWrites(h, n))
}
