package tui

import (
	"sort"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/cxr-auditor/cxr-auditor/audit"
)

// ResearchMark is shown in the status bar at all times.
const ResearchMark = "RESEARCH USE ONLY — not for clinical use"

// View draws the whole screen in the alternate screen.
func (m *Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.WindowTitle = "cxr-auditor — research use only"
	if m.cfg.Title != "" {
		v.WindowTitle = "cxr-auditor " + Sanitize(m.cfg.Title) + " — research use only"
	}
	return v
}

// Render returns the screen content View shows (for tests and tools).
func (m *Model) Render() string {
	if m.width == 0 || m.height == 0 {
		return "cxr-auditor: starting… (" + ResearchMark + ")"
	}
	l := m.layout
	if l.TooSmall {
		msg := "terminal too small: need at least " + itoa(MinWidth) + "x" + itoa(MinHeight) +
			" (now " + itoa(m.width) + "x" + itoa(m.height) + ")"
		return m.styles.TooSmall.Render(wrapPlain(msg, m.width, m.height))
	}
	var blocks []block
	add := func(r Rect, s string) { blocks = append(blocks, block{r, strings.Split(s, "\n")}) }
	switch m.mode {
	case modeRaw:
		main := Rect{X: 0, Y: 0, W: l.Width, H: l.Status.Y}
		it, _ := m.current()
		add(main, m.frame("raw model output · "+Sanitize(it.ID)+" · ↑/↓ pgup/pgdn scroll · esc closes", m.raw.View(), main, true))
	default:
		add(l.Worklist, m.frame(m.worklistTitle(), m.wl.View(m, l.Worklist.Inner()), l.Worklist, false))
		add(l.Image, m.frame(m.imageTitle(), m.imageView(l.Image.Inner()), l.Image, false))
		if m.mode == modeNote {
			r := l.Draft
			if l.Wide {
				r = Rect{X: l.Disagreements.X, Y: l.Disagreements.Y, W: l.Disagreements.W, H: l.Disagreements.H + l.Draft.H}
			} else {
				add(l.Disagreements, m.frame(m.disagreementTitle(), m.dp.View(m, l.Disagreements.Inner()), l.Disagreements, false))
			}
			add(r, m.frame("note on "+Sanitize(m.CurrentID())+" · ctrl+s saves · esc cancels", m.note.View(), r, true))
		} else {
			add(l.Disagreements, m.frame(m.disagreementTitle(), m.dp.View(m, l.Disagreements.Inner()), l.Disagreements, true))
			add(l.Draft, m.frame(m.draftTitle(), m.dr.View(m, l.Draft.Inner()), l.Draft, false))
		}
	}
	add(l.Status, m.statusView(l.Status.W))
	m.help.SetWidth(l.Help.W)
	add(l.Help, m.help.View(m.keys))
	return compose(l.Width, l.Height, blocks)
}

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

// frame draws a rounded border around content with title in the top edge;
// the result is exactly r.W x r.H cells.
func (m *Model) frame(title, content string, r Rect, focused bool) string {
	if r.W < 2 || r.H < 2 {
		return ""
	}
	bs := m.styles.Pane.Border
	if focused {
		bs = m.styles.Pane.Focused
	}
	inner := r.Inner()
	t := ""
	if title != "" && inner.W > 4 {
		t = " " + ansi.Truncate(title, inner.W-3, "…") + " "
	}
	tw := ansi.StringWidth(t)
	var b strings.Builder
	b.WriteString(bs.Render("╭─"))
	b.WriteString(m.styles.Pane.Title.Render(t))
	b.WriteString(bs.Render(strings.Repeat("─", max(0, inner.W-1-tw)) + "╮"))
	lines := strings.Split(content, "\n")
	left, right := bs.Render("│"), bs.Render("│")
	for y := 0; y < inner.H; y++ {
		b.WriteByte('\n')
		line := ""
		if y < len(lines) {
			line = lines[y]
		}
		b.WriteString(left + fitStyled(line, inner.W) + right)
	}
	b.WriteByte('\n')
	b.WriteString(bs.Render("╰" + strings.Repeat("─", inner.W) + "╯"))
	return b.String()
}

func (m *Model) worklistTitle() string {
	t := itoa(m.pos()+1) + "/" + itoa(len(m.visible))
	if m.filter != FilterAll {
		t += " " + m.filter.String()
	}
	if m.urgentFirst {
		t += " !first"
	}
	return t
}

func (m *Model) imageTitle() string {
	it, ok := m.current()
	if !ok {
		return "image"
	}
	t := Sanitize(it.ID)
	if !m.window.IsDefault() {
		t += " · W×" + ftoa(m.window.Width) + " L" + signed(m.window.Center)
	}
	if !m.showBoxes {
		t += " · boxes off"
	}
	return t
}

func (m *Model) disagreementTitle() string {
	ds := m.disagreements()
	if len(ds) == 0 {
		return "disagreements"
	}
	return "disagreement " + itoa(m.dis+1) + "/" + itoa(len(ds)) + " · " + itoa(m.adjudicatedCount(m.cur)) + "/" + itoa(len(ds)) + " adjudicated"
}

func (m *Model) draftTitle() string {
	t := "draft"
	if m.cur >= 0 && m.rows[m.cur].result != nil && m.rows[m.cur].result.Salvaged {
		t += " · ⚠ model output salvaged: check it (r)"
	}
	return t
}

// statusView draws the two status lines: progress, hosts, models and
// graphics with the research-use mark; then the message line (or the jump
// input).
func (m *Model) statusView(w int) string {
	st := m.styles.Status
	done, failed := 0, 0
	for i := range m.rows {
		switch m.rows[i].status {
		case audit.StatusDone:
			done++
		case audit.StatusError:
			failed++
		}
	}
	left := ""
	if m.running > 0 {
		left = m.spin.View() + " "
	}
	left += itoa(done) + "/" + itoa(len(m.items)) + " done"
	if m.running > 0 {
		left += " · " + itoa(m.running) + " running"
	}
	if failed > 0 {
		left += " · " + st.Error.Render(itoa(failed)+" failed")
	}
	left += " · " + itoa(m.savedN) + " saved"
	var info []string
	if n := len(m.cfg.Hosts); n > 0 {
		info = append(info, Sanitize(strings.Join(m.cfg.Hosts, ",")))
	}
	if m.cfg.GroundingModel != "" || m.cfg.DraftModel != "" {
		info = append(info, Sanitize(m.cfg.GroundingModel)+" / "+Sanitize(m.cfg.DraftModel))
	}
	if m.cfg.Imager != nil {
		info = append(info, "gfx: "+Sanitize(m.cfg.Imager.Protocol()))
	}
	if m.cfg.Annotator != "" {
		a := "as " + Sanitize(m.cfg.Annotator)
		if m.cfg.Blind {
			a += " (blind)"
		}
		info = append(info, a)
	}
	mark := st.Research.Render(" " + ResearchMark + " ")
	mw := ansi.StringWidth(mark)
	line1 := left
	if m.cfg.Extra != "" {
		// First, so a narrow terminal does not hide it (say, that the data
		// are synthetic).
		line1 = st.Research.Render(Sanitize(m.cfg.Extra)) + " " + left
	}
	if len(info) > 0 {
		line1 += st.Dim.Render(" · " + strings.Join(info, " · "))
	}
	line1 = fitStyled(line1, max(0, w-mw-1)) + " " + mark
	if mw+1 > w {
		line1 = fitStyled(mark, w)
	}

	var line2 string
	switch {
	case m.mode == modeJump:
		line2 = m.jump.View()
	default:
		s := m.msg
		if len(m.writes) > 0 && !strings.HasPrefix(s, "saving") {
			s = "saving " + itoa(len(m.writes)) + "… · " + s
		}
		switch m.msgKind {
		case msgErr:
			line2 = st.Error.Render(s)
		case msgOK:
			line2 = st.OK.Render(s)
		default:
			line2 = st.Message.Render(s)
		}
	}
	return line1 + "\n" + fitStyled(line2, w)
}

func ftoa(f float64) string {
	s := ansiFloat(f)
	return s
}

func signed(f float64) string {
	if f >= 0 {
		return "+" + ansiFloat(f)
	}
	return ansiFloat(f)
}

// ansiFloat formats f with two decimals.
func ansiFloat(f float64) string {
	neg := f < 0
	if neg {
		f = -f
	}
	n := int(f*100 + 0.5)
	s := itoa(n/100) + "." + padZero(n%100)
	if neg {
		s = "-" + s
	}
	return s
}

func padZero(n int) string {
	if n < 10 {
		return "0" + itoa(n)
	}
	return itoa(n)
}
