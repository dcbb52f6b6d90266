package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sixelFixture(t *testing.T) (*harness, *fixture) {
	t.Helper()
	f := newFixture(4, 4)
	f.imager.protocol = "sixel"
	f.engine.done()
	return newHarness(t, f.config(), 120, 40), f
}

// pictureWrites returns the raw writes that drew a picture, in order.
func pictureWrites(h *harness) []string {
	var out []string
	for _, r := range h.raws {
		if strings.Contains(r, "\x1bPq") {
			out = append(out, r)
		}
	}
	return out
}

func TestImageOutOfBand(t *testing.T) {
	h, _ := sixelFixture(t)
	pics := pictureWrites(h)
	require.Len(t, pics, 1, "the picture is written once after the first frame")
	// Image pane at 120x40 is {24,0,58,37}: inner top-left cell (25,1),
	// 1-based (26,2); the fake picture is 56 cols wide, centred at column 25.
	want := "\x1b7\x1b[?2026h\x1b[m\x1b[2;26H" + strings.Repeat(" ", 56)
	assert.True(t, strings.HasPrefix(pics[0], want), "save cursor, synchronized update, blank the block: %q", pics[0][:40])
	assert.Contains(t, pics[0], "\x1b[2;26H\x1bPq#fake case-0001\x1b\\\x1b[?2026l\x1b8", "drawn at the block's top-left, then restore")
	assert.NotContains(t, stripANSI(h.m.Render()), "[case-0001]", "the view only reserves blank cells for a sixel picture")

	h.keys("f", "F", "s", "s") // worklist-only changes
	assert.Len(t, pictureWrites(h), 1, "not sent again when nothing about the picture changed")

	h.send(tea.WindowSizeMsg{Width: 130, Height: 42})
	pics = pictureWrites(h)
	require.Len(t, pics, 2, "sent again after a resize")

	h.send(tea.WindowSizeMsg{Width: 130, Height: 42})
	assert.Len(t, pictureWrites(h), 3, "a repaint at the same size also needs it again")

	n := len(h.raws)
	h.key("j")
	after := h.raws[n:]
	require.GreaterOrEqual(t, len(after), 2)
	assert.NotContains(t, after[0], "\x1bPq", "the old item's picture is wiped first")
	assert.Contains(t, after[len(after)-1], "#fake case-0002")
}

func TestImageHiddenByDialogAndTooSmall(t *testing.T) {
	h, _ := sixelFixture(t)
	n := len(pictureWrites(h))
	h.key("r")
	assert.False(t, h.m.img.visible, "the raw viewer covers the image")
	h.key("esc")
	assert.Len(t, pictureWrites(h), n+1, "redrawn when the viewer closes")
	h.send(tea.WindowSizeMsg{Width: 40, Height: 10})
	assert.False(t, h.m.img.visible)
	assert.Len(t, pictureWrites(h), n+1, "nothing drawn on a too-small screen")
}

func TestStaleImageDropped(t *testing.T) {
	h, _ := newHarnessText(t)
	cur := h.m.img.pic
	require.NotNil(t, cur)
	h.send(imageEncodedMsg{itemID: "case-0003", gen: h.m.img.gen - 1, pic: Picture{Cells: "STALE"}})
	assert.Same(t, cur, h.m.img.pic, "a picture for an old request is dropped")
	assert.NotContains(t, h.screen(), "STALE")
}

func TestImageError(t *testing.T) {
	f := newFixture(2, 2)
	f.items[0].ImagePath = "/data/missing.png"
	f.engine.done()
	h := newHarness(t, f.config(), 120, 40)
	assert.Contains(t, h.screen(), "image: load image /data/missing.png: no such file")
}

func newHarnessText(t *testing.T) (*harness, *fixture) {
	f := newFixture(4, 4)
	f.engine.done()
	return newHarness(t, f.config(), 120, 40), f
}

// TestKittyNotWiped: kitty pictures are placed by placeholder text in the
// view; the transmission is written as is, without blanking the block.
func TestKittyNotWiped(t *testing.T) {
	f := newFixture(2, 2)
	f.imager.protocol = "kitty"
	f.engine.done()
	h := newHarness(t, f.config(), 120, 40)
	for _, r := range h.raws {
		assert.NotContains(t, r, "\x1b7", "no cursor dance for kitty")
	}
	assert.Contains(t, h.screen(), "[case-0001]", "kitty's in-band cells are in the view")
}

// TestImageRedrawnOnFocus: tmux repaints a window's cells, not the
// passthrough picture, when the reader comes back to it (window switch,
// re-attach); with RedrawOnFocus the focus-in it reports writes the
// picture again, in place, and the view asks for focus events.
func TestImageRedrawnOnFocus(t *testing.T) {
	cases := []struct {
		name     string
		protocol string
		redraw   bool
		before   int // out-of-band picture writes before the focus-in
		want     int // and after it
	}{
		{"sixel in tmux", "sixel", true, 1, 2},
		{"sixel outside tmux", "sixel", false, 1, 1},
		{"in-band cells: the repaint restores them", "text", true, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(4, 4)
			f.imager.protocol = c.protocol
			f.engine.done()
			cfg := f.config()
			cfg.RedrawOnFocus = c.redraw
			h := newHarness(t, cfg, 120, 40)
			writes := func() []string {
				var out []string
				for _, r := range h.raws {
					if strings.Contains(r, "#fake case-0001") {
						out = append(out, r)
					}
				}
				return out
			}
			require.Len(t, writes(), c.before)
			assert.Equal(t, c.redraw, h.m.View().ReportFocus)
			h.send(tea.BlurMsg{})
			assert.Len(t, writes(), c.before, "nothing is drawn on leaving")
			h.send(tea.FocusMsg{})
			got := writes()
			require.Len(t, got, c.want)
			if c.want == 2 {
				assert.Equal(t, got[0], got[1], "the same picture at the same place")
			}
		})
	}
}

// TestRedrawKey: ctrl+l, in any mode, repaints the screen and writes the
// picture again in place: the fallback where no focus-in comes back
// (tmux without focus-events, a pane not the active one).
func TestRedrawKey(t *testing.T) {
	for _, keys := range [][]string{nil, {"a"}} {
		t.Run(strings.Join(append([]string{"browse"}, keys...), "+"), func(t *testing.T) {
			h, _ := sixelFixture(t)
			h.keys(keys...)
			n := len(pictureWrites(h))
			_, cmd := h.m.Update(keyMsg("ctrl+l"))
			require.NotNil(t, cmd)
			msgs := flatten(cmd)
			assert.Contains(t, msgs, tea.ClearScreen(), "the renderer repaints every cell")
			for _, msg := range msgs {
				h.send(msg)
			}
			assert.Len(t, pictureWrites(h), n+1, "the picture is written again")
		})
	}
}

// flatten runs cmd and the commands it batches, and returns their
// messages without feeding them to the model.
func flatten(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	switch msg := cmd().(type) {
	case nil:
		return nil
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, flatten(c)...)
		}
		return out
	default:
		return []tea.Msg{msg}
	}
}
