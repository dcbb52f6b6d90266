package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// ResearchMark is shown in the status bar at all times; below
// wideStatus columns, its short form ResearchMarkShort.
const (
	ResearchMark      = "RESEARCH USE ONLY — not for clinical use"
	ResearchMarkShort = "RESEARCH USE ONLY"
)

// PromptBadge is the status bar's badge when the grounding prompt is not
// the model's training prompt (Config.PromptWarning).
const PromptBadge = "own prompt"

// wideStatus is the width from which the status bar has room for the
// whole research mark.
const wideStatus = 120

// statusData is everything the status bar draws.
type statusData struct {
	extra string // the caller's notice (say, that the data are a demo), sanitized
	// truth counts the worklist's rows against the truth ("" when off).
	truth string
	// hostBadge says the hosts are offline or a model unavailable ("" when
	// all is well); hostBadgeShort is its one-word form for narrow screens.
	hostBadge, hostBadgeShort string
	// promptBadge says the grounding prompt is cxr-auditor's own, not the
	// model's training prompt ("" when it is the user's).
	promptBadge string
	done, total int
	// loading: the worklist is still being read (total grows).
	loading bool
	running int
	failed  int
	saved   int    // verdicts saved this session
	spin    string // the spinner's current frame
	// hosts, models, gfx (the graphics protocol) and who ("as alice
	// (blind)") are shown sanitized; hosts and models give way first.
	hosts, models, gfx, who string
	message                 message
	pending                 int    // store writes queued or in flight
	prompt                  string // the jump input, drawn instead of the message when set
	promptShowing           bool
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
	line1 := p.line1(width)
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

// line1 is the first status line: the caller's notice, progress,
// verdicts saved, who and the graphics mode, hosts and models, and the
// research-use mark at the right. When it does not fit, the hosts and
// models give way first, then the notice is shortened (never below its
// first word) and the forms get terser; who and the graphics mode stay,
// so they are visible at 80 columns.
func (p *statusBar) line1(width int) string {
	st, d := p.st, &p.d
	markText := ResearchMark
	if width < wideStatus {
		markText = ResearchMarkShort
	}
	mark := st.Research.Render(" " + markText + " ")
	mw := ansi.StringWidth(mark)
	if mw+1 > width {
		return ansi.Truncate(mark, width, "…")
	}
	avail := width - mw - 1

	progress := itoa(d.done) + "/" + itoa(d.total) + " done" + d.loadingNote()
	if d.running > 0 {
		progress = d.spin + " " + progress + " · " + itoa(d.running) + " running"
	}
	failed := ""
	if d.failed > 0 {
		failed = st.Error.Render(itoa(d.failed) + " failed")
	}
	saved := count(d.saved, "verdict") + " saved"
	extra, badge, who := d.extra, d.hostBadge, d.who
	sep := st.Dim.Render(" · ")
	build := func() string {
		var parts []string
		if extra != "" {
			parts = append(parts, st.Research.Render(extra))
		}
		if badge != "" {
			parts = append(parts, st.Error.Render(badge))
		}
		if d.promptBadge != "" {
			parts = append(parts, st.Error.Render(d.promptBadge))
		}
		parts = append(parts, progress)
		for _, s := range []string{failed, saved, d.truth} {
			if s != "" {
				parts = append(parts, s)
			}
		}
		for _, s := range []string{who, d.gfx} {
			if s != "" {
				parts = append(parts, st.Dim.Render(s))
			}
		}
		return strings.Join(parts, sep)
	}
	line := build()
	// Terser forms, then a shorter notice, until the essentials fit.
	if ansi.StringWidth(line) > avail {
		// The same separators: only the words get shorter.
		saved, badge = count(d.saved, "verdict"), d.hostBadgeShort
		who = strings.TrimPrefix(who, "as ")
		if d.running > 0 {
			progress = d.spin + " " + itoa(d.done) + "/" + itoa(d.total) + " done"
		}
		line = build()
	}
	if extra != "" {
		first, _, _ := strings.Cut(d.extra, " ")
		for keep := ansi.StringWidth(d.extra) - 1; ansi.StringWidth(line) > avail && keep > ansi.StringWidth(first); keep-- {
			extra = ansi.Truncate(d.extra, keep, "…")
			line = build()
		}
	}
	// Hosts and models come last, cut to the room left (none when less
	// than a few cells).
	var tail []string
	for _, s := range []string{d.hosts, d.models} {
		if s != "" {
			tail = append(tail, s)
		}
	}
	if room := avail - ansi.StringWidth(line) - ansi.StringWidth(sep); len(tail) > 0 && room >= 6 {
		line += sep + st.Dim.Render(ansi.Truncate(strings.Join(tail, ansi.Strip(sep)), room, "…"))
	}
	return fitStyled(line, avail) + " " + mark
}

// syncStatus hands the status bar the progress, the session's facts and
// the message line.
func (m *Model) syncStatus() {
	d := statusData{
		total: len(m.data.items), loading: m.data.reading, running: m.data.running, saved: m.saves.verdicts,
		spin: m.panes.spin.View(), message: m.msg, pending: len(m.saves.ops),
	}
	d.done, d.failed = m.data.counts()
	d.hostBadge, d.hostBadgeShort = m.hosts.badge()
	if m.cfg.PromptWarning != "" {
		d.promptBadge = PromptBadge
	}
	if m.cfg.Extra != "" {
		d.extra = Sanitize(m.cfg.Extra)
	}
	if t := m.compareStatus(); t != "" {
		d.extra = strings.TrimPrefix(d.extra+" · "+t, " · ")
	}
	if m.truth.on {
		d.truth = m.truthTotals()
	}
	if len(m.cfg.Hosts) > 0 {
		d.hosts = Sanitize(strings.Join(m.cfg.Hosts, ","))
	}
	if m.cfg.GroundingModel != "" || m.cfg.DraftModel != "" {
		d.models = Sanitize(m.cfg.GroundingModel) + " / " + Sanitize(m.cfg.DraftModel)
	}
	if m.cfg.Imager != nil {
		d.gfx = "gfx: " + Sanitize(m.cfg.Imager.Protocol())
		if p, ok := m.cfg.Imager.(interface{ Path() string }); ok && p.Path() != "" {
			d.gfx += " " + Sanitize(p.Path())
		}
	}
	if m.cfg.Annotator != "" {
		d.who = "as " + Sanitize(m.cfg.Annotator)
		if m.cfg.Blind {
			d.who += " (blind)"
		}
	}
	switch m.mode {
	case modeJump:
		d.prompt, d.promptShowing = m.jump.View(), true
	case modeSearch:
		d.prompt, d.promptShowing = "search ("+count(len(m.nav.visible), "item")+") "+m.search.View(), true
	}
	m.panes.status.SetData(d)
}

// loadingNote says the worklist is still being read ("" when it is not).
func (d statusData) loadingNote() string {
	if !d.loading {
		return ""
	}
	return " · loading " + itoa(d.total) + "…"
}
