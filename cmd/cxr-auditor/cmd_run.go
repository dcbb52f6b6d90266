package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/pipeline"
	"github.com/cxr-auditor/cxr-auditor/session"
)

const runDescription = `Run both model stages (grounding in the image, parsing of the draft) over
every item of WORKLIST, compare them, store everything and write one JSON
line per item. Results are cached in the store by provenance (image and
draft hashes, model digests, prompts, options): running again resumes where
a run stopped or failed, and recomputes only what changed. A failure the
same call would repeat (output the parser cannot use, a reply cut at
num_predict) is stored and served as it is; --retry-failed calls the
models again for those (a transient failure, such as a host error, is
always called again).

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
failed). An item with truth (the worklist's truth column, or --truth FILE,
JSONL of {"id", "findings"}, whose rows replace it by id) also has
"truth_errors": its findings against the truth (missed, spurious,
mislocated, matched), and the run ends with a line of figures against
the truth. A --truth whose ids match no item is an error (exit 1).

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

Each configuration (both models and their digests, the prompts, the model
input, the options) is a run in the store, under --name or a readable
default (the grounding model's name); 'cxr-auditor runs' lists them and
'cxr-auditor eval --run NAME' scores one. Two runs over one worklist
share every stage they have in common: changing only the grounding model
never calls the draft model again.

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
SIGTERM; 141 when the reader of stdout closed it, as in 'run | head'), 1
on any other error.`

const runExample = `
cxr-auditor run cases.csv --ollama http://gpu1:11434 --ollama http://gpu2:11434 --out results.jsonl`

// runFlags are the run command's settings.
type runFlags struct {
	ollama       *ollamaFlags
	db           string
	out          string
	jobs         jobsFlag
	urgent       *labelsFlag
	allowOutside bool
	share        string
	lease        time.Duration
	truth        string
	name         string
	retryFailed  bool
	limit        int
	ids          []string
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
	fl.StringVar(&f.name, "name", "", "name this run's configuration (models, prompts, options) in the store; default: its known name, else the grounding model's")
	fl.StringVar(&f.out, "out", "", "write the results to FILE (JSONL) instead of stdout")
	fl.IntVar(&f.limit, "limit", 0, "run only the first N good rows of the worklist (a smoke test before a large run; 0: all)")
	fl.StringSliceVar(&f.ids, "ids", nil, "run only the items with these ids, comma-separated or repeated (with --limit, the first N of them)")
	fl.BoolVar(&f.retryFailed, "retry-failed", false, "call the models again for stages whose stored result is a failure the same call repeats (unusable output, cut at num_predict), instead of serving it from the store")
	fl.Var(&f.jobs, "jobs", fmt.Sprintf("calls in flight per model per Ollama host: N (match the server's OLLAMA_NUM_PARALLEL) or auto (from 1, more while throughput rises and latency stays flat, up to %d)", pipeline.MaxAutoCapacity))
	_ = cmd.RegisterFlagCompletionFunc("jobs", completeWords("auto", "1", "2", "4", "8"))
	f.urgent = addUrgentFlag(cmd, "urgent (can't-miss) LABELS, comma-separated (\"\" for none)")
	addAllowOutsideFlag(cmd, &f.allowOutside)
	addTruthFlag(cmd, &f.truth)
	fl.StringVar(&f.share, "share", "auto", "share the worklist with other run processes on the same store: auto (when the store is PostgreSQL), on or off")
	fl.DurationVar(&f.lease, "lease", time.Minute, "how long an item stays claimed by a worker that stopped answering (shared runs; renewed every third of it)")
	_ = cmd.RegisterFlagCompletionFunc("share", completeWords("auto", "on", "off"))
	_ = cmd.RegisterFlagCompletionFunc("db", completeStore)
	_ = cmd.RegisterFlagCompletionFunc("out", completeJSONL)
	return cmd
}

func runRun(ctx context.Context, e env, f runFlags, wlPath string) error {
	if f.limit < 0 {
		return fmt.Errorf("%w: --limit %d: want 1 or more (0: all)", errUsage, f.limit)
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
	return session.Run(ctx, e.session(), session.RunConfig{
		Config: session.Config{
			Worklist: wlPath, AllowOutside: f.allowOutside, DB: f.db, Truth: f.truth,
			Hosts: hosts, GroundingModel: of.groundingModel, DraftModel: of.draftModel, Prompts: promptSet,
			Urgent: f.urgent.labels, Capacity: f.jobs.n, AutoCapacity: f.jobs.n == 0, Attempts: of.attempts, EmbeddedPromptOK: of.embeddedPromptOK,
			RetryFailed: f.retryFailed, Limit: f.limit, IDs: f.ids,
		},
		Out: f.out, Share: f.share, Lease: f.lease, ShowPrompts: of.promptsDir != "", Name: f.name,
	})
}
