package tui

import (
	"context"
	"errors"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Messages carry results into Update. Every asynchronous result names its
// item and a generation number so a late one is recognised and dropped.

// sessionLoadedMsg brings one part of the session as it streams from the
// store when the workstation opens: the verdicts first, then the cached
// results' summaries a chunk at a time; the last part has done set (and
// err, if the load failed). A million items arrive in a few dozen parts,
// so the worklist fills in from the top while the query runs.
type sessionLoadedMsg struct {
	// verdicts are every current verdict (the first part only).
	verdicts []audit.Verdict
	// summaries are cached results of the worklist's items (items of the
	// store that are not in the worklist are left out).
	summaries []cachedSummary
	done      bool
	err       error
	// next reads the part after this one (nil on the last).
	next tea.Cmd
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

// notesLoadedMsg brings the reviewer's note on an item, and the other
// annotators' notes in words when they were asked for.
type notesLoadedMsg struct {
	itemID string
	text   string
	others string
	// dis is the reviewer's notes on the item's disagreements, by key.
	dis map[string]string
	err error
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
	// correction is the truth correction saved or undone; hasCurrent and
	// truthNow say the item's correction after an undo.
	correction audit.TruthCorrection
	hasCurrent bool
	truthNow   audit.TruthCorrection
	// cmpUndone and cmpNow are set by a compare undo: the judgment
	// withdrawn and its item's current compare verdicts afterwards.
	cmpUndone audit.CompareVerdict
	cmpNow    []audit.CompareVerdict
	err       error
}

// storeTimeout bounds one store call made for the UI.
const storeTimeout = 30 * time.Second

// sessionTimeout bounds the whole streaming load of the session: a
// million summaries take seconds on a quiet machine and tens of seconds on
// a loaded one; meanwhile the reviewer works.
const sessionTimeout = 10 * time.Minute

// Session parts grow from firstChunk to maxChunk summaries: the first
// screen fills at once, and a million items take a few dozen messages.
const (
	firstChunk = 1 << 10
	maxChunk   = 1 << 16
)

// loadSession streams the session from the store (the only I/O the
// workstation does for the whole worklist): all verdicts, then the result
// summaries in growing chunks, each a sessionLoadedMsg whose next command
// reads the one after. The query runs in a goroutine owned by ctx (the
// program's context): it stops when ctx ends, or when the parts are read
// to the last. index maps item IDs to their place in the worklist; it is
// only read (the model never changes it after New), so the goroutine may
// use it.
func loadSession(ctx context.Context, st Store, index func(string) (int, bool), annotator string, blind bool) tea.Cmd {
	return func() tea.Msg {
		ch := make(chan sessionLoadedMsg)
		next := func() tea.Msg {
			msg, ok := <-ch
			if !ok {
				return sessionLoadedMsg{done: true, err: ctx.Err()}
			}
			return msg
		}
		go streamSession(ctx, st, index, annotator, blind, ch, next)
		return next()
	}
}

// streamSession sends the session's parts on ch (see loadSession) and
// closes it.
func streamSession(ctx context.Context, st Store, index func(string) (int, bool), annotator string, blind bool, ch chan<- sessionLoadedMsg, next tea.Cmd) {
	defer close(ch)
	ctx, cancel := context.WithTimeout(ctx, sessionTimeout)
	defer cancel()
	send := func(msg sessionLoadedMsg) bool {
		if !msg.done {
			msg.next = next
		}
		if ctx.Err() != nil {
			// Once cancelled, nothing more is sent (select would pick
			// at random between a ready reader and Done).
			return false
		}
		select {
		case ch <- msg:
			return true
		case <-ctx.Done():
			return false
		}
	}
	who := ""
	if blind {
		who = annotator
	}
	vs, err := st.AllVerdicts(ctx, who)
	if err != nil {
		send(sessionLoadedMsg{done: true, err: err})
		return
	}
	if !send(sessionLoadedMsg{verdicts: vs}) {
		return
	}
	size := firstChunk
	chunk := make([]cachedSummary, 0, size)
	err = st.ResultSummaries(ctx, func(s audit.ResultSummary) error {
		i, ok := index(s.ItemID)
		if !ok {
			return nil
		}
		chunk = append(chunk, cachedSummary{index: i, ResultSummary: s})
		if len(chunk) < size {
			return nil
		}
		if !send(sessionLoadedMsg{summaries: chunk}) {
			return ctx.Err()
		}
		size = min(2*size, maxChunk)
		chunk = make([]cachedSummary, 0, size)
		return nil
	})
	send(sessionLoadedMsg{summaries: chunk, done: true, err: err})
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

// loadNote loads the reviewer's current note on an item and, with
// others (a reviewer who is not blind: a study's adjudicator), every
// other annotator's.
func loadNote(ctx context.Context, st Store, itemID, annotator string, others bool) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, storeTimeout)
		defer cancel()
		who := annotator
		if others {
			who = ""
		}
		ns, err := st.Notes(ctx, itemID, who)
		msg := notesLoadedMsg{itemID: itemID, err: err, dis: map[string]string{}}
		var theirs []string
		for _, n := range ns {
			switch {
			case n.Annotator == annotator && n.Disagreement != "":
				msg.dis[n.Disagreement] = n.Text
			case n.Annotator == annotator:
				msg.text = n.Text
			case n.Disagreement != "":
				theirs = append(theirs, n.Annotator+" on "+n.Disagreement+": "+n.Text)
			default:
				theirs = append(theirs, n.Annotator+": "+n.Text)
			}
		}
		msg.others = strings.Join(theirs, " · ")
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
	// writeCompare saves a compare verdict (compare mode).
	writeCompare
	writeCorrection
	writeUndoCorrection
	// writeUndoCompare withdraws this session's latest compare verdict.
	writeUndoCompare
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
	// cmp is the compare verdict of a writeCompare, stored by save.
	cmp     audit.CompareVerdict
	save    func(ctx context.Context, v audit.CompareVerdict) (audit.CompareVerdict, error)
	undoCmp CompareUndo
	// correction is a truth correction to save; prevTruth (hadPrev) is
	// the item's corrected truth before it, put back if it is refused.
	correction audit.TruthCorrection
	prevTruth  []schema.Finding
	hadPrev    bool
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
		case writeCompare:
			if op.save == nil {
				done.err = errors.New("this session cannot store compare verdicts")
				break
			}
			_, done.err = op.save(ctx, op.cmp)
		case writeUndoCompare:
			if op.undoCmp == nil {
				done.err = errors.New("this session cannot undo compare verdicts")
				break
			}
			done.cmpUndone, done.cmpNow, done.undid, done.err = op.undoCmp(ctx, op.cmp.Annotator)
		case writeCorrection:
			done.correction, done.err = st.(TruthStore).SaveTruthCorrection(ctx, op.correction)
		case writeUndoCorrection:
			ts := st.(TruthStore)
			done.correction, done.undid, done.err = ts.UndoLastTruthCorrection(ctx, op.verdict.Annotator)
			if done.err == nil && done.undid {
				done.truthNow, done.hasCurrent, done.err = ts.TruthCorrectionOf(ctx, done.correction.ItemID)
			}
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

// handleNotice shows what the session says in the message line.
func (m *Model) handleNotice(msg NoticeMsg) {
	if msg.Err {
		m.setMsg(msgErr, Sanitize(msg.Text))
	} else {
		m.setMsg(msgInfo, Sanitize(msg.Text))
	}
}
