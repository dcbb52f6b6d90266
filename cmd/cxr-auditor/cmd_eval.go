package main

import (
	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/session"
)

const evalDescription = `Evaluate predicted findings against ground truth and print the card's
table with a percentile bootstrap interval on every figure, or with --json
one JSON object (docs/metrics.md defines every figure, both protocols and
the JSON shape).

--truth is where the truth is kept: a JSONL truth file, one {"id",
"findings"} per line, or a worklist (CSV or JSONL) whose truth column or
key holds it (its images must be there: the worklist is read as review
reads it). --pred is JSONL, one {"id", "findings"} per line, or {"id",
"error"} for an item whose output could not be parsed; the output of 'run'
is accepted as it is. --run reads a run from the store instead (--db, else
$CXR_AUDITOR_DB), a run as 'cxr-auditor runs' lists them (in a store
made before runs were named: the latest grounding results of the model
named NAME). An item whose prediction
failed, or that has none, predicts nothing. Predictions for ids not in the
truth are ignored with a warning; when no prediction id matches the truth
at all, eval says so and exits 1.

With several --pred or --run, each run after the first is compared with
the first: both F1s, the difference with a paired bootstrap interval and
McNemar's exact p per finding, then parse failures, localization, mean IoU
and urgent recall side by side. --errors writes each item's errors against
the truth (missed, spurious, mislocated at --iou, matched) as JSONL.

--corrected scores against the truth as reviewers corrected it in the
workstation: each item's latest truth correction in the store (--db, else
beside the truth) replaces its findings in --truth; 'export --truth'
writes the same truth to a file.`

const evalExample = `
cxr-auditor eval --truth testdata/demo/worklist.csv --pred results.jsonl
cxr-auditor eval --truth truth.jsonl --pred v1.jsonl --pred v2.jsonl --protocol card --json
cxr-auditor eval --truth truth.jsonl --run medgemma-v1 --run medgemma-v2 --db cases.cxr.db`

// evalFlags are the eval command's settings.
type evalFlags struct {
	session.EvalConfig
	urgent *labelsFlag
}

func newEvalCmd(e env) *cobra.Command {
	var f evalFlags
	cmd := &cobra.Command{
		Use:     "eval --truth FILE (--pred FILE | --run NAME)...",
		Short:   "evaluate predictions against ground truth, with intervals",
		Long:    evalDescription,
		Example: evalExample,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.Urgent = f.urgent.labels
			return session.Eval(cmd.Context(), e.session(), f.EvalConfig)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.Preds, "pred", nil, "predictions FILE (JSONL; the output of 'run' works); repeat to compare runs")
	fl.StringArrayVar(&f.Runs, "run", nil, "a run from the store, by NAME; repeat to compare runs")
	fl.StringVar(&f.DB, "db", "", "the store of --run and --corrected: a FILE or a postgres:// URL (default: $CXR_AUDITOR_DB; --corrected: else beside the truth)")
	fl.BoolVar(&f.Corrected, "corrected", false, "score against the truth as corrected in the workstation (the store's truth corrections applied to --truth)")
	fl.StringVar(&f.Truth, "truth", "", "ground truth: a truth FILE (JSONL of {id, findings}) or a WORKLIST with a truth column")
	fl.StringVar(&f.Protocol, "protocol", string(compare.ProtocolItem), "the protocol: item (boxes matched within each item) or card (the model card's harness)")
	fl.IntVar(&f.Resamples, "resamples", compare.DefaultResamples, "bootstrap resamples (0: no intervals)")
	fl.Uint64Var(&f.Seed, "seed", 1, "bootstrap seed: the same seed gives the same intervals")
	fl.Float64Var(&f.Level, "level", compare.DefaultLevel, "interval coverage, between 0 and 1")
	fl.BoolVar(&f.JSON, "json", false, "print one JSON object instead of the table")
	fl.StringVar(&f.Errors, "errors", "", "write each item's errors against the truth to FILE (JSONL)")
	fl.Float64Var(&f.IoU, "iou", compare.LooseIoU, "the IoU under which --errors calls a box mislocated")
	f.urgent = addUrgentFlag(cmd, "comma-separated LABELS whose recall is reported; \"\" for none")
	_ = cmd.RegisterFlagCompletionFunc("pred", completeJSON)
	_ = cmd.RegisterFlagCompletionFunc("truth", completeWorklist)
	_ = cmd.RegisterFlagCompletionFunc("db", completeStore)
	_ = cmd.RegisterFlagCompletionFunc("protocol", completeWords(string(compare.ProtocolItem), string(compare.ProtocolCard)))
	return cmd
}
