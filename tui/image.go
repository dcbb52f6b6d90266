package tui

import (
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// The image pane's picture is drawn out of band for sixel, iTerm2 and
// kitty without placeholders: the view reserves blank cells and the
// escape sequence is written over them one tick after the frame (see
// docs/architecture.md). This file is the root's record of that picture
// and the commands that write and remove it; imagepane.go is the pane,
// imagerequest.go what is asked of the Imager.

// flushDelay is how long after a frame an out-of-band picture is written:
// long enough for the renderer to have drawn the frame that reserved its
// cells (Bubble Tea renders at 60 fps).
const flushDelay = 40 * time.Millisecond

// imageState tracks the picture of the image pane: what was asked for,
// what came back, and whether an out-of-band picture is on the screen.
type imageState struct {
	reqKey string // key of the request in flight or satisfied
	gen    int    // generation of the latest request
	pic    *Picture
	picFor string // item the picture shows
	picKey string // request key the picture answers
	err    error
	errFor string

	rect     Rect   // inner rect of the pane the picture is placed in
	visible  bool   // the pane is on screen (no dialog or too-small view over it)
	onScreen bool   // an out-of-band (AtCursor) picture may be on the terminal
	release  []byte // removes the picture on screen by its id (kitty); nil: blank its cells
	sent     bool   // the current picture was written at rect
	flushing bool   // an imageFlushMsg is pending
	// beside is what the panes left and right of the picture showed, row
	// by row, when it was written (imagerepair.go).
	beside [][2]string
}

// invalidate forgets where the picture is (after a resize the layout
// changes and the terminal repaints), so it is sent again. Pixels drawn
// over cells (sixel, iTerm2) are gone with the repaint; a kitty image
// placed at a cell outlives it, so it stays on record as on screen and
// syncImage deletes it.
func (s *imageState) invalidate() {
	s.sent = false
	if s.release == nil {
		s.onScreen = false
	}
	s.rect = Rect{}
	s.visible = false
}

// repainted takes note that the terminal repainted the screen's cells
// without a resize (tmux, back on the window, clears and redraws them):
// an out-of-band picture may be gone and is written again in place (a
// kitty one replaces itself by its id). Kitty placeholder cells are text
// the repaint restores.
func (s *imageState) repainted() {
	if s.onScreen {
		s.sent = false
	}
}

// wipe removes the out-of-band picture on screen: by its id where the
// terminal keeps one (kitty), else by blanking rect, or by a full repaint
// when rect is empty (the pane moved: the old block is not known to be
// where the new one is).
func (s *imageState) wipe(rect Rect) tea.Cmd {
	rel := s.release
	s.onScreen, s.release, s.sent = false, nil, false
	switch {
	case rel != nil:
		return tea.Raw(string(rel))
	case rect.Empty():
		return tea.ClearScreen
	}
	return tea.Raw(clearBlock(rect))
}

// imageRect returns the inner rectangle of the image pane and whether the
// pane is on screen.
func (m *Model) imageRect() (Rect, bool) {
	covered := m.metrics.on || m.mode == modeRaw || m.mode == modeBlocked || m.panes.keysOver || (m.mode == modeHelp && m.panes.helpCovers)
	if m.layout.TooSmall || m.width == 0 || covered || m.nav.cur < 0 || m.listEmpty() || m.cfg.Imager == nil {
		return Rect{}, false
	}
	r := m.layout.Image.Inner()
	return r, !r.Empty()
}

// syncImage brings the image in line with the state after every update:
// it asks for a new picture when the item, the pane, the overlays or the
// window changed; wipes an out-of-band picture that no longer belongs on
// the screen; and schedules writing the current one one tick after the
// frame.
func (m *Model) syncImage() tea.Cmd {
	var cmds []tea.Cmd
	rect, visible := m.imageRect()
	s := &m.img
	if s.onScreen && (!visible || rect != s.rect) {
		// The pane moved, shrank or was covered: pixels outside the new
		// block would linger where the renderer sees blank cells, and a
		// kitty image would stay over whatever covers the pane.
		cmds = append(cmds, s.wipe(Rect{}))
	}
	if visible != s.visible || rect != s.rect {
		s.rect, s.visible, s.sent = rect, visible, false
	}
	if !visible {
		return tea.Batch(cmds...)
	}
	it, _ := m.current()
	if s.onScreen && s.picFor != it.ID {
		// Never leave another item's image on the screen while the new one
		// is drawn.
		cmds = append(cmds, s.wipe(rect))
	}
	if !m.overlaysSettled() {
		// The boxes are about to change (results or findings loading):
		// draw once they are known rather than twice.
		return tea.Batch(cmds...)
	}
	req := m.imageRequest(rect)
	if k := req.key(); k != s.reqKey {
		s.reqKey = k
		s.gen++
		cmds = append(cmds, encodeImage(m.ctx, m.cfg.Imager, req, s.gen))
	}
	if s.pic != nil && len(s.pic.Raw) > 0 && s.picFor == req.ItemID && !s.sent && !s.flushing {
		s.flushing = true
		cmds = append(cmds, tea.Tick(m.timing.flushDelay, func(time.Time) tea.Msg { return imageFlushMsg{} }))
	}
	return tea.Batch(cmds...)
}

// handleImage keeps the picture of the latest request and drops the rest.
func (m *Model) handleImage(msg imageEncodedMsg) tea.Cmd {
	if msg.gen != m.img.gen {
		return nil // the reviewer moved on
	}
	if msg.err != nil {
		m.img.err, m.img.errFor = msg.err, msg.itemID
		m.img.pic, m.img.picFor = nil, ""
		return nil
	}
	pic := msg.pic
	m.img.pic, m.img.picFor, m.img.picKey, m.img.err = &pic, msg.itemID, m.img.reqKey, nil
	m.img.sent = false
	return nil
}

// handleFlush writes the out-of-band picture at the pane, if it is still
// the one to show. It needs no generation: at most one flush is pending
// (flushing), and whatever picture of the current item is on hand when it
// fires is the one to write, even if a newer one (say, another window) is
// being encoded.
func (m *Model) handleFlush(imageFlushMsg) tea.Cmd {
	s := &m.img
	s.flushing = false
	it, ok := m.current()
	if !ok || !s.visible || s.pic == nil || s.picFor != it.ID || s.sent || len(s.pic.Raw) == 0 {
		return nil
	}
	s.sent = true
	if !s.pic.AtCursor {
		// Kitty with placeholders: the transmission only; the placeholders
		// in the view place the picture.
		return tea.Raw(string(s.pic.Raw))
	}
	s.onScreen, s.release = true, s.pic.Release
	if s.release == nil {
		s.beside = m.besideRows(s.rect)
	}
	return tea.Raw(placePicture(s.rect, s.pic))
}

// placePicture is the out-of-band write: save the cursor, start a
// synchronized update, blank the pane's block (so a smaller sixel picture
// leaves nothing of the previous one), move the cursor to the cell where
// the picture, centred in the block, starts, draw it there (a kitty
// picture replaces the previous one by its id), end the synchronized
// update and restore the cursor.
func placePicture(rect Rect, pic *Picture) string {
	var b strings.Builder
	b.Grow(len(pic.Raw) + rect.H*(rect.W+12) + 64)
	b.WriteString(ansi.SaveCursor)
	b.WriteString(ansi.SetModeSynchronizedOutput)
	writeBlank(&b, rect)
	x := rect.X + max(0, (rect.W-pic.Cols)/2)
	y := rect.Y + max(0, (rect.H-pic.Rows)/2)
	b.WriteString(ansi.CursorPosition(x+1, y+1))
	b.Write(pic.Raw)
	b.WriteString(ansi.ResetModeSynchronizedOutput)
	b.WriteString(ansi.RestoreCursor)
	return b.String()
}

// clearBlock blanks rect out of band (removing a picture the renderer does
// not know about).
func clearBlock(rect Rect) string {
	var b strings.Builder
	b.WriteString(ansi.SaveCursor)
	b.WriteString(ansi.SetModeSynchronizedOutput)
	writeBlank(&b, rect)
	b.WriteString(ansi.ResetModeSynchronizedOutput)
	b.WriteString(ansi.RestoreCursor)
	return b.String()
}

func writeBlank(b *strings.Builder, rect Rect) {
	b.WriteString(ansi.ResetStyle)
	spaces := strings.Repeat(" ", rect.W)
	for y := 0; y < rect.H; y++ {
		b.WriteString(ansi.CursorPosition(rect.X+1, rect.Y+y+1))
		b.WriteString(spaces)
	}
}
