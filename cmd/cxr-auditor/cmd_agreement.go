package main

import (
	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/session"
)

const agreementDescription = `Measure how far the readers (annotators) agree on the disagreements they
all adjudicated, from every reader's current verdicts in the store: raw
agreement, Cohen's kappa for two readers (Fleiss' kappa for more) with its
confidence interval, the confusion table of each pair of readers and the
items behind each off-diagonal cell. Overall, per label and per
disagreement kind; docs/metrics.md ("Reader agreement") states every rule.

A disagreement counts when at least --min-readers readers judged it; the
others are listed as excluded. The text shows the summary of every group
and the confusion tables over all units; --json and --csv hold every
table, per label and per kind too (--csv in long form, one figure per
row, for pandas).

--readers names the readers to compare (others' verdicts are left out); a
named reader without verdicts is listed. --study compares the readers of
a reading study on the items assigned to them (an adjudicator's verdicts
are not ratings). The store is opened read-only: it is safe while a review
runs. A stored verdict that cannot be a rating is named on stderr and left
out, and the exit status is then 2.`

const agreementExample = `
cxr-auditor agreement worklist.csv
cxr-auditor agreement --db postgres://cxr@db.example/cxr --readers alice,bob --csv > agreement.csv`

func newAgreementCmd(e env) *cobra.Command {
	var (
		f session.AgreementConfig
		// allowOutside is accepted, as by every command taking a
		// WORKLIST; only the worklist's ids are read.
		allowOutside bool
	)
	cmd := &cobra.Command{
		Use:               "agreement [--db FILE] [WORKLIST]",
		Short:             "reader agreement on the verdicts: kappa, confusion tables, per label and kind",
		Long:              agreementDescription,
		Example:           agreementExample,
		Args:              argsBetween(0, 1, "want at most one WORKLIST"),
		ValidArgsFunction: completeWorklist,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				f.Worklist = args[0]
			}
			return session.Agreement(cmd.Context(), e.session(), f)
		},
	}
	addStoreFlags(cmd, &f.DB, &allowOutside)
	fl := cmd.Flags()
	fl.StringSliceVar(&f.Readers, "readers", nil, "compare only these READERS (comma-separated annotator names)")
	fl.StringVar(&f.Study, "study", "", "compare the readers of the reading study NAME on the items assigned to them")
	fl.BoolVar(&f.JSON, "json", false, "print the report as one JSON object")
	fl.BoolVar(&f.CSV, "csv", false, "print the report as CSV in long form (one figure per row)")
	fl.StringVar(&f.Method, "method", "auto", "kappa: auto (Cohen for two readers, Fleiss for more), cohen or fleiss")
	fl.IntVar(&f.MinReaders, "min-readers", 2, "readers a disagreement needs to count")
	fl.Float64Var(&f.Level, "level", 0.95, "confidence level of the intervals")
	_ = cmd.RegisterFlagCompletionFunc("method", completeWords("auto", "cohen", "fleiss"))
	_ = cmd.RegisterFlagCompletionFunc("readers", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("study", cobra.NoFileCompletions)
	return cmd
}
