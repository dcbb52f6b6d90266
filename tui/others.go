package tui

import (
	"context"
	"slices"

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

// handleOthers replaces the item's other verdicts with the store's, and
// in a study where the item's units now stand. A failed read keeps what
// was shown (the note's load says the store is unwell).
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
	m.resettle(msg.itemID, msg.verdicts)
	m.markDirty()
}

// StudyRoles is who judges a study's units, for an adjudicator's session:
// as the readers' verdicts are read again, each unit of the item is
// resolved as the store resolves it (audit.Resolve), so a unit the
// readers come to agree on is shown agreed, and one they come to dispute
// is open again.
type StudyRoles struct {
	// Name is the study's: only verdicts given in it count.
	Name string
	// Readers are each item's assigned readers, by item id.
	Readers map[string][]string
	// Adjudicators are the study's.
	Adjudicators []string
}

// resettle resolves again every unit of the item from the store's
// current verdicts on it: Settled holds exactly the units the readers
// agree on, with their decision.
func (m *Model) resettle(itemID string, vs []audit.Verdict) {
	sr := m.cfg.Study
	if sr == nil {
		return
	}
	byKey := map[string][]audit.Judgement{}
	var keys []string
	if i, ok := m.data.find(itemID); ok {
		if r := m.data.rows.get(i).report; r != nil {
			for _, d := range r.ReviewRows() {
				keys = append(keys, d.Key())
			}
		}
	}
	for _, v := range vs {
		if v.Study != sr.Name {
			continue
		}
		if _, seen := byKey[v.DisagreementKey]; !seen && !slices.Contains(keys, v.DisagreementKey) {
			keys = append(keys, v.DisagreementKey)
		}
		byKey[v.DisagreementKey] = append(byKey[v.DisagreementKey], audit.Judgement{Annotator: v.Annotator, Decision: v.Decision, VerdictID: v.ID})
	}
	for _, k := range keys {
		state, final, _ := audit.Resolve(sr.Readers[itemID], sr.Adjudicators, byKey[k])
		if state != audit.UnitAgreed {
			delete(m.data.settled[itemID], k)
			continue
		}
		if m.data.settled == nil {
			m.data.settled = map[string]map[string]audit.Decision{}
		}
		if m.data.settled[itemID] == nil {
			m.data.settled[itemID] = map[string]audit.Decision{}
		}
		m.data.settled[itemID][k] = final
	}
}
