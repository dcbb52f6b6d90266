package tui

import (
	"sort"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// The screen is composed here, not on a lipgloss Canvas, for speed: the
// canvas parses every styled cell into a cell buffer and encodes it again
// (and Bubble Tea's renderer then parses the frame once more), which left
// too little of a key press's frame budget (figures in docs/tui.md,
// "Composing the screen"). TestComposeMatchesCanvas checks both draw the
// same cells. The frames use lipgloss's rounded border glyphs.

// block is a rendered pane and where it goes.
type block struct {
	r     Rect
	lines []string
}

// compose lays the blocks out on a width x height screen. Each block's
// lines are clipped and padded to its rectangle, so a pane can never push
// another out of place.
func compose(width, height int, blocks []block) string {
	rows := make([][]block, height)
	for _, b := range blocks {
		for y := b.r.Y; y < b.r.Y+b.r.H && y < height; y++ {
			rows[y] = append(rows[y], b)
		}
	}
	var out strings.Builder
	for y := 0; y < height; y++ {
		if y > 0 {
			out.WriteByte('\n')
		}
		bs := rows[y]
		sort.Slice(bs, func(i, j int) bool { return bs[i].r.X < bs[j].r.X })
		x := 0
		for _, b := range bs {
			if b.r.X > x {
				out.WriteString(strings.Repeat(" ", b.r.X-x))
			}
			line := ""
			if k := y - b.r.Y; k < len(b.lines) {
				line = b.lines[k]
			}
			out.WriteString(fitStyled(line, b.r.W))
			x = b.r.X + b.r.W
		}
		if x < width {
			out.WriteString(strings.Repeat(" ", width-x))
		}
	}
	return out.String()
}

// fitStyled truncates or pads a styled line to exactly w cells.
func fitStyled(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, "…")
		sw = ansi.StringWidth(s)
	}
	if sw < w {
		s += strings.Repeat(" ", w-sw)
	}
	return s
}

// frame draws lipgloss's rounded border around content with title in the
// top edge; the result is exactly r.W x r.H cells.
func (m *Model) frame(title, content string, r Rect, focused bool) string {
	if r.W < 2 || r.H < 2 {
		return ""
	}
	bs := m.styles.Pane.Border
	if focused {
		bs = m.styles.Pane.Focused
	}
	bd := lipgloss.RoundedBorder()
	inner := r.Inner()
	t := ""
	if title != "" && inner.W > 4 {
		t = " " + ansi.Truncate(title, inner.W-3, "…") + " "
	}
	tw := ansi.StringWidth(t)
	var b strings.Builder
	b.WriteString(bs.Render(bd.TopLeft + bd.Top))
	b.WriteString(m.styles.Pane.Title.Render(t))
	b.WriteString(bs.Render(strings.Repeat(bd.Top, max(0, inner.W-1-tw)) + bd.TopRight))
	lines := strings.Split(content, "\n")
	left, right := bs.Render(bd.Left), bs.Render(bd.Right)
	for y := 0; y < inner.H; y++ {
		b.WriteByte('\n')
		line := ""
		if y < len(lines) {
			line = lines[y]
		}
		b.WriteString(left + fitStyled(line, inner.W) + right)
	}
	b.WriteByte('\n')
	b.WriteString(bs.Render(bd.BottomLeft + strings.Repeat(bd.Bottom, inner.W) + bd.BottomRight))
	return b.String()
}
