package main

import (
	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/session"
)

func newStudyStatusCmd(e env) *cobra.Command {
	var (
		f      studyStoreFlags
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "status NAME [--db FILE | WORKLIST]",
		Short: "how far a study has come: each reader, the disputes, the adjudication",
		Long: `Show a study's progress: items assigned and run, the disagreements by
state (open: not every reader has judged it; agreed; disputed: the readers
differ and it waits for the adjudicator; adjudicated), each reader's items
and judgements, and what each adjudicator settled. The store is opened
read-only.`,
		Args: argsBetween(1, 2, "want the study NAME and at most one WORKLIST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.Worklist = first(args[1:])
			return session.StudyStatus(cmd.Context(), e.session(), f, args[0], asJSON)
		},
	}
	addStudyStoreFlags(&f, cmd, false)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the progress as one JSON object")
	return cmd
}

func newStudyVerdictsCmd(e env) *cobra.Command {
	var (
		f      studyStoreFlags
		format string
		all    bool
	)
	cmd := &cobra.Command{
		Use:   "verdicts NAME [--db FILE | WORKLIST]",
		Short: "the final verdict of every disagreement of a study (csv or jsonl)",
		Long: `Write the study's disagreements with every reader's verdict and the final
one: the readers' when they agreed, the adjudicator's when they did not.
By default only the settled ones (agreed or adjudicated); --all adds the
open and disputed ones, without a final verdict. JSONL: one object per
disagreement (item_id, key, label, kind, readers, judgements, state,
final, final_by, stale). CSV: one row per disagreement, columns item_id,
key, label, kind, state, final, final_by, stale, judgements (as
"alice=image_right bob=draft_right"); cells are inert as export's are.
The store is opened read-only.`,
		Args: argsBetween(1, 2, "want the study NAME and at most one WORKLIST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.Worklist = first(args[1:])
			return session.StudyVerdicts(cmd.Context(), e.session(), f, args[0], format, all)
		},
	}
	addStudyStoreFlags(&f, cmd, false)
	cmd.Flags().StringVar(&format, "format", "csv", "output format: csv or jsonl")
	cmd.Flags().BoolVar(&all, "all", false, "also the open and disputed disagreements")
	_ = cmd.RegisterFlagCompletionFunc("format", completeWords("csv", "jsonl"))
	return cmd
}
