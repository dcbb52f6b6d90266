package main

import (
	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/report"
	"github.com/cxr-auditor/cxr-auditor/session"
)

const reportDescription = `Write a report people can open without a terminal: one self-contained
HTML file (-o report.html) that makes no network request of any kind, or
with --format md Markdown with its figures and pictures in a folder
beside it (report.md and report_files/).

It holds what was evaluated (runs with their models and digests, dates,
counts, the version), the card's tables with intervals as eval prints
them (with several runs, side by side with paired differences), plots
(F1 per finding with intervals, the paired difference against zero, the
IoU of matched boxes, error kinds per label), the readers' agreement and
a study's progress, and thumbnails of chosen items (urgent misses, the
worst box overlaps, items where runs differ, adjudicated disputes) with
the truth's and the models' boxes drawn as in the workstation.

From a store (--db, or a WORKLIST, whose truth is used): the latest run,
or the runs named with --run. From files: --pred (repeatable) and
--truth. --study adds a reading study. For research only.`

const reportExample = `
cxr-auditor report testdata/demo/worklist.csv -o report.html
cxr-auditor report --truth truth.jsonl --pred v1.jsonl --pred v2.jsonl -o compare.html
cxr-auditor report --db cases.cxr.db --truth cases.csv --run medgemma-v1 --run medgemma-v2 --format md -o report.md`

func newReportCmd(e env) *cobra.Command {
	var f session.ReportConfig
	var urgent *labelsFlag
	cmd := &cobra.Command{
		Use:               "report [--db FILE] [WORKLIST] -o FILE",
		Short:             "write a self-contained HTML (or Markdown) report of an eval or a study",
		Long:              reportDescription,
		Example:           reportExample,
		Args:              argsBetween(0, 1, "want at most one WORKLIST"),
		ValidArgsFunction: completeWorklist,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				f.Worklist = args[0]
			}
			f.Urgent, f.Version = urgent.labels, version
			return session.Report(cmd.Context(), e.session(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.Out, "out", "o", "", "write the report to FILE")
	fl.StringVar(&f.Format, "format", session.ReportHTML, "html (one self-contained file) or md (Markdown, files beside it)")
	fl.StringVar(&f.DB, "db", "", "the store: a FILE or a postgres:// URL (default: $CXR_AUDITOR_DB, else beside WORKLIST)")
	fl.StringArrayVar(&f.Runs, "run", nil, "a run from the store, by NAME; repeat to compare runs (default: the latest)")
	fl.StringArrayVar(&f.Preds, "pred", nil, "predictions FILE (JSONL; the output of 'run' works); repeat to compare runs")
	fl.StringVar(&f.Truth, "truth", "", "ground truth: a truth FILE or a WORKLIST with a truth column (default: WORKLIST)")
	fl.StringVar(&f.Study, "study", "", "add the reading study NAME: progress, agreement, adjudicated disputes")
	fl.IntVar(&f.MaxItems, "max-items", report.DefaultMaxItems, "at most N pictures (0: none)")
	fl.StringVar(&f.Protocol, "protocol", string(compare.ProtocolItem), "the protocol: item or card (as eval)")
	fl.IntVar(&f.Resamples, "resamples", compare.DefaultResamples, "bootstrap resamples (0: no intervals)")
	fl.Uint64Var(&f.Seed, "seed", 1, "bootstrap seed")
	fl.Float64Var(&f.Level, "level", compare.DefaultLevel, "interval coverage, between 0 and 1")
	fl.Float64Var(&f.IoU, "iou", compare.LooseIoU, "the IoU under which a box is mislocated")
	urgent = addUrgentFlag(cmd, "comma-separated LABELS whose recall is reported; \"\" for none")
	_ = cmd.RegisterFlagCompletionFunc("pred", completeJSON)
	_ = cmd.RegisterFlagCompletionFunc("truth", completeWorklist)
	_ = cmd.RegisterFlagCompletionFunc("db", completeStore)
	_ = cmd.RegisterFlagCompletionFunc("format", completeWords(session.ReportHTML, session.ReportMarkdown))
	_ = cmd.RegisterFlagCompletionFunc("protocol", completeWords(string(compare.ProtocolItem), string(compare.ProtocolCard)))
	return cmd
}
