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
		Use:   "status NAME [--db FILE] [WORKLIST]",
		Short: "how far a study has come: each reader, the disputes, the adjudication",
		Long: `Show a study's progress: items assigned and run, the disagreements by
state (open: not every reader has judged it; agreed; disputed: the readers
differ and it waits for the adjudicator; adjudicated), each reader's items
and judgements, and what each adjudicator settled. The store is opened
read-only. With WORKLIST and --db (or $CXR_AUDITOR_DB), only the study's
items in WORKLIST count, as export takes them; WORKLIST alone names the
store beside it, and the whole study is shown.`,
		Args: argsBetween(1, 2, "want the study NAME and at most one WORKLIST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.Worklist = first(args[1:])
			return session.StudyStatus(cmd.Context(), e.session(), f, args[0], asJSON)
		},
	}
	addStudyStoreFlags(&f, cmd)
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
		Use:   "verdicts NAME [--db FILE] [WORKLIST]",
		Short: "the final verdict of every disagreement of a study (csv or jsonl)",
		Long: `Write the study's disagreements with every reader's verdict and the final
one: the readers' when they agreed, the adjudicator's when they did not.
By default only the settled ones (agreed or adjudicated); --all adds the
open and disputed ones, without a final verdict. Every row names the
study and, for each verdict, who gave it and in which role. JSONL: one
object per disagreement (study, item_id, key, label, kind, readers,
judgements as {annotator, role, decision}, state, final, final_by,
stale). CSV, tidy: one row per disagreement per reader (decision empty
while they have not judged it), then one per adjudicator's verdict,
columns study, item_id, key, label, kind, state, final, final_by, stale,
annotator, role, decision; cells are inert as export's are. The store is
opened read-only. With WORKLIST and --db (or $CXR_AUDITOR_DB), only the
study's items in WORKLIST are written, in its order.`,
		Args: argsBetween(1, 2, "want the study NAME and at most one WORKLIST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.Worklist = first(args[1:])
			return session.StudyVerdicts(cmd.Context(), e.session(), f, args[0], format, all)
		},
	}
	addStudyStoreFlags(&f, cmd)
	cmd.Flags().StringVar(&format, "format", "csv", "output format: csv or jsonl")
	cmd.Flags().BoolVar(&all, "all", false, "also the open and disputed disagreements")
	_ = cmd.RegisterFlagCompletionFunc("format", completeWords("csv", "jsonl"))
	return cmd
}

func newStudyCloseCmd(e env, reopen bool) *cobra.Command {
	var (
		f   studyStoreFlags
		why string
	)
	cmd := &cobra.Command{
		Use:   "close NAME [--why TEXT] [--db FILE] [WORKLIST]",
		Short: "close a study: verdicts given in it are refused until it is reopened",
		Long: `Close the study NAME: from now on every verdict given in it is refused
(the workstation says so), so that its results cannot change after they
are reported. 'study reopen' takes verdicts again. Both are recorded, with
who and why, in the study's log ('study status') and the event log.`,
		Args: argsBetween(1, 2, "want the study NAME and at most one WORKLIST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.Worklist = first(args[1:])
			return session.StudyClose(cmd.Context(), e.session(), f, args[0], why, reopen)
		},
	}
	if reopen {
		cmd.Use = "reopen NAME [--why TEXT] [--db FILE] [WORKLIST]"
		cmd.Short = "reopen a closed study: it takes verdicts again"
		cmd.Long = `Reopen the closed study NAME: verdicts given in it are taken again. It is
recorded, with who and why, in the study's log ('study status') and the
event log.`
	}
	addStudyStoreFlags(&f, cmd)
	cmd.Flags().StringVar(&why, "why", "", "why, recorded in the study's log")
	return cmd
}
