package session

import (
	"context"
	"errors"
	"fmt"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// runItemsBatch is how many items' outcomes a run records per commit:
// a commit per item would make the disk the bound of a batch run.
const runItemsBatch = 256

// runRecorder keeps a named run's outcomes, item by item, in the store.
// One goroutine (the one receiving the scheduler's updates) owns it.
type runRecorder struct {
	st      *store.Store
	run     string
	pending []audit.RunItem
	logf    func(string, ...any)
}

// startRun names the session's configuration as a run (name "": its
// known name or a default) and returns its recorder.
func startRun(ctx context.Context, s *Session, name string, logf func(string, ...any)) (*runRecorder, error) {
	info, err := s.Store.StartRun(ctx, name, s.Sched.RunConfig(ctx), s.cfg.Worklist)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	return &runRecorder{st: s.Store, run: info.Name, logf: logf}, nil
}

// add records r's outcome, committing every runItemsBatch items.
func (rr *runRecorder) add(ctx context.Context, r *audit.Result) {
	it := audit.RunItem{ItemID: r.ItemID, Error: r.Err}
	if r.StoreErr != "" && it.Error == "" {
		it.Error = "not stored: " + r.StoreErr
	}
	if g := r.Grounding; g != nil {
		it.GroundingKey, it.GroundingError = g.Key, g.Error
	}
	if d := r.Draft; d != nil {
		it.DraftKey = d.Key
	}
	rr.pending = append(rr.pending, it)
	if len(rr.pending) >= runItemsBatch {
		rr.flush(ctx)
	}
}

// flush commits what waits; a failure is a warning (the results
// themselves are stored).
func (rr *runRecorder) flush(ctx context.Context) {
	err := rr.st.PutRunItems(ctx, rr.run, rr.pending)
	if err != nil && !errors.Is(err, store.ErrStoreReplaced) { // the end says NOT SAVED
		rr.logf("warning: recording run %s: %v", rr.run, err)
	}
	rr.pending = rr.pending[:0]
}

// ListRuns prints the runs of the store (db, or the one beside worklist):
// a table of name, configuration, items done and failed, and dates, or
// one JSON array. The store is opened read-only.
func ListRuns(ctx context.Context, env Env, db, worklist string, asJSON bool) error {
	st, err := OpenReadOnly(ctx, env, db, worklist)
	if err != nil {
		return err
	}
	defer st.Close()
	runs, err := st.Runs(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		if runs == nil {
			runs = []audit.RunInfo{}
		}
		return WriteJSON(env.Stdout, runs)
	}
	if len(runs) == 0 {
		WriteLine(env.Stdout, "no runs in %s yet: 'cxr-auditor run WORKLIST' makes one", st.Path())
		return nil
	}
	rows := [][]string{{"NAME", "GROUNDING", "DRAFT", "PROMPTS", "INPUT", "ITEMS", "DONE", "FAILED", "CREATED", "UPDATED"}}
	const day = "2006-01-02 15:04"
	for _, r := range runs {
		c := r.Config
		rows = append(rows, []string{r.Name, withDigest(c.GroundingModel, c.GroundingDigest), withDigest(c.DraftModel, c.DraftDigest),
			short(c.GroundingPrompt) + "/" + short(c.DraftPrompt), c.ModelInput,
			fmt.Sprint(r.Items), fmt.Sprint(r.Done), fmt.Sprint(r.Failed), r.Created.Format(day), r.Updated.Format(day)})
	}
	return writeTable(env, rows)
}

// withDigest is "model@digest" with the digest's first 12 characters.
func withDigest(model, digest string) string {
	if digest == "" {
		return model
	}
	return model + "@" + short(digest)
}

func short(digest string) string {
	if len(digest) > 12 {
		return digest[:12]
	}
	if digest == "" {
		return "-"
	}
	return digest
}
