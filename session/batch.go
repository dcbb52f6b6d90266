package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/pipeline"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// RunConfig is what Run needs: the session's Config and the batch run's
// own settings; the run command fills it from its flags.
type RunConfig struct {
	Config
	// Out is the results file ("": stdout).
	Out string
	// Share is auto (shared when the store is PostgreSQL), on or off;
	// Lease is how long a claimed item stays a stopped worker's.
	Share string
	Lease time.Duration
	// ShowPrompts says which templates are in use on stderr (--prompts
	// was given).
	ShowPrompts bool
	// Name names the run (--name); "" keeps the configuration's known
	// name or derives one (store.StartRun).
	Name string
}

// JobsNote is what the first progress line of a run adds about its calls
// in flight: with --jobs auto (AutoCapacity, the default), how they are
// chosen and why, since Ollama does not report how many generations a
// server runs at once (OLLAMA_NUM_PARALLEL); "" for a --jobs N.
func JobsNote(auto bool) string {
	if !auto {
		return ""
	}
	return "; --jobs auto: Ollama does not report how many calls a server runs at once (OLLAMA_NUM_PARALLEL), " +
		"so each host's model starts at 1 and gets more while throughput rises and latency stays flat " +
		"(the choice follows; --jobs N fixes it)"
}

// Run runs both model stages over every item of the worklist, writes one
// JSON line per item (in worklist order) to Out or stdout, reports
// progress on stderr and ends with a summary line. Its error is the
// command's exit: nil when every item succeeded, ExitError{Code: 2} when an
// item or a row failed, Interrupted when a signal stopped it.
func Run(ctx context.Context, env Env, cfg RunConfig) error {
	cfg.Command, cfg.Read = "run", ReadScan
	shared, err := shareMode(cfg.Share, StoreLocation(cfg.DB, cfg.Worklist, env.Getenv))
	if err != nil {
		return err
	}
	if cfg.Lease < time.Second {
		return fmt.Errorf("%w: --lease %s: want at least 1s", ErrUsage, cfg.Lease)
	}
	if cfg.Out != "" {
		cfg.Outputs = append(cfg.Outputs, Output{"--out", cfg.Out})
	}
	s, err := Open(ctx, env, cfg.Config)
	if err != nil {
		return err
	}
	defer s.Close()
	if w := s.StoreWarning(); w != "" {
		fmt.Fprintln(env.Stderr, w)
	}
	if shared {
		if err := s.LoadWhole(ctx); err != nil {
			return err
		}
		s.List.Items, err = putItems(ctx, s.Store, s.List.Items, func(r store.RefusedRow) {
			refusedRow(env, cfg.Worklist, r)
			s.Counts.Items--
			s.Counts.Problems++
		})
		if err != nil {
			return err
		}
	}
	results, err := newResultsWriter(env.Stdout, cfg.Out)
	if err != nil {
		return err
	}
	defer results.abort()
	b := &batch{env: env, cfg: cfg, s: s, shared: shared, results: results}
	return b.run(ctx)
}

// batch is a run in progress.
type batch struct {
	env     Env
	cfg     RunConfig
	s       *Session
	shared  bool
	results *resultsWriter
	prog    *progress
	sum     runSummary
	// truth scores the items with truth as they are written (nil until
	// the first).
	truth *compare.Scores
	rec   *runRecorder
	// stop ends the items early when the store file went (lost).
	stop context.CancelCauseFunc
	lost error
	// offline: no host answered the preflight (no reply to wait for).
	offline bool
}

// run warns, starts the scheduler, runs the items and ends the run.
func (b *batch) run(ctx context.Context) error {
	s := b.s
	if w := s.HostWarning(); w != "" {
		fmt.Fprint(b.env.Stderr, w)
	}
	if w := s.PromptWarning(); w != "" {
		WriteLine(b.env.Stderr, "cxr-auditor run: warning: %s", w)
	}
	if b.cfg.ShowPrompts {
		WriteLine(b.env.Stderr, "cxr-auditor run: prompts: %s", PromptsLine(b.cfg.Prompts))
	}
	b.prog = newProgress(b.env.Stderr, s.Counts.Items)
	// Outcomes are committed in groups (a durable commit per item would
	// make the disk the bound); an item is reported once its group is on
	// disk. The scheduler has flushed it by the time it returns.
	batcher := store.NewBatcher(s.Store, store.BatchOptions{})
	defer batcher.Close()
	warn := func(format string, args ...any) {
		if format != pipeline.NotStoredLog { // progress reports each result's StoreErr, once per error
			b.prog.logf("warning: "+format, args...)
		}
	}
	if err := s.Schedule(warn, b.prog.logf, batcher); err != nil {
		return err
	}
	if err := b.preflight(ctx); err != nil {
		return err
	}
	rec, err := startRun(ctx, s, b.cfg.Name, b.prog.logf)
	if err != nil {
		return err
	}
	b.rec = rec
	b.prog.logf("run %s%s", rec.run, JobsNote(b.cfg.AutoCapacity))
	if !b.offline {
		b.prog.begin(s.HostURLs())
	}
	b.sum.total = s.Counts.Items
	start := time.Now()
	b.logEvent(ctx, "run_start", b.startEvent())
	ictx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	b.stop = stop
	sharedLine, runErr := b.items(ictx)
	rec.flush(context.WithoutCancel(ctx))
	b.prog.finish()
	// Every finished item's line is in place before anything else can
	// fail: a stop by a signal keeps them too.
	writeErr := b.results.commit()
	return b.end(ctx, time.Since(start), sharedLine, writeErr, runErr)
}

// preflight looks both models up on every host before any model call: a
// model missing everywhere, or a grounding model that cannot see, stops
// the run here with the fix, and no /api/chat is sent. With no host
// answering, the run goes on offline: cached results are written,
// uncached items fail.
func (b *batch) preflight(ctx context.Context) error {
	err := b.s.Sched.Preflight(ctx)
	if err == nil {
		return nil
	}
	var me *ollama.ModelError
	switch {
	case ctx.Err() != nil:
		return Interrupted(ctx)
	case errors.As(err, &me):
		return err
	case errors.Is(err, ollama.ErrUnreachable):
		b.prog.logf("warning: %v; writing what the store has cached (marked unverified), the other items fail", err)
		b.offline = true
		return nil
	}
	return err
}

func (b *batch) startEvent() map[string]any {
	cfg, set := b.cfg, b.cfg.Prompts
	opt := cfg.Hosts[0].Options() // every host has the flags' options
	return map[string]any{"run": b.rec.run, "worklist": cfg.Worklist, "items": b.s.Counts.Items,
		"skipped_rows": b.s.Counts.Problems, "hosts": b.s.HostURLs(), "grounding_model": cfg.GroundingModel, "draft_model": cfg.DraftModel,
		"grounding_prompt": set.Grounding.Source, "grounding_prompt_digest": set.Grounding.Digest,
		"draft_prompt": set.Draft.Source, "draft_prompt_digest": set.Draft.Digest,
		"draft_template": set.DraftTemplate().DraftMode(), "attempts": cfg.Attempts,
		"num_predict_grounding": opt.GroundingPredict, "num_predict_draft": opt.DraftPredict}
}

// items runs every item, writing each line in worklist order, whatever
// order items finish in; a shared run also returns its summary line.
func (b *batch) items(ctx context.Context) (string, error) {
	emit := func(it audit.Item, r *audit.Result) {
		o := makeRunOutput(it, r)
		b.scoreTruth(it, r, &o)
		if b.results.write(o); b.results.err != nil {
			// No reader for the rest (`run | head`), or a full disk: the
			// items left would cost model calls for nothing.
			b.stop(b.results.err)
		}
	}
	ordered := pipeline.NewInOrderStream(emit)
	if b.shared {
		ordered = pipeline.NewInOrder(b.s.List.Items, emit)
	}
	defer ordered.Flush()
	each := func(u audit.Update) {
		ordered.Add(u)
		if u.Result != nil {
			b.rec.add(context.WithoutCancel(ctx), u.Result)
			b.sum.add(u.Result)
			b.prog.item(b.sum, u.Result)
			b.checkStore(u.Result)
		}
	}
	if b.shared {
		return b.runShared(ctx, each)
	}
	src := worklistStream(ctx, b.s.Store, b.cfg.Worklist, b.cfg.WorklistOptions(), ordered, func(r store.RefusedRow) {
		refusedRow(b.env, b.cfg.Worklist, r)
		b.sum.total--
		b.s.Counts.Problems++
	})
	return "", b.s.Sched.RunStream(ctx, src, b.s.Counts.Items, each)
}

// checkStore stops the run at the first result the store refused because
// its file was deleted or replaced: every later result would be refused
// too, after its model calls.
func (b *batch) checkStore(r *audit.Result) {
	if r.StoreErr == "" || b.lost != nil {
		return
	}
	if err := b.s.Store.Check(); err != nil {
		b.lost = err
		b.stop(err)
	}
}

// end logs the run's end, prints the summary and returns the exit.
func (b *batch) end(ctx context.Context, wall time.Duration, sharedLine string, writeErr, runErr error) error {
	sum, stderr, problems := b.sum, b.env.Stderr, b.s.Counts.Problems
	b.logEvent(context.WithoutCancel(ctx), "run_end", map[string]any{"items": sum.total, "done": sum.done,
		"failed": sum.failed, "salvaged": sum.salvaged, "cached": sum.cached, "urgent": sum.urgent, "in_doubt": sum.inDoubt,
		"wall_ms": wall.Milliseconds(), "interrupted": ctx.Err() != nil})
	fmt.Fprintf(stderr, "cxr-auditor run: %s\n", sum.line(wall))
	if line := b.truthLine(ctx); line != "" {
		WriteLine(stderr, "cxr-auditor run: %s", line)
	}
	if sharedLine != "" {
		WriteLine(stderr, "cxr-auditor run: %s", sharedLine)
	}
	if problems > 0 {
		fmt.Fprintf(stderr, "cxr-auditor run: %d worklist row(s) skipped (see above)\n", problems)
	}
	if err := b.s.Store.Check(); err != nil {
		return storeLost(stderr, "run", b.s.Store, err, b.lost != nil)
	}
	switch {
	case IsBrokenPipe(writeErr):
		fmt.Fprintf(stderr, "cxr-auditor run: stopped: the output was closed (broken pipe); finished items are stored, run again to resume\n")
		return ExitError{Code: BrokenPipe}
	case writeErr != nil:
		return fmt.Errorf("writing results: %w", writeErr)
	case ctx.Err() != nil:
		fmt.Fprintf(stderr, "cxr-auditor run: interrupted (%s); finished items are stored, run again to resume\n", SignalName(ctx))
		return Interrupted(ctx)
	case runErr != nil:
		return runErr
	case sum.failed > 0 || problems > 0:
		return ExitError{Code: 2}
	}
	return nil
}

// logEvent appends a run event to the store's audit log; a failure is
// only a warning (the results themselves are stored).
func (b *batch) logEvent(ctx context.Context, kind string, data map[string]any) {
	j, err := json.Marshal(data)
	if err == nil {
		_, err = b.s.Store.AppendEvent(ctx, audit.Event{Kind: kind, Data: string(j)})
	}
	if err != nil && !errors.Is(err, store.ErrStoreReplaced) { // the end says NOT SAVED
		b.prog.logf("warning: event %s: %v", kind, err)
	}
}
