package tui

import (
	tea "charm.land/bubbletea/v2"
)

// staleText says what a result made under another prompt or model is.
const staleText = "other prompt or model: the stored result is not this session's (prompt, model, options or draft differ) · rerun with R"

// open reports whether item i still needs a verdict and is not flagged
// for later: where the advance and the wrap go.
func (m *Model) open(i int) bool { return m.data.needsWork(i) && !m.nav.flagged[i] }

// wrapToOpen is the move past the last listed row (p): to the first open
// item above it, an urgent one first, saying so; or nowhere, saying that
// nothing listed is open.
func (m *Model) wrapToOpen(p int) (tea.Cmd, string) {
	pick := -1
	for q := 0; q < p && pick < 0; q++ {
		if i := m.nav.visible[q]; m.open(i) && m.data.isUrgent(i) {
			pick = i
		}
	}
	urgent := pick >= 0
	for q := 0; q < p && pick < 0; q++ {
		if i := m.nav.visible[q]; m.open(i) {
			pick = i
		}
	}
	if pick < 0 {
		s := "; no item in the list needs a verdict"
		if n := len(m.nav.flagged); n > 0 {
			s += " (" + count(n, "item") + " flagged for later: " + m.keys.Filter.Help().Key + " lists them)"
		}
		return nil, s
	}
	what := "open item"
	if urgent {
		what = "URGENT item still open"
	}
	return m.setCurrent(pick), "; wrapped to the top: " + what + ": " + Sanitize(m.data.items[pick].ID)
}

// skip flags the current item for later and moves on to the next open
// item, or takes the flag off.
func (m *Model) skip() tea.Cmd {
	it, ok := m.current()
	if !ok {
		return nil
	}
	if m.nav.flagged == nil {
		m.nav.flagged = map[int]bool{}
	}
	i := m.nav.cur
	if m.nav.flagged[i] {
		delete(m.nav.flagged, i)
		m.markDirty()
		m.setMsg(msgInfo, "flag taken off "+Sanitize(it.ID))
		return nil
	}
	m.nav.flagged[i] = true
	m.markDirty()
	p := m.pos()
	for q := p + 1; p >= 0 && q < len(m.nav.visible); q++ {
		if j := m.nav.visible[q]; m.open(j) {
			m.setMsg(msgInfo, "flagged "+Sanitize(it.ID)+" for later → "+Sanitize(m.data.items[j].ID)+
				" · "+m.keys.Skip.Help().Key+" there again unflags")
			return m.setCurrent(j)
		}
	}
	cmd, where := m.wrapToOpen(max(p, 0))
	m.setMsg(msgInfo, "flagged "+Sanitize(it.ID)+" for later"+where)
	return cmd
}

// pickPreset selects the window preset whose number key was pressed.
func (m *Model) pickPreset(msg tea.KeyPressMsg) {
	for n, k := range m.keys.PresetNumber.Keys() {
		if msg.String() == k && n < int(numPresets) {
			m.look.view.Preset = WindowPreset(n)
			m.look.view.Window = DefaultWindowAdjust()
			m.setMsg(msgInfo, "window: "+m.look.view.Preset.String())
		}
	}
}

// idPrefix is the prefix every item id shares (sharedIDPrefix), worked
// out once.
func (m *Model) idPrefix() string {
	if !m.data.prefixDone {
		ids := make([]string, len(m.data.items))
		for i, it := range m.data.items {
			ids[i] = it.ID
		}
		m.data.prefix, m.data.prefixDone = sharedIDPrefix(ids), true
	}
	return m.data.prefix
}
