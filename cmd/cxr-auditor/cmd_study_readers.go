package main

import (
	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/session"
)

// newStudyReaderCmd is `study add-reader`, `study replace` or `study
// reassign` (verb): each changes the study's readers (session.StudyReaders).
func newStudyReaderCmd(e env, verb string) *cobra.Command {
	var (
		f   studyStoreFlags
		why string
		to  []string
	)
	cmd := &cobra.Command{
		Use:   "add-reader NAME READER [--why TEXT] [--db FILE] [WORKLIST]",
		Short: "add a reader to a study",
		Long: `Add READER to the readers of study NAME. Items assigned from now on
('study assign') count them; 'study reassign' can give them a departed
reader's items. Recorded, with who and why, in the study's log ('study
status') and the event log.`,
		Args: argsBetween(2, 3, "want the study NAME, the READER and at most one WORKLIST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.Worklist = first(args[2:])
			return session.StudyReaders(cmd.Context(), e.session(), f, args[0], "", args[1:2], why)
		},
	}
	switch verb {
	case "replace":
		cmd.Use = "replace NAME OLD NEW [--why TEXT] [--db FILE] [WORKLIST]"
		cmd.Short = "replace a departed reader: the new one takes their unread items"
		cmd.Long = `Record that reader OLD has left study NAME and NEW replaces them: NEW
(added as a reader if they are not one) takes every item OLD had not
given a verdict on. OLD's verdicts are refused from then on; those they
gave before still count. Recorded in the study's log and the event log.`
		cmd.Args = argsBetween(3, 4, "want the study NAME, the OLD and NEW readers and at most one WORKLIST")
		cmd.RunE = func(cmd *cobra.Command, args []string) error {
			f.Worklist = first(args[3:])
			return session.StudyReaders(cmd.Context(), e.session(), f, args[0], args[1], args[2:3], why)
		}
	case "reassign":
		cmd.Use = "reassign NAME OLD --to READER[,READER...] [--why TEXT] [--db FILE] [WORKLIST]"
		cmd.Short = "a reader departs; their unread items go to other readers"
		cmd.Long = `Record that reader OLD has left study NAME; each item OLD had not given a
verdict on goes to the readers named by --to, in turn (skipping one who
already reads the item). OLD's verdicts are refused from then on; those
they gave before still count. Recorded in the study's log and the event
log.`
		cmd.Args = argsBetween(2, 3, "want the study NAME, the OLD reader and at most one WORKLIST")
		cmd.RunE = func(cmd *cobra.Command, args []string) error {
			f.Worklist = first(args[2:])
			return session.StudyReaders(cmd.Context(), e.session(), f, args[0], args[1], to, why)
		}
		cmd.Flags().StringSliceVar(&to, "to", nil, "the readers who take the unread items, in turn")
		_ = cmd.MarkFlagRequired("to")
	}
	addStudyStoreFlags(&f, cmd)
	cmd.Flags().StringVar(&why, "why", "", "why, recorded in the study's log")
	return cmd
}
