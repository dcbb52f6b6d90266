package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/pipeline"
	"github.com/cxr-auditor/cxr-auditor/store"
	"github.com/cxr-auditor/cxr-auditor/worklist"
)

const runDescription = `Run both model stages (grounding in the image, parsing of the draft) over
every item of WORKLIST, compare them, store everything and write one JSON
line per item. Results are cached in the store by provenance (image and
draft hashes, model digests, prompts, options): running again resumes where
a run stopped or failed, and recomputes only what changed.

WORKLIST is a CSV file (header: id,image,draft; optional draft_file,
truth), a JSONL file ({"id","image","draft"|"draft_file","truth"}) or a
directory of images (.png .jpg .jpeg .dcm) with <stem>.txt drafts beside
them. Bad rows are reported on stderr with file:line and skipped.

Each output line (JSONL, to --out or stdout, in worklist order) is
  {"id", "image", "findings", "draft_labels", "disagreements", "urgent",
   "provenance": {"grounding": {...}, "draft": {...}},
   "timings": {"grounding_ms", "draft_ms", "queue_ms", "wall_ms"},
   "salvaged", "cached", "unverified"?, "error"?, "store_error"?}
findings is null when the grounding failed; error names the failed stage;
store_error says the result could not be stored (the item counts as
failed).

Both models are looked up on every host first: a model missing everywhere,
or a grounding model without "vision", stops the run (exit 1) with the fix
and no model call. With no host answering, cached results are written
(marked unverified) and the other items fail.
'cxr-auditor eval --pred' reads it as predictions (id, findings, error).

With --out, the lines go to a temporary file beside FILE (FILE.<n>.partial,
mode 0600), each flushed as its item finishes, and the file is renamed to
FILE when the run ends: a previous FILE is untouched until then, and after a
crash the partial file holds every finished item. --out may not name the
worklist or the store.

Several run processes, on several GPU servers, may share one worklist
through one store (--share; by default when the store is PostgreSQL):
start the same command on each machine. Each item is claimed by one
worker, under a lease it renews every second (or every third of --lease,
when shorter); a worker that dies leaves its items to the others once
its leases expire (--lease, default 1m); no item is run twice while its
lease holds. Each worker writes every item's line: those the others ran
are read from the store. The progress shows the team's counts. Running a
finished shared run again starts it over (a resume: cached results
served, failures retried).

Progress goes to stderr: a bar on a terminal, plain lines otherwise. Ctrl-C,
SIGTERM and SIGHUP (a closed terminal) stop cleanly, keeping every finished
item. Exit status: 0 when every item succeeded, 2 when an item or a worklist
row failed, 128 + the signal when stopped (130 Ctrl-C, 129 SIGHUP, 143
SIGTERM), 1 on any other error.`

const runExample = `
cxr-auditor run cases.csv --ollama http://gpu1:11434 --ollama http://gpu2:11434 --out results.jsonl`

// runFlags are the run command's settings.
type runFlags struct {
	ollama       *ollamaFlags
	db           string
	out          string
	jobs         int
	urgent       *labelsFlag
	allowOutside bool
	share        shareFlags
}

func newRunCmd(e env) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:               "run WORKLIST",
		Short:             "run both model stages over a worklist, batch, with progress",
		Long:              runDescription,
		Example:           runExample,
		Args:              exactArgs(1, "want one WORKLIST"),
		ValidArgsFunction: completeWorklist,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRun(cmd.Context(), e, f, args[0])
		},
	}
	f.ollama = addOllamaFlags(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.db, "db", "", "store FILE or postgres:// URL (default: $CXR_AUDITOR_DB, else beside the worklist, <name>.cxr.db)")
	fl.StringVar(&f.out, "out", "", "write the results to FILE (JSONL) instead of stdout")
	fl.IntVar(&f.jobs, "jobs", 1, "calls in flight per model per Ollama host (match the server's OLLAMA_NUM_PARALLEL)")
	f.urgent = addUrgentFlag(cmd, "urgent (can't-miss) LABELS, comma-separated (\"\" for none)")
	addAllowOutsideFlag(cmd, &f.allowOutside)
	f.share.add(cmd)
	_ = cmd.RegisterFlagCompletionFunc("db", completeStore)
	_ = cmd.RegisterFlagCompletionFunc("out", completeJSONL)
	return cmd
}

func runRun(ctx context.Context, e env, f runFlags, wlPath string) error {
	if f.jobs < 1 {
		return fmt.Errorf("%w: --jobs %d: want 1 or more", errUsage, f.jobs)
	}
	of := f.ollama
	hosts, err := of.hosts()
	if err != nil {
		return err
	}
	promptSet, err := of.prompts()
	if err != nil {
		return err
	}
	db := storeLocation(f.db, wlPath, e.getenv)
	shared, err := f.share.shared(db)
	if err != nil {
		return err
	}
	if err := f.share.check(); err != nil {
		return err
	}
	if f.out != "" {
		if err := checkOutput("--out", f.out, append(storeFiles(db), protectedFile{"the worklist", wlPath})...); err != nil {
			return err
		}
	}
	if err := checkStorePath(db); err != nil {
		return err
	}
	// The worklist is read through first (its bad rows reported, its items
	// counted), keeping no row; then again as the run takes its items, so
	// memory does not grow with it (a shared run reads it whole).
	counts, err := checkWorklist(ctx, e, "run", wlPath, f.allowOutside)
	if err != nil {
		return err
	}
	opts, err := storeOptions(e)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, db, opts...)
	if err != nil {
		return err
	}
	if w := st.InsecureWarning(); w != "" {
		fmt.Fprintln(e.stderr, w)
	}
	defer st.Close()
	var items []audit.Item // a shared run's, whole
	if shared {
		wl, err := worklist.Load(ctx, wlPath, worklistOptions(f.allowOutside)...)
		if err != nil {
			return err
		}
		items = wl.Items
		if err := putItems(ctx, st, items); err != nil {
			return err
		}
	}
	results, err := newResultsWriter(e.stdout, f.out)
	if err != nil {
		return err
	}
	defer results.abort()

	ollama.WarnInsecure(e.stderr, hosts)
	if w := of.promptWarning(promptSet, e.getenv); w != "" {
		writeLine(e.stderr, "cxr-auditor run: warning: %s", w)
	}
	if of.promptsDir != "" {
		writeLine(e.stderr, "cxr-auditor run: prompts: %s", promptsLine(promptSet))
	}
	prog := newProgress(e.stderr, counts.Items)
	// Outcomes are committed in groups (a durable commit per item would
	// make the disk the bound); an item is reported once its group is on
	// disk. The scheduler has flushed it by the time RunAll returns.
	batch := store.NewBatcher(st, store.BatchOptions{})
	defer batch.Close()
	sched, err := pipeline.NewScheduler(pipeline.Config{
		Hosts: hosts, GroundingModel: of.groundingModel, DraftModel: of.draftModel,
		Store: st, Batch: batch, Urgent: f.urgent.labels, Capacity: f.jobs, Prompts: promptSet, Attempts: of.attempts,
		Logf: func(format string, args ...any) { prog.logf("warning: "+format, args...) },
	})
	if err != nil {
		return err
	}
	// Both models are looked up on every host before any model call: a
	// model missing everywhere, or a grounding model that cannot see, stops
	// the run here with the fix, and no /api/chat is sent. With no host
	// answering, the run goes on offline: cached results are written,
	// uncached items fail.
	if err := sched.Preflight(ctx); err != nil {
		var me *ollama.ModelError
		switch {
		case ctx.Err() != nil:
			return interruptedError(ctx)
		case errors.As(err, &me):
			return err
		case errors.Is(err, ollama.ErrUnreachable):
			prog.logf("warning: %v; writing what the store has cached (marked unverified), the other items fail", err)
		default:
			return err
		}
	}
	var sum runSummary
	sum.total = counts.Items
	start := time.Now()
	hostURLs := make([]string, len(hosts))
	for i, h := range hosts {
		hostURLs[i] = h.URL()
	}
	logEvent(ctx, st, prog, "run_start", map[string]any{"worklist": wlPath, "items": counts.Items,
		"skipped_rows": counts.Problems, "hosts": hostURLs, "grounding_model": of.groundingModel, "draft_model": of.draftModel,
		"grounding_prompt": promptSet.Grounding.Source, "grounding_prompt_digest": promptSet.Grounding.Digest,
		"draft_prompt": promptSet.Draft.Source, "draft_prompt_digest": promptSet.Draft.Digest,
		"draft_template": promptSet.DraftTemplate().DraftMode(), "attempts": of.attempts,
		"num_predict_grounding": of.options().GroundingPredict, "num_predict_draft": of.options().DraftPredict})
	// Lines come out in worklist order, whatever order items finish in.
	emit := func(it audit.Item, r *audit.Result) { results.write(makeRunOutput(it, r)) }
	ordered := pipeline.NewInOrderStream(emit)
	if shared {
		ordered = pipeline.NewInOrder(items, emit)
	}
	each := func(u audit.Update) {
		ordered.Add(u)
		if u.Result != nil {
			sum.add(u.Result)
			prog.item(sum, u.Result)
		}
	}
	var runErr error
	sharedLine := ""
	if shared {
		sharedLine, runErr = sharedRun(ctx, st, sched, items, f.share, prog, each)
	} else {
		runErr = sched.RunStream(ctx, worklistStream(ctx, st, wlPath, f.allowOutside, ordered), counts.Items, each)
	}
	ordered.Flush()
	prog.finish()
	// Every finished item's line is in place before anything else can
	// fail: a stop by a signal keeps them too.
	writeErr := results.commit()
	wall := time.Since(start)
	logEvent(context.WithoutCancel(ctx), st, prog, "run_end", map[string]any{"items": sum.total, "done": sum.done,
		"failed": sum.failed, "salvaged": sum.salvaged, "cached": sum.cached, "urgent": sum.urgent, "in_doubt": sum.inDoubt,
		"wall_ms": wall.Milliseconds(), "interrupted": ctx.Err() != nil})
	fmt.Fprintf(e.stderr, "cxr-auditor run: %s\n", sum.line(wall))
	if sharedLine != "" {
		writeLine(e.stderr, "cxr-auditor run: %s", sharedLine)
	}
	if counts.Problems > 0 {
		fmt.Fprintf(e.stderr, "cxr-auditor run: %d worklist row(s) skipped (see above)\n", counts.Problems)
	}
	switch {
	case writeErr != nil:
		return fmt.Errorf("writing results: %w", writeErr)
	case ctx.Err() != nil:
		fmt.Fprintf(e.stderr, "cxr-auditor run: interrupted (%s); finished items are stored, run again to resume\n", signalName(ctx))
		return interruptedError(ctx)
	case runErr != nil:
		return runErr
	case sum.failed > 0 || counts.Problems > 0:
		return exitError{2}
	}
	return nil
}

// logEvent appends a run event to the store's audit log; a failure is only
// a warning (the results themselves are stored).
func logEvent(ctx context.Context, st *store.Store, prog *progress, kind string, data map[string]any) {
	b, err := json.Marshal(data)
	if err == nil {
		_, err = st.AppendEvent(ctx, audit.Event{Kind: kind, Data: string(b)})
	}
	if err != nil {
		prog.logf("warning: event %s: %v", kind, err)
	}
}
