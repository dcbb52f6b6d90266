package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/internal/termhold"
	"github.com/cxr-auditor/cxr-auditor/pipeline"
	"github.com/cxr-auditor/cxr-auditor/prompts"
	"github.com/cxr-auditor/cxr-auditor/session"
)

const demoDescription = `Open the review workstation on the bundled demo: thirteen synthetic chest
phantoms (drawn by code, not patients) with hand-written draft impressions
and hand-written "recorded" model outputs (not real model outputs), served
by an in-process imitation of Ollama. No GPU, no Ollama, no network.

The demo shows every kind of disagreement, three urgent ones (a missed
pneumothorax, a denied nodule, a pneumothorax kept from a truncated output),
a failed parse, DICOM and 16-bit images, a draft stage that thinks and a
draft carrying terminal escape sequences (neutralised).
docs/demo.md walks through it item by item.

Replies take 1 to 3 s per stage, like a local GPU (--fast: instant).
--draft-model rules reads the drafts with the rule labeler instead of the
recorded draft model: only the grounding is replayed.
Verdicts and notes are kept in a store beside the demo worklist
(DIR/worklist.cxr.db); --fresh deletes it first. --annotator, --blind and
--study work as in review, so a blind two-reader study with an
adjudicator can be tried without a GPU (README, "Reading studies").`

const demoExample = `
cxr-auditor demo --fresh`

// demoFlags are the demo command's settings.
type demoFlags struct {
	dir, db, annotator, graphics, study string
	draftModel, truth                   string
	fast, fresh, blind, blindSet, ascii bool
	compare                             bool
	keys                                string
	quality                             *qualityFlag
}

func newDemoCmd(e env) *cobra.Command {
	var f demoFlags
	cmd := &cobra.Command{
		Use:     "demo",
		Short:   "open the workstation on the bundled synthetic demo (no GPU, no Ollama)",
		Long:    demoDescription,
		Example: demoExample,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("%w: demo takes no arguments, got %q", errUsage, args)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			hold := session.HoldTerminal(e.session())
			defer hold.Release()
			f.blindSet = cmd.Flags().Changed("blind")
			f.ascii = wantASCII(e, cmd, f.ascii)
			return runDemo(cmd.Context(), e, f, hold)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dir, "dir", filepath.Join("testdata", "demo"), "demo DIR holding "+session.DemoWorklist+" and "+session.DemoRecording)
	fl.StringVar(&f.db, "db", "", "store FILE (default: DIR/worklist.cxr.db)")
	fl.BoolVar(&f.fast, "fast", false, "reply instantly instead of taking 1-3 s per stage")
	fl.StringVar(&f.draftModel, "draft-model", prompts.DefaultDraftModel, "the recorded draft MODEL, or \"rules\" to read the drafts with the rule labeler (no model)")
	fl.BoolVar(&f.compare, "compare", false, "run the demo's two (synthetic) grounding models first and compare their runs")
	fl.BoolVar(&f.fresh, "fresh", false, "delete the demo's store first (only if it holds nothing but demo items)")
	fl.StringVar(&f.annotator, "annotator", "", "NAME recorded with every verdict and note (default: your login name)")
	fl.BoolVar(&f.blind, "blind", false, "hide other annotators' verdicts (a study's readers are blind unless --blind=false)")
	fl.StringVar(&f.study, "study", "", "review your share of the reading study NAME, as review --study does")
	fl.StringVar(&f.graphics, "graphics", "auto", "image PROTOCOL: auto, kitty, sixel, iterm2, blocks or text")
	f.quality = addQualityFlag(cmd)
	addASCIIFlag(cmd, &f.ascii)
	addKeysFlag(cmd, &f.keys)
	addTruthFlag(cmd, &f.truth)
	_ = cmd.RegisterFlagCompletionFunc("dir", func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return nil, cobra.ShellCompDirectiveFilterDirs
	})
	_ = cmd.RegisterFlagCompletionFunc("db", completeStore)
	_ = cmd.RegisterFlagCompletionFunc("graphics", completeWords(graphicsProtocols...))
	_ = cmd.RegisterFlagCompletionFunc("draft-model", completeWords(prompts.DefaultDraftModel, pipeline.RulesDraftModel))
	_ = cmd.RegisterFlagCompletionFunc("annotator", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("study", cobra.NoFileCompletions)
	return cmd
}

func runDemo(ctx context.Context, e env, f demoFlags, hold *termhold.Hold) error {
	if err := session.CheckGraphics(f.graphics); err != nil {
		return err
	}
	quality, err := pictureQuality(e, f.quality)
	if err != nil {
		return err
	}
	return session.RunDemo(ctx, e.session(), session.DemoOptions{Dir: f.dir, DB: f.db, Fast: f.fast, Fresh: f.fresh, Compare: f.compare},
		session.WorkstationConfig{
			Config:    session.Config{DraftModel: f.draftModel, Truth: f.truth},
			Annotator: f.annotator, Blind: f.blind, BlindSet: f.blindSet, Study: f.study,
			Graphics: f.graphics, Quality: quality, ASCII: f.ascii, Hold: hold, Keys: f.keys,
		})
}
