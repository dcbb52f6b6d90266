package tui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/cxr-auditor/cxr-auditor/audit"
)

// Messages carry results into Update. Every asynchronous result names its
// item and a generation number so a late one is recognised and dropped.

// sessionLoadedMsg brings the cached results and the verdicts, loaded once
// when the workstation opens.
type sessionLoadedMsg struct {
	// summaries are the cached results of the worklist's items (items of
	// the store that are not in the worklist are left out).
	summaries []cachedSummary
	verdicts  []audit.Verdict
	err       error
}

// cachedSummary is the store's summary of item index's latest result.
type cachedSummary struct {
	index int
	audit.ResultSummary
}

// engineUpdatedMsg is one progress event from the pipeline.
type engineUpdatedMsg struct{ u audit.Update }

// engineClosedMsg says the pipeline's Updates channel closed.
type engineClosedMsg struct{}

// detailLoadedMsg brings an item's full cached result (findings, raw
// outputs) for an item whose summary came from the store.
type detailLoadedMsg struct {
	itemID string
	gen    int
	result *audit.Result
}

// notesLoadedMsg brings the reviewer's note on an item.
type notesLoadedMsg struct {
	itemID string
	text   string
	err    error
}

// imageEncodedMsg brings an encoded picture (or the error) for request gen.
type imageEncodedMsg struct {
	itemID string
	gen    int
	pic    Picture
	err    error
}

// imageFlushMsg fires one tick after the frame that reserved the image's
// cells: time to write an out-of-band picture. It carries no generation:
// only one is pending at a time, and it writes the current item's picture,
// whichever request produced it.
type imageFlushMsg struct{}

// focusDueMsg fires when the cursor has rested long enough to tell the
// pipeline what to run first.
type focusDueMsg struct{ gen int }

// writeDoneMsg says the store finished the write op seq: a verdict or a
// note is durable (err == nil), or the undo happened.
type writeDoneMsg struct {
	seq     int
	verdict audit.Verdict
	note    audit.Note
	// undone and current are set by an undo: the verdict withdrawn and the
	// item's verdicts afterwards (every annotator's unless blind).
	undone  audit.Verdict
	undid   bool
	current []audit.Verdict
	err     error
}

// storeTimeout bounds one store call made for the UI.
const storeTimeout = 30 * time.Second

// loadSession queries the result summaries and all verdicts at once (the
// only I/O the workstation does for the whole worklist). index maps item
// IDs to their place in the worklist; it is only read (the model never
// changes it after New), so the command may use it off the UI goroutine.
func loadSession(ctx context.Context, st Store, index map[string]int, annotator string, blind bool) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, storeTimeout)
		defer cancel()
		res := make([]cachedSummary, 0, len(index))
		err := st.ResultSummaries(ctx, func(s audit.ResultSummary) error {
			if i, ok := index[s.ItemID]; ok {
				res = append(res, cachedSummary{index: i, ResultSummary: s})
			}
			return nil
		})
		if err != nil {
			return sessionLoadedMsg{err: err}
		}
		who := ""
		if blind {
			who = annotator
		}
		vs, err := st.AllVerdicts(ctx, who)
		return sessionLoadedMsg{summaries: res, verdicts: vs, err: err}
	}
}

// waitForUpdate reads one event from the pipeline (STYLE rule 8: it is
// issued again after each message).
func waitForUpdate(ch <-chan audit.Update) tea.Cmd {
	return func() tea.Msg {
		u, ok := <-ch
		if !ok {
			return engineClosedMsg{}
		}
		return engineUpdatedMsg{u}
	}
}

// lookupDetail loads an item's complete cached result.
func lookupDetail(ctx context.Context, e Engine, item audit.Item, gen int) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, storeTimeout)
		defer cancel()
		r, ok := e.Lookup(ctx, item)
		if !ok {
			r = nil
		}
		return detailLoadedMsg{itemID: item.ID, gen: gen, result: r}
	}
}

// loadNote loads the reviewer's current note on an item.
func loadNote(ctx context.Context, st Store, itemID, annotator string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, storeTimeout)
		defer cancel()
		ns, err := st.Notes(ctx, itemID, annotator)
		msg := notesLoadedMsg{itemID: itemID, err: err}
		for _, n := range ns {
			if n.Annotator == annotator {
				msg.text = n.Text
			}
		}
		return msg
	}
}

// encodeImage draws the picture for req off the update loop.
func encodeImage(ctx context.Context, im Imager, req ImageRequest, gen int) tea.Cmd {
	return func() tea.Msg {
		pic, err := im.Encode(ctx, req)
		return imageEncodedMsg{itemID: req.ItemID, gen: gen, pic: pic, err: err}
	}
}

// focusEngine tells the pipeline what the reviewer looks at.
func focusEngine(e Engine, id string, ahead []string) tea.Cmd {
	return func() tea.Msg {
		e.Focus(id, ahead)
		return nil
	}
}

// rerunItem asks the pipeline to run an item again, ignoring the cache.
func rerunItem(e Engine, item audit.Item) tea.Cmd {
	return func() tea.Msg {
		e.Rerun(item)
		return nil
	}
}

// writeKind is what a queued store write does.
type writeKind int

const (
	writeVerdict writeKind = iota
	writeUndo
	writeNote
)

// writeOp is one queued store write. Writes run one at a time, in order,
// so the store sees verdicts and undos in the order the reviewer made them.
type writeOp struct {
	seq     int
	kind    writeKind
	verdict audit.Verdict
	note    audit.Note
	// after says where the verdict moved the selection, for the message
	// shown once it is saved.
	after string
	// replaced is the decision the verdict replaces ("" when none).
	replaced string
	// moves is navigation.moves when the verdict was given: a refused
	// verdict brings the cursor back only if the reviewer has not moved.
	moves int
	// withOthers makes an undo read every annotator's verdicts of the item
	// afterwards, not only this reviewer's (false when blind).
	withOthers bool
}

// runWrite performs op against the store.
func runWrite(ctx context.Context, st Store, op writeOp) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, storeTimeout)
		defer cancel()
		done := writeDoneMsg{seq: op.seq}
		switch op.kind {
		case writeVerdict:
			done.verdict, done.err = st.SaveVerdict(ctx, op.verdict)
		case writeNote:
			done.note, done.err = st.SaveNote(ctx, op.note)
		case writeUndo:
			done.undone, done.undid, done.err = st.UndoLastVerdict(ctx, op.verdict.Annotator)
			if done.err == nil && done.undid {
				who := op.verdict.Annotator
				if op.withOthers {
					who = ""
				}
				done.current, done.err = st.Verdicts(ctx, done.undone.ItemID, who)
			}
		}
		return done
	}
}

// NoticeMsg puts a line in the workstation's message line; the command
// sends it (tea.Program.Send) to report what happens outside the TUI, such
// as a failed background write.
type NoticeMsg struct {
	Text string
	// Err shows the line as an error.
	Err bool
}
