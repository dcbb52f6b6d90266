package tui

import (
	"context"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// The metrics pane: the card's table (compare.Report) for the items of
// the worklist whose truth and findings are known, over the main area,
// recomputed in a command whenever a result or the truth changes while it
// is open.

// metricsState is the metrics pane: on or off, its text, and the
// generation of the computation whose text is shown.
type metricsState struct {
	on     bool
	text   string
	gen    int  // of the latest computation asked for
	busy   bool // a computation is running
	stale  bool // something changed since it started
	scored int  // items behind the text
}

// metricsMsg brings a computed table.
type metricsMsg struct {
	gen    int
	text   string
	scored int
}

// toggleMetrics opens or closes the metrics pane.
func (m *Model) toggleMetrics() tea.Cmd {
	m.metrics.on = !m.metrics.on
	if !m.metrics.on {
		return nil
	}
	m.metrics.stale = true
	return m.computeMetrics()
}

// metricsItems snapshots the items with truth and a known result as
// items to score (their findings are not changed after they arrive).
func (m *Model) metricsItems() []compare.EvalItem {
	var out []compare.EvalItem
	for i := range m.data.items {
		res := m.data.rows[i].result
		if !m.data.hasTruth(i) || res == nil {
			continue
		}
		failed := res.Grounding != nil && res.Grounding.Error != "" || res.Grounding == nil && res.Err != ""
		out = append(out, compare.EvalItem{ID: m.data.items[i].ID, Pred: res.Findings, Truth: m.data.truthOf(i), ParseFailed: failed})
	}
	return out
}

// computeMetrics starts a computation when the pane is open, something
// changed and none is running; otherwise nil.
func (m *Model) computeMetrics() tea.Cmd {
	if !m.metrics.on || !m.metrics.stale || m.metrics.busy {
		return nil
	}
	m.metrics.busy, m.metrics.stale = true, false
	m.metrics.gen++
	gen, items, urgent, ctx := m.metrics.gen, m.metricsItems(), m.cfg.Urgent, m.ctx
	return func() tea.Msg { return metricsMsg{gen: gen, text: metricsText(ctx, items, urgent), scored: len(items)} }
}

// metricsText is the card's table for items, or why there is none.
func metricsText(ctx context.Context, items []compare.EvalItem, urgent []schema.Label) string {
	if len(items) == 0 {
		return "no item with truth has its findings yet (the worklist's truth column, or --truth FILE)"
	}
	s := compare.NewScores(compare.ProtocolItem)
	for _, it := range items {
		if err := s.Add(it); err != nil {
			return "metrics: " + err.Error()
		}
	}
	rep, err := compare.Evaluate(ctx, s, compare.Options{Urgent: urgent, Bootstrap: compare.DefaultBootstrap()})
	if err != nil {
		return "metrics: " + err.Error()
	}
	var b strings.Builder
	if err := rep.WriteText(&b); err != nil {
		return "metrics: " + err.Error()
	}
	return b.String()
}

// handleMetrics shows a computed table, and starts the next computation
// when something changed meanwhile.
func (m *Model) handleMetrics(msg metricsMsg) tea.Cmd {
	if msg.gen != m.metrics.gen {
		return nil
	}
	m.metrics.busy = false
	m.metrics.text, m.metrics.scored = msg.text, msg.scored
	return m.computeMetrics()
}

// metricsChanged marks the table stale (a result or the truth changed)
// and recomputes it when the pane is open.
func (m *Model) metricsChanged() tea.Cmd {
	m.metrics.stale = true
	return m.computeMetrics()
}

// metricsTitle is the pane's title.
func (m *Model) metricsTitle() string {
	withTruth := 0
	for i := range m.data.items {
		if m.data.hasTruth(i) {
			withTruth++
		}
	}
	t := "metrics against the truth · " + itoa(m.metrics.scored) + " of " + itoa(withTruth) + " items with truth scored · M closes"
	if m.metrics.busy {
		t += " · updating…"
	}
	return t
}

// metricsView draws the table in width x height cells.
func (m *Model) metricsView(width, height int) string {
	text := m.metrics.text
	if text == "" {
		text = "computing…"
	}
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	for i, l := range lines {
		lines[i] = Sanitize(l)
	}
	return clipLines(strings.Join(lines, "\n"), width, height)
}
