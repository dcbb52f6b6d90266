package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/cxr-auditor/cxr-auditor/compare"
)

// The metrics pane: the card's table (compare.Report) for the items of
// the worklist whose truth and findings are known, over the main area.
// Its figures are a compare.Live, built once in a command when the pane
// first opens; after that a result that arrives or a truth corrected is
// one Put and one Report in Update (milliseconds at 100k items), so the
// pane stays current as results arrive.

// metricsState is the metrics pane.
type metricsState struct {
	on   bool
	text string
	live *compare.Live // nil until built
	// building: a NewLive is running; its result has generation gen.
	building bool
	gen      int
	// pending are the items changed since the figures were last brought
	// up to date (applied when the pane shows, or the build ends).
	pending map[string]bool
	all     bool // every item changed (the corrections loaded)
}

// metricsBuiltMsg brings the built figures.
type metricsBuiltMsg struct {
	gen  int
	live *compare.Live
	err  error
}

// metricsOptions are the pane's options: the item protocol, the default
// bootstrap, the session's urgent labels.
func (m *Model) metricsOptions() compare.Options {
	return compare.Options{Protocol: compare.ProtocolItem, Urgent: m.cfg.Urgent, Bootstrap: compare.DefaultBootstrap()}
}

// toggleMetrics opens or closes the metrics pane.
func (m *Model) toggleMetrics() tea.Cmd {
	m.metrics.on = !m.metrics.on
	if !m.metrics.on {
		return nil
	}
	return m.refreshMetrics()
}

// evalItem is item i as the pane scores it; ok is false when its truth or
// findings are not known.
func (m *Model) evalItem(i int) (compare.EvalItem, bool) {
	res := m.data.rows.get(i).result
	if !m.data.hasTruth(i) || res == nil {
		return compare.EvalItem{}, false
	}
	failed := res.Grounding != nil && res.Grounding.Error != "" || res.Grounding == nil && res.Err != ""
	return compare.EvalItem{ID: m.data.items[i].ID, Pred: res.Findings, Truth: m.data.truthOf(i), ParseFailed: failed}, true
}

// refreshMetrics brings the open pane up to date: starts the build, or
// applies the changed items and redraws the table.
func (m *Model) refreshMetrics() tea.Cmd {
	st := &m.metrics
	if !st.on || st.building {
		return nil
	}
	if st.live == nil || st.all {
		st.building, st.all, st.pending = true, false, nil
		st.gen++
		var items []compare.EvalItem
		for i := range m.data.items {
			if it, ok := m.evalItem(i); ok {
				items = append(items, it)
			}
		}
		gen, opts, ctx := st.gen, m.metricsOptions(), m.ctx
		return func() tea.Msg {
			l, err := compare.NewLive(ctx, items, opts)
			return metricsBuiltMsg{gen: gen, live: l, err: err}
		}
	}
	for id := range st.pending {
		i, known := m.data.find(id)
		if !known {
			continue
		}
		if it, ok := m.evalItem(i); ok {
			if err := st.live.Put(it); err != nil {
				st.text = "metrics: " + err.Error()
				return nil
			}
		} else {
			st.live.Remove(id)
		}
	}
	st.pending = nil
	st.text = m.metricsTable()
	return nil
}

// metricsTable is the table of the figures as they stand.
func (m *Model) metricsTable() string {
	l := m.metrics.live
	if l.Len() == 0 {
		return "no item with truth has its findings yet (the worklist's truth column, or --truth FILE)"
	}
	var b strings.Builder
	if err := l.Report().WriteText(&b); err != nil {
		return "metrics: " + err.Error()
	}
	return b.String()
}

// handleMetricsBuilt takes the built figures and applies what changed
// during the build.
func (m *Model) handleMetricsBuilt(msg metricsBuiltMsg) tea.Cmd {
	st := &m.metrics
	if msg.gen != st.gen {
		return nil
	}
	st.building = false
	if msg.err != nil {
		st.text = "metrics: " + msg.err.Error()
		return nil
	}
	st.live = msg.live
	return m.refreshMetrics()
}

// metricsChanged notes that item id's result or truth changed ("" for
// every item) and brings the pane up to date when it is open.
func (m *Model) metricsChanged(id string) tea.Cmd {
	st := &m.metrics
	if id == "" {
		st.all = true
	} else {
		if st.pending == nil {
			st.pending = map[string]bool{}
		}
		st.pending[id] = true
	}
	return m.refreshMetrics()
}

// metricsTitle is the pane's title.
func (m *Model) metricsTitle() string {
	withTruth := 0
	for i := range m.data.items {
		if m.data.hasTruth(i) {
			withTruth++
		}
	}
	scored := 0
	if m.metrics.live != nil {
		scored = m.metrics.live.Len()
	}
	t := "metrics against the truth · " + itoa(scored) + " of " + itoa(withTruth) + " items with truth scored · M closes"
	if m.metrics.building {
		t += " · computing…"
	}
	return t
}

// metricsView draws the table in width x height cells.
func (m *Model) metricsView(width, height int) string {
	text := m.metrics.text
	if text == "" {
		text = "computing…"
	}
	lines := append(m.metricsTally(), strings.Split(strings.TrimRight(text, "\n"), "\n")...)
	for i, l := range lines {
		lines[i] = Sanitize(l)
	}
	return clipLines(strings.Join(lines, "\n"), width, height)
}
