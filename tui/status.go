package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// ResearchMark is shown in the status bar at all times.
const ResearchMark = "RESEARCH USE ONLY — not for clinical use"

// statusData is everything the status bar draws.
type statusData struct {
	extra         string // the caller's notice (say, that the data are a demo), sanitized
	done, total   int
	running       int
	failed        int
	saved         int      // verdicts saved this session
	spin          string   // the spinner's current frame
	info          []string // hosts, models, graphics, annotator (sanitized)
	message       message
	pending       int    // store writes queued or in flight
	prompt        string // the jump input, drawn instead of the message when set
	promptShowing bool
}

// statusBar draws the two status lines: progress, hosts, models and
// graphics with the research-use mark; then the message line (or the jump
// input).
type statusBar struct {
	st StatusStyles
	d  statusData
}

// SetData sets what the status bar draws.
func (p *statusBar) SetData(d statusData) { p.d = d }

// View draws the two lines in width cells (height is 2; fewer lines are
// cut from the bottom).
func (p *statusBar) View(width, height int) string {
	if width <= 0 || height <= 0 {
		return ""
	}
	st, d := p.st, &p.d
	left := ""
	if d.running > 0 {
		left = d.spin + " "
	}
	left += itoa(d.done) + "/" + itoa(d.total) + " done"
	if d.running > 0 {
		left += " · " + itoa(d.running) + " running"
	}
	if d.failed > 0 {
		left += " · " + st.Error.Render(itoa(d.failed)+" failed")
	}
	left += " · " + itoa(d.saved) + " saved"
	mark := st.Research.Render(" " + ResearchMark + " ")
	mw := ansi.StringWidth(mark)
	line1 := left
	if d.extra != "" {
		// First, so a narrow terminal does not hide it (say, that the data
		// are synthetic).
		line1 = st.Research.Render(d.extra) + " " + left
	}
	if len(d.info) > 0 {
		line1 += st.Dim.Render(" · " + strings.Join(d.info, " · "))
	}
	if mw+1 > width {
		line1 = ansi.Truncate(mark, width, "…")
	} else {
		line1 = fitStyled(line1, width-mw-1) + " " + mark
	}
	if height < 2 {
		return line1
	}

	var line2 string
	if d.promptShowing {
		line2 = d.prompt
	} else {
		s := d.message.text
		if d.pending > 0 && !strings.HasPrefix(s, "saving") {
			s = "saving " + itoa(d.pending) + "… · " + s
		}
		switch d.message.kind {
		case msgErr:
			line2 = st.Error.Render(s)
		case msgOK:
			line2 = st.OK.Render(s)
		default:
			line2 = st.Message.Render(s)
		}
	}
	return line1 + "\n" + ansi.Truncate(line2, width, "…")
}

// syncStatus hands the status bar the progress, the session's facts and
// the message line.
func (m *Model) syncStatus() {
	d := statusData{
		total: len(m.data.items), running: m.data.running, saved: m.saves.verdicts,
		spin: m.panes.spin.View(), message: m.msg, pending: len(m.saves.ops),
	}
	d.done, d.failed = m.data.counts()
	if m.cfg.Extra != "" {
		d.extra = Sanitize(m.cfg.Extra)
	}
	if len(m.cfg.Hosts) > 0 {
		d.info = append(d.info, Sanitize(strings.Join(m.cfg.Hosts, ",")))
	}
	if m.cfg.GroundingModel != "" || m.cfg.DraftModel != "" {
		d.info = append(d.info, Sanitize(m.cfg.GroundingModel)+" / "+Sanitize(m.cfg.DraftModel))
	}
	if m.cfg.Imager != nil {
		d.info = append(d.info, "gfx: "+Sanitize(m.cfg.Imager.Protocol()))
	}
	if m.cfg.Annotator != "" {
		a := "as " + Sanitize(m.cfg.Annotator)
		if m.cfg.Blind {
			a += " (blind)"
		}
		d.info = append(d.info, a)
	}
	switch m.mode {
	case modeJump:
		d.prompt, d.promptShowing = m.jump.View(), true
	case modeSearch:
		d.prompt, d.promptShowing = "search ("+count(len(m.nav.visible), "item")+") "+m.search.View(), true
	}
	m.panes.status.SetData(d)
}
