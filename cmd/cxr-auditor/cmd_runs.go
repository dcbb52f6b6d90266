package main

import (
	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/session"
)

func newRunsCmd(e env) *cobra.Command {
	var (
		db     string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "runs [--db FILE] [WORKLIST]",
		Short: "list the store's runs: name, configuration, items done and failed, dates",
		Long: `List the runs a store holds, oldest first. A run is one configuration of
the two model stages: the grounding model and its digest, the draft model
and its digest, the prompts' digests (grounding/draft), the model input
and the options. 'cxr-auditor run --name NAME' names it; an unnamed run
keeps its configuration's known name, else takes the grounding model's
name (then both models', then a number). ITEMS counts the items the run
has an outcome for, DONE without an error, FAILED with one. Dates are
UTC. 'cxr-auditor eval --run A --run B' compares two of them; 'review
--compare A,B' shows where they differ. The store is opened read-only.`,
		Example: `
cxr-auditor runs cases.csv
cxr-auditor runs --db postgres://cxr@db/cxr --json`,
		Args:              argsBetween(0, 1, "want at most one WORKLIST"),
		ValidArgsFunction: completeWorklist,
		RunE: func(cmd *cobra.Command, args []string) error {
			return session.ListRuns(cmd.Context(), e.session(), db, first(args), asJSON)
		},
	}
	cmd.Flags().StringVar(&db, "db", "", "the store: a FILE or a postgres:// URL (default: $CXR_AUDITOR_DB, else beside WORKLIST)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the runs as one JSON array")
	_ = cmd.RegisterFlagCompletionFunc("db", completeStore)
	return cmd
}
