package tui

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// othersLoadedMsg brings the other annotators' current verdicts on an
// item, read again as the reviewer comes to it.
type othersLoadedMsg struct {
	itemID   string
	verdicts []audit.Verdict
	err      error
}

// loadOthers reads the item's current verdicts, for a reviewer who sees
// the others' (not blind: a study's adjudicator): a reader may change a
// verdict while the adjudicator works, and the "others:" line must say
// what the store holds now, not what it held when the session opened.
func loadOthers(ctx context.Context, st Store, itemID string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, storeTimeout)
		defer cancel()
		vs, err := st.Verdicts(ctx, itemID, "")
		return othersLoadedMsg{itemID: itemID, verdicts: vs, err: err}
	}
}

// handleOthers replaces the item's other verdicts with the store's. A
// failed read keeps what was shown (the note's load says the store is
// unwell).
func (m *Model) handleOthers(msg othersLoadedMsg) {
	if msg.err != nil || m.cfg.Blind {
		return
	}
	var others []audit.Verdict
	for _, v := range msg.verdicts {
		if v.Annotator != m.cfg.Annotator {
			others = append(others, v)
		}
	}
	m.data.others[msg.itemID] = others
	m.markDirty()
}
