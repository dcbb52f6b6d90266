package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/internal/termhold"
	"github.com/cxr-auditor/cxr-auditor/session"
)

const reviewDescription = `Open the review workstation on a worklist (CSV, JSONL or a directory of
images with .txt drafts). Both model stages run in the background on the
Ollama hosts; cached results show at once, the item under the cursor runs
first and the next --prefetch items after it (--all: every item, in the
background).

Keys: j/k items, n/p disagreements, i image right, d draft right, b both
wrong, u unsure (each verdict is saved durably, then the cursor moves on),
z undo, a note, l later (skip, flag), r raw model output, R rerun,
/ search, : jump, f filter, ? all keys. --keys ohif follows OHIF and MD.ai
(i invert, z zoom); $XDG_CONFIG_HOME/cxr-auditor/keys.yaml rebinds any key.

Verdicts and notes go to the store beside the worklist (--db), tagged with
--annotator; reopening resumes at the first item needing a verdict. With
--study, a reader sees only the items the study assigned them, blind; an
adjudicator sees the items the readers disagree on, with their verdicts
('cxr-auditor study --help').`

const reviewExample = `
cxr-auditor review worklist.csv --ollama http://gpu1:11434 --annotator alice`

// reviewFlags are the review command's settings.
type reviewFlags struct {
	ollama    *ollamaFlags
	db        string
	annotator string
	blind     bool
	blindSet  bool
	study     string
	graphics  string
	prefetch  int
	all       bool
	urgent    *labelsFlag
	jobs      int
	debug     string
	quality   *qualityFlag
	// allowOutside: --allow-outside-paths.
	allowOutside bool
	ascii        bool
	truth        string
	compare      string
	keys         string
}

func newReviewCmd(e env) *cobra.Command {
	var f reviewFlags
	cmd := &cobra.Command{
		Use:               "review WORKLIST",
		Short:             "open the review workstation on a worklist (real Ollama hosts)",
		Long:              reviewDescription,
		Example:           reviewExample,
		Args:              exactArgs(1, "review takes one WORKLIST"),
		ValidArgsFunction: completeWorklist,
		RunE: func(cmd *cobra.Command, args []string) error {
			hold := session.HoldTerminal(e.session())
			defer hold.Release()
			f.blindSet = cmd.Flags().Changed("blind")
			f.ascii = wantASCII(e, cmd, f.ascii)
			return runReview(cmd.Context(), e, f, args[0], hold)
		},
	}
	f.ollama = addOllamaFlags(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.db, "db", "", "store FILE or postgres:// URL (default: $CXR_AUDITOR_DB, else beside the worklist, WORKLIST.cxr.db)")
	fl.StringVar(&f.annotator, "annotator", "", "NAME recorded with every verdict and note (default: your login name)")
	fl.BoolVar(&f.blind, "blind", false, "hide other annotators' verdicts (a study's readers are blind unless --blind=false)")
	fl.StringVar(&f.study, "study", "", "review your share of the reading study NAME: a reader their items, an adjudicator the disputes")
	fl.StringVar(&f.graphics, "graphics", "auto", "image PROTOCOL: auto, kitty, sixel, iterm2, blocks or text")
	f.quality = addQualityFlag(cmd)
	fl.IntVar(&f.prefetch, "prefetch", 3, "items after the current one to run first")
	fl.BoolVar(&f.all, "all", false, "run every item of the worklist in the background, not only the current one and the --prefetch items after it")
	f.urgent = addUrgentFlag(cmd, "urgent (can't-miss) LABELS, comma-separated (\"\" for none)")
	fl.IntVar(&f.jobs, "jobs", 1, "model calls in flight per model per host (Ollama's OLLAMA_NUM_PARALLEL)")
	fl.StringVar(&f.debug, "debug", "", "write a debug log to FILE")
	addAllowOutsideFlag(cmd, &f.allowOutside)
	addASCIIFlag(cmd, &f.ascii)
	addKeysFlag(cmd, &f.keys)
	addTruthFlag(cmd, &f.truth)
	fl.StringVar(&f.compare, "compare", "", "compare two runs of the store, A,B ('cxr-auditor runs' lists them): the items where they differ first, both runs' boxes, a verdict per difference")
	_ = cmd.RegisterFlagCompletionFunc("db", completeStore)
	_ = cmd.RegisterFlagCompletionFunc("graphics", completeWords(graphicsProtocols...))
	_ = cmd.RegisterFlagCompletionFunc("annotator", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("study", cobra.NoFileCompletions)
	return cmd
}

func runReview(ctx context.Context, e env, f reviewFlags, worklist string, hold *termhold.Hold) error {
	if f.prefetch < 0 {
		return fmt.Errorf("%w: --prefetch must be 0 or more, got %d", errUsage, f.prefetch)
	}
	if f.jobs < 1 {
		return fmt.Errorf("%w: --jobs must be at least 1, got %d", errUsage, f.jobs)
	}
	quality, err := pictureQuality(e, f.quality)
	if err != nil {
		return err
	}
	compareRuns, err := session.ParseCompare(f.compare)
	if err != nil {
		return err
	}
	hosts, err := f.ollama.hosts()
	if err != nil {
		return err
	}
	promptSet, err := f.ollama.prompts()
	if err != nil {
		return err
	}
	return session.Workstation(ctx, e.session(), session.WorkstationConfig{
		Config: session.Config{
			Command: "review", Worklist: worklist, AllowOutside: f.allowOutside, DB: f.db, Truth: f.truth,
			Hosts: hosts, GroundingModel: f.ollama.groundingModel, DraftModel: f.ollama.draftModel, Prompts: promptSet,
			Urgent: f.urgent.labels, Capacity: f.jobs, Prefetch: f.prefetch, Debug: f.debug,
			Attempts: f.ollama.attempts, EmbeddedPromptOK: f.ollama.embeddedPromptOK,
		},
		QueueAll: f.all, Annotator: f.annotator, Blind: f.blind, BlindSet: f.blindSet, Study: f.study,
		Graphics: f.graphics, Quality: quality, ASCII: f.ascii, Hold: hold, Compare: compareRuns, Keys: f.keys,
	})
}
