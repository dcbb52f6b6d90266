package tui

import (
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// focusDelay is how long the cursor rests on an item before the pipeline
// is told to put it first: holding j does not reshuffle the queue on every
// row.
const focusDelay = 30 * time.Millisecond

// handleKey routes a key by mode: ForceQuit works everywhere; the dialogs
// take their own keys; the help screen closes on its key and otherwise
// browses.
func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.keys
	if m.saves.gone {
		return nil
	}
	if key.Matches(msg, k.ForceQuit) {
		m.keepNoteDraft()
		return m.quit()
	}
	if key.Matches(msg, k.Suspend) {
		return tea.Suspend
	}
	if key.Matches(msg, k.Redraw) {
		// Something drew over the screen: the renderer repaints every
		// cell, and the picture is written again where it was.
		m.img.repainted()
		return tea.ClearScreen
	}
	if m.panes.keysOver {
		m.panes.keysOver = false // any key closes the keys; it does nothing else
		return nil
	}
	if m.mode != modeBrowse && m.mode != modeHelp && key.Matches(msg, k.Help, k.HelpInText) {
		m.panes.keysOver = true
		return nil
	}
	quitKey := key.Matches(msg, k.Quit) && (m.mode == modeBrowse || m.mode == modeHelp || m.mode == modeBlocked)
	if !quitKey {
		// Asked to quit, then went on working: the question is withdrawn.
		if m.withdrawQuit() {
			return nil
		}
	}
	switch m.mode {
	case modeJump, modeSearch, modeNote, modeRaw:
		return m.handleDialogKey(msg)
	case modeBlocked:
		return m.handleBlockedKey(msg)
	case modeHelp:
		if key.Matches(msg, k.CloseHelp) {
			m.setMode(modeBrowse)
			return nil
		}
	}
	return m.handleBrowseKey(msg)
}

// handleBrowseKey acts on a key of the browse mode.
func (m *Model) handleBrowseKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		m.setMode(modeHelp)
		return nil
	}
	if m.layout.TooSmall {
		return nil
	}
	if m.listEmpty() && key.Matches(msg, m.itemKeys()...) {
		m.setMsg(msgInfo, m.noItemText())
		return nil
	}
	if m.waitsForList(msg) {
		return nil
	}
	m.countMove(msg)
	switch {
	case key.Matches(msg, k.Next):
		return m.moveBy(1)
	case key.Matches(msg, k.Prev):
		return m.moveBy(-1)
	case key.Matches(msg, k.First):
		return m.moveTo(0)
	case key.Matches(msg, k.Last):
		return m.moveTo(len(m.nav.visible) - 1)
	case key.Matches(msg, k.Jump):
		m.setMode(modeJump)
		return m.jump.Open()
	case key.Matches(msg, k.Search):
		return m.openSearch()
	case key.Matches(msg, k.Filter):
		return m.setFilter((m.nav.filter + 1) % numFilters)
	case key.Matches(msg, k.FilterBack):
		return m.setFilter((m.nav.filter + numFilters - 1) % numFilters)
	case key.Matches(msg, k.UrgentFirst):
		m.toggleUrgentFirst()
	case key.Matches(msg, k.Skip):
		return m.skip()
	case m.cmp != nil && key.Matches(msg, k.NextDisagreement, k.PrevDisagreement, k.Unsure, k.PreferA, k.PreferB, k.PreferBothRight, k.PreferBothWrong):
		cmd, _ := m.handleCompareKey(msg)
		return cmd
	case m.truth.on && key.Matches(msg, k.NextDisagreement, k.PrevDisagreement, k.Unsure, k.ModelWrong, k.TruthWrong, k.Ambiguous,
		k.AcceptModel, k.RemoveTruth, k.Edge, k.EdgeBack, k.EdgeOn, k.TruthFilter, k.TruthOrder):
		return m.handleTruthKey(msg)
	case key.Matches(msg, k.TruthView):
		m.toggleTruth()
	case key.Matches(msg, k.Metrics):
		return m.toggleMetrics()
	case key.Matches(msg, k.NextDisagreement):
		m.selectDisagreement(1)
	case key.Matches(msg, k.PrevDisagreement):
		m.selectDisagreement(-1)
	case key.Matches(msg, k.ImageRight):
		return m.decide(audit.ImageRight)
	case key.Matches(msg, k.DraftRight):
		return m.decide(audit.DraftRight)
	case key.Matches(msg, k.BothWrong):
		return m.decide(audit.BothWrong)
	case key.Matches(msg, k.Unsure):
		return m.decide(audit.Unsure)
	case key.Matches(msg, k.Undo):
		return m.undo()
	case key.Matches(msg, k.Note):
		return m.openNote()
	case key.Matches(msg, k.DisagreementNote):
		return m.openDisagreementNote()
	case key.Matches(msg, k.Raw):
		return m.openRaw()
	case key.Matches(msg, k.Rerun):
		return m.rerun()
	default:
		m.handleImageKey(msg)
	}
	return nil
}

// handleImageKey acts on the image keys: boxes, window, inversion, zoom
// and pan.
func (m *Model) handleImageKey(msg tea.KeyPressMsg) {
	k := &m.keys
	v := &m.look.view
	w := &v.Window
	switch {
	case key.Matches(msg, k.Boxes):
		m.look.showBoxes = !m.look.showBoxes
	case key.Matches(msg, k.WidthDown):
		w.Width = max(0.05, w.Factor()*0.8)
	case key.Matches(msg, k.WidthUp):
		w.Width = min(20, w.Factor()*1.25)
	case key.Matches(msg, k.Darker):
		w.Brightness = max(-2, w.Brightness-0.05)
	case key.Matches(msg, k.Brighter):
		w.Brightness = min(2, w.Brightness+0.05)
	case key.Matches(msg, k.Preset), key.Matches(msg, k.PresetBack):
		step := WindowPreset(1)
		if key.Matches(msg, k.PresetBack) {
			step = numPresets - 1
		}
		v.Preset = (v.Preset + step) % numPresets
		*w = DefaultWindowAdjust()
		m.setMsg(msgInfo, "window: "+v.Preset.String())
	case key.Matches(msg, k.PresetNumber):
		m.pickPreset(msg)
	case key.Matches(msg, k.WindowReset):
		v.Preset, *w = PresetDefault, DefaultWindowAdjust()
		m.setMsg(msgInfo, "window: reset to "+v.Preset.String())
	case key.Matches(msg, k.Invert):
		v.Invert = !v.Invert
	case key.Matches(msg, k.ZoomIn):
		v.zoomBy(1.5)
	case key.Matches(msg, k.ZoomOut):
		v.zoomBy(1 / 1.5)
	case key.Matches(msg, k.ZoomReset):
		v.zoomBy(0)
	case key.Matches(msg, k.ZoomBox):
		m.zoomToSelected()
	case key.Matches(msg, k.PanLeft):
		v.pan(-0.25, 0)
	case key.Matches(msg, k.PanRight):
		v.pan(0.25, 0)
	case key.Matches(msg, k.PanUp):
		v.pan(0, -0.25)
	case key.Matches(msg, k.PanDown):
		v.pan(0, 0.25)
	}
}

// zoomToSelected zooms onto the selected disagreement's boxes.
func (m *Model) zoomToSelected() {
	ds := m.disagreements()
	if len(ds) == 0 || len(ds[m.nav.dis].Boxes) == 0 {
		m.setMsg(msgInfo, "no box to zoom to on this disagreement")
		return
	}
	b := ds[m.nav.dis].Boxes[0]
	for _, o := range ds[m.nav.dis].Boxes[1:] {
		b.Y0, b.X0 = min(b.Y0, o.Y0), min(b.X0, o.X0)
		b.Y1, b.X1 = max(b.Y1, o.Y1), max(b.X1, o.X1)
	}
	m.look.view.zoomTo(b)
}

// rerun asks the pipeline to run the current item again, ignoring the cache.
func (m *Model) rerun() tea.Cmd {
	it, ok := m.current()
	if !ok || m.cfg.Engine == nil {
		m.setMsg(msgErr, "no pipeline: cannot rerun")
		return nil
	}
	m.data.setStatus(m.nav.cur, audit.StatusQueued)
	r := m.data.rows.at(m.nav.cur)
	r.stage, r.err = "", ""
	m.setMsg(msgInfo, "rerun queued for "+Sanitize(it.ID)+" (cache ignored)")
	return rerunItem(m.cfg.Engine, it)
}

// countMove counts the reviewer's moves; an item key also clears an
// informational message, which was about where the cursor was ("jumped
// to …") and would be stale on the next item.
func (m *Model) countMove(msg tea.KeyPressMsg) {
	k := &m.keys
	if key.Matches(msg, k.Next, k.Prev, k.First, k.Last, k.Search, k.Jump, k.Filter, k.FilterBack) {
		m.nav.moves++
	}
	if key.Matches(msg, k.Next, k.Prev, k.First, k.Last) && m.msg.kind == msgInfo {
		m.setMsg(msgInfo, "")
	}
}
