package tui

import (
	"errors"
	"maps"
	"slices"
	"sort"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// Quitting never loses work silently. With writes still on their way to
// the store, the workstation quits once they are on disk; with verdicts
// the store refused or note drafts not saved, it asks first: the message
// line says what would be lost and the quit key again quits. Any other key
// withdraws the question. Unsaved lists what is left for the exit summary.

// quit quits now when nothing would be lost, else asks (see above).
func (m *Model) quit() tea.Cmd {
	if m.saves.quitAsked {
		return m.quitNow()
	}
	pending, unsaved := len(m.saves.ops), m.unsavedWork()
	if pending == 0 && len(unsaved) == 0 {
		return m.quitNow()
	}
	m.saves.quitAsked = true
	again := m.keys.Quit.Help().Key + " again quits now and loses "
	if pending > 0 {
		m.saves.quitting = true
		m.setMsg(msgErr, "saving "+count(pending, "change")+"… will quit when saved ("+again+"them)")
		return nil
	}
	m.askQuit(unsaved)
	return nil
}

// askQuit asks before losing unsaved: the quit key and what it loses
// first, so that they stay whole on an 80-column message line, then the
// details.
func (m *Model) askQuit(unsaved []string) {
	verdicts := 0
	for _, u := range unsaved {
		if strings.HasPrefix(u, "verdict ") {
			verdicts++
		}
	}
	var lost []string
	if verdicts > 0 {
		lost = append(lost, count(verdicts, "verdict"))
	}
	if n := len(unsaved) - verdicts; n > 0 {
		lost = append(lost, count(n, "note draft"))
	}
	m.setMsg(msgErr, m.keys.Quit.Help().Key+" again quits and loses "+strings.Join(lost, " and ")+
		", any other key goes back · NOT saved: "+strings.Join(unsaved, "; ")+m.keptText())
}

// quitAfterWrites is called once the queue is empty while quitting: quit,
// unless something was refused meanwhile, then ask.
func (m *Model) quitAfterWrites() tea.Cmd {
	m.saves.quitting = false
	if unsaved := m.unsavedWork(); len(unsaved) > 0 {
		m.askQuit(unsaved)
		return nil
	}
	return m.quitNow()
}

// quitNow stops the workstation: from here on no key is acted on.
func (m *Model) quitNow() tea.Cmd {
	m.saves.gone = true
	return tea.Quit
}

// withdrawQuit takes back a pending quit (the question, or the quit
// after the writes) on a key other than the quit key. That key is not
// acted on: it may have been typed together with the quit key.
func (m *Model) withdrawQuit() bool {
	if !m.saves.quitAsked && !m.saves.quitting {
		return false
	}
	m.saves.quitAsked, m.saves.quitting = false, false
	m.setMsg(msgInfo, "quit withdrawn: back to work (that key was not acted on)")
	return true
}

// keptNote is a refused note's text and the rescue file it was kept in.
type keptNote struct{ text, where string }

// keptIn is where a refused write was kept for saving again: the store's
// rescue file (store.RescuedError's KeptIn), "" when it was not kept.
func keptIn(err error) string {
	var k interface{ KeptIn() string }
	if errors.As(err, &k) {
		return k.KeptIn()
	}
	return ""
}

// noteKeptAs reports whether the note draft under key k is the text the
// rescue file kept, and where.
func (m *Model) noteKeptAs(k string) (string, bool) {
	kn, ok := m.data.noteKept[k]
	if !ok || m.data.noteDrafts[k] != kn.text {
		return "", false
	}
	return kn.where, true
}

// keptWork lists the refused verdicts and note drafts that were kept in
// the rescue file (nothing of them is lost by quitting), in words, with
// the file.
func (m *Model) keptWork() (what []string, where string) {
	for _, id := range slices.Sorted(maps.Keys(m.data.mine)) {
		for _, k := range slices.Sorted(maps.Keys(m.data.mine[id])) {
			if e := m.data.mine[id][k]; e.state == stateFailed && e.kept != "" {
				what, where = append(what, "verdict "+Sanitize(id)+" "+Sanitize(k)+": "+decisionText(e.decision, k)), e.kept
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(m.data.noteDrafts)) {
		if w, ok := m.noteKeptAs(k); ok && !m.notePending(k) {
			what, where = append(what, "note on "+noteWhere(splitNoteKey(k))), w
		}
	}
	return what, where
}

// keptText is keptWork for the quit question: " · kept in FILE: ...", or
// "" when nothing was kept.
func (m *Model) keptText() string {
	what, where := m.keptWork()
	if len(what) == 0 {
		return ""
	}
	return " · kept in " + Sanitize(where) + ": " + strings.Join(what, "; ")
}

// unsavedWork lists the verdicts the store refused and the note drafts not
// saved, in words (not the writes still in flight), leaving out what was
// kept in the rescue file (keptWork) and what the study refused (the
// reader was told; nothing would save it): quitting loses only these.
func (m *Model) unsavedWork() []string {
	var out []string
	ids := make([]string, 0, len(m.data.mine))
	for id := range m.data.mine {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		keys := make([]string, 0, len(m.data.mine[id]))
		for k, e := range m.data.mine[id] {
			if e.state == stateFailed && e.kept == "" && e.refused == "" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			e := m.data.mine[id][k]
			out = append(out, "verdict "+Sanitize(id)+" "+Sanitize(k)+": "+decisionText(e.decision, k))
		}
	}
	ids = ids[:0]
	for k := range m.data.noteDrafts {
		if _, kept := m.noteKeptAs(k); !m.notePending(k) && !kept {
			ids = append(ids, k)
		}
	}
	sort.Strings(ids)
	for _, k := range ids {
		out = append(out, "note draft on "+noteWhere(splitNoteKey(k)))
	}
	return out
}

// refusedWork lists the verdicts the study refused, with why, for the
// exit summary.
func (m *Model) refusedWork() []string {
	var out []string
	for _, id := range slices.Sorted(maps.Keys(m.data.mine)) {
		for _, k := range slices.Sorted(maps.Keys(m.data.mine[id])) {
			if e := m.data.mine[id][k]; e.state == stateFailed && e.refused != "" {
				out = append(out, "verdict "+Sanitize(id)+" "+Sanitize(k)+": "+decisionText(e.decision, k)+" (refused: "+Sanitize(e.refused)+")")
			}
		}
	}
	return out
}

// notePending reports whether a note write for the note key (noteKey)
// is queued.
func (m *Model) notePending(k string) bool {
	for _, op := range m.saves.ops {
		if op.kind == writeNote && noteKey(op.note.ItemID, op.note.Disagreement) == k {
			return true
		}
	}
	return false
}

// Unsaved lists, for the exit summary, what this session did not get into
// the store: verdicts refused (by the store, or by the study's rules, with
// why), note drafts never saved, and writes still
// queued or in flight. Empty when everything is saved.
func (m *Model) Unsaved() []string {
	out := m.unsavedWork()
	if what, where := m.keptWork(); len(what) > 0 {
		for _, w := range what {
			out = append(out, w+" (kept in "+Sanitize(where)+")")
		}
	}
	out = append(out, m.refusedWork()...)
	for _, op := range m.saves.ops {
		switch op.kind {
		case writeVerdict:
			out = append(out, "verdict "+Sanitize(op.verdict.ItemID)+" "+Sanitize(op.verdict.DisagreementKey)+": "+
				decisionText(op.verdict.Decision, op.verdict.DisagreementKey)+" (still being saved)")
		case writeNote:
			out = append(out, "note on "+noteWhere(op.note.ItemID, op.note.Disagreement)+" (still being saved)")
		case writeUndo, writeUndoCompare:
			out = append(out, "an undo (still being saved)")
		}
	}
	return out
}
