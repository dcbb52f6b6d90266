package tui

import (
	"time"

	tea "charm.land/bubbletea/v2"
)

// Text written over a picture: Bubble Tea's renderer rewrites a changed
// line from its first changed cell to its last, so when the panes on both
// sides of the image change on one row, the image pane's cells there are
// written again, and terminals that keep sixel or iTerm2 pixels in the
// cells (mlterm among them) lose that row of the picture; kitty's layer is
// not affected. After every update the rows beside the picture are
// compared with what they showed when it was written, and a damaged
// picture is written again once things settle (cost: docs/performance.md).

// repairDelay is how long after the damage a picture is written again:
// five frames' flush delay, so a burst of results costs a few writes, not
// one per result.
func (m *Model) repairDelay() time.Duration { return 5 * m.timing.flushDelay }

// besideRows returns, for each row of rect, what the panes left and right
// of the image pane draw on that row (styled), from the panes' current
// data: what the renderer puts on the screen next.
func (m *Model) besideRows(rect Rect) [][2]string {
	rows := make([][2]string, rect.H)
	for _, b := range m.screenBlocks() {
		side := -1
		switch {
		case b.r.X+b.r.W <= rect.X-1: // left of the pane's frame
			side = 0
		case b.r.X >= rect.X+rect.W+1: // right of it
			side = 1
		}
		if side < 0 {
			continue
		}
		for y := max(rect.Y, b.r.Y); y < min(rect.Y+rect.H, b.r.Y+b.r.H); y++ {
			if k := y - b.r.Y; k < len(b.lines) {
				rows[y-rect.Y][side] += "\x00" + b.lines[k]
			}
		}
	}
	return rows
}

// textOverPicture reports whether the next frame rewrites cells of the
// picture: a row of it where both sides changed since before.
func textOverPicture(before, now [][2]string) bool {
	if len(before) != len(now) {
		return true
	}
	for i := range now {
		if now[i][0] != before[i][0] && now[i][1] != before[i][1] {
			return true
		}
	}
	return false
}

// repairImage writes the picture again, one repairDelay later, when the
// frame this update leads to writes text over it (see above). It runs at
// the end of Update, once the panes have their new data.
func (m *Model) repairImage() tea.Cmd {
	s := &m.img
	if !s.onScreen || !s.sent || s.release != nil || s.flushing || !s.visible {
		return nil
	}
	if !textOverPicture(s.beside, m.besideRows(s.rect)) {
		return nil
	}
	s.sent, s.flushing = false, true
	return tea.Tick(m.repairDelay(), func(time.Time) tea.Msg { return imageFlushMsg{} })
}
