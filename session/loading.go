package session

import (
	"context"
	"errors"
	"log"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/store"
	"github.com/cxr-auditor/cxr-auditor/tui"
	"github.com/cxr-auditor/cxr-auditor/worklist"
)

// firstRows is how many good rows the workstation waits for before its
// first frame when the rest can be read behind it: a few screenfuls,
// a few milliseconds of reading.
const firstRows = 2048

// readOnWait bounds the wait for the TUI's first frame (tui.Config.ReadOn)
// before the rest of the worklist is read anyway.
const readOnWait = time.Second

// readBackground starts reading the worklist (ReadBackground) and waits
// for its first rows: List holds them and Loading reads on, or List holds
// the whole worklist when it was read by then.
func (s *Session) readBackground(ctx context.Context) error {
	bg := worklist.LoadInBackground(ctx, s.cfg.Worklist, firstRows, s.cfg.WorklistOptions()...)
	if err := bg.Ready(ctx); err != nil {
		bg.Stop()
		return err
	}
	p := bg.Progress()
	if p.Done {
		var err error
		s.List, err = bg.List()
		return err
	}
	s.List = worklist.List{Path: s.cfg.Worklist, Items: p.Items, Problems: p.Problems, Warnings: p.Warnings}
	s.Loading = bg
	limitMemory()
	return nil
}

// reviewMemoryLimit is the heap size past which the collector works
// harder than GOGC asks (runtime/debug.SetMemoryLimit): a big worklist's
// items are held for the whole session, and letting the heap double
// over them (GOGC=100) doubled the process's peak (docs/performance.md).
const reviewMemoryLimit = 320 << 20

// limitMemory sets reviewMemoryLimit, unless GOMEMLIMIT set a limit.
func limitMemory() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(reviewMemoryLimit)
	}
}

// roomAbove is the heap's room above what is live that raiseMemoryLimit
// keeps: a list too big for reviewMemoryLimit must not have the
// collector run back to back.
func roomAbove(live uint64) int64 { return int64(live + live/8) }

// raiseMemoryLimit raises the limit limitMemory set to roomAbove the
// live heap, when that is more (a worklist of more than about a million
// rows), unless GOMEMLIMIT set a limit.
func raiseMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	if want := roomAbove(s[0].Value.Uint64()); want > debug.SetMemoryLimit(-1) {
		debug.SetMemoryLimit(want)
	}
}

// readOnOnce returns the tui.Config.ReadOn of this workstation: it
// closes w.readOn, once.
func (w *bench) readOnOnce() func() {
	var once sync.Once
	w.readOn = make(chan struct{})
	return func() { once.Do(func() { close(w.readOn) }) }
}

// stopLoading stops the worklist's read, if one runs, and waits for it.
func (s *Session) stopLoading() {
	if s.Loading != nil {
		s.Loading.Stop()
	}
}

// canReadBehind reports whether the workstation can show a worklist's
// first rows while the rest is read: not when something needs the whole
// list before the first frame (a study's share, a comparison of runs,
// a truth file matched by id, queueing every item).
func (cfg *WorkstationConfig) canReadBehind() bool {
	return cfg.Study == "" && len(cfg.Compare) == 0 && cfg.Truth == "" && !cfg.QueueAll
}

// feed hands the TUI the rows of a worklist still being read (Loading)
// as they come, with the bad rows found among them, and records them in
// the store a part at a time, until the read ends or ctx does.
func (w *bench) feed(ctx context.Context) {
	bg := w.s.Loading
	// The rest is read once the first frame is drawn (the TUI says when,
	// or a second passes).
	select {
	case <-w.readOn:
	case <-time.After(readOnWait):
	case <-ctx.Done():
		return
	}
	bg.Continue()
	log.Printf("worklist: reading the rest after the first %d rows", len(w.s.List.Items))
	stored, told := 0, len(w.s.List.Problems)
	outside := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-bg.Changed():
		case <-bg.Finished():
		}
		p := bg.Progress()
		var words []string
		for _, rp := range p.Problems[told:] {
			words = append(words, rp.Error())
			log.Printf("worklist: skipped row: %v", rp)
			if errors.Is(rp, worklist.ErrOutsideFolder) {
				outside++
			}
		}
		told = len(p.Problems)
		if p.Done && outside > 0 {
			words = append(words, OutsideHint(outside))
		}
		if p.Done && p.Err != nil {
			log.Printf("worklist: %v", p.Err)
		}
		if p.Done && errors.Is(p.Err, context.Canceled) && ctx.Err() != nil {
			return // the session is ending: nothing to say
		}
		w.prog.Send(tui.ItemsMsg{Items: p.Items, Problems: words, Done: p.Done, Err: p.Err})
		if err := w.record(ctx, p.Items[stored:], stored); err != nil {
			return
		}
		stored = len(p.Items)
		raiseMemoryLimit()
		if p.Done {
			if p.Err == nil {
				log.Printf("worklist: all %d rows read and recorded (%d skipped)", len(p.Items)+len(p.Problems), len(p.Problems))
			}
			return
		}
	}
}

// record remembers items, which start at position seq of the worklist,
// in the store (export, resume); a failure is said in the message line.
func (w *bench) record(ctx context.Context, items []audit.Item, seq int) error {
	var refused []store.RefusedRow
	_, err := putItemsFrom(ctx, w.s.Store, items, seq, func(r store.RefusedRow) { refused = append(refused, r) })
	if err == nil && len(refused) > 0 {
		err = &store.RefusedRowsError{Rows: refused}
	}
	if err != nil && ctx.Err() == nil {
		log.Printf("store: %v", err)
		w.prog.Send(tui.NoticeMsg{Text: "could not record the worklist in the store: " + err.Error(), Err: true})
	}
	return err
}
