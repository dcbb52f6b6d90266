package main

import (
	"context"
	"fmt"
)

const reviewDescription = `Open the review workstation on a worklist (CSV, JSONL or a directory of
images with .txt drafts). Both model stages run in the background on the
Ollama hosts; cached results show at once, the item under the cursor runs
first and the next --prefetch items after it (--all: every item, in the
background).

Keys: j/k items, n/p disagreements, i image right, d draft right, b both
wrong, u unsure (each verdict is saved durably, then the cursor moves on),
z undo, a note, r raw model output, R rerun, / jump, f filter, ? all keys.

Verdicts and notes go to the store beside the worklist (--db), tagged with
--annotator; reopening resumes at the first item needing a verdict.

Example:

  cxr-auditor review worklist.csv --ollama http://gpu1:11434 --annotator alice`

func runReview(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "review", "WORKLIST", reviewDescription)
	of := addOllamaFlags(fs)
	db := fs.String("db", "", "store `FILE` (default: beside the worklist, WORKLIST.cxr.db)")
	annotator := fs.String("annotator", "", "`NAME` recorded with every verdict and note (default: your login name)")
	blind := fs.Bool("blind", false, "hide other annotators' verdicts")
	graphics := fs.String("graphics", "auto", "image `PROTOCOL`: auto, kitty, sixel, iterm2, blocks or text")
	prefetch := fs.Int("prefetch", 3, "items after the current one to run first")
	all := fs.Bool("all", false, "run every item of the worklist in the background, not only the current one and the --prefetch items after it")
	urgent := addUrgentFlag(fs, "can't-miss `LABELS`, comma-separated (\"\" for none)")
	jobs := fs.Int("jobs", 1, "model calls in flight per model per host (Ollama's OLLAMA_NUM_PARALLEL)")
	debug := fs.String("debug", "", "write a debug log to `FILE`")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: review takes one WORKLIST, got %d arguments", errUsage, len(pos))
	}
	if *prefetch < 0 {
		return fmt.Errorf("%w: --prefetch must be 0 or more, got %d", errUsage, *prefetch)
	}
	if *jobs < 1 {
		return fmt.Errorf("%w: --jobs must be at least 1, got %d", errUsage, *jobs)
	}
	whitelist := urgent.labels
	hosts, err := of.hosts()
	if err != nil {
		return err
	}
	return openWorkstation(ctx, e, workstationConfig{
		worklist: pos[0], db: *db, hosts: hosts,
		groundingModel: of.groundingModel, draftModel: of.draftModel,
		annotator: *annotator, blind: *blind, graphics: *graphics,
		urgent: whitelist, prefetch: *prefetch, capacity: *jobs, debug: *debug,
		command: "review", queueAll: *all,
	})
}
