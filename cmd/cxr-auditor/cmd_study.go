package main

import (
	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/session"
)

const studyDescription = `Run a blind double-reading study with adjudication. A study names its
readers, how many of them read each item (--per-item, default 2) and its
adjudicators. Its items are assigned to the readers by a fixed rule: in
worklist order, the n-th item goes to readers n·k to n·k+k−1 (k per item),
counted round the readers in the order given, so every reader gets the
same number of items, give or take one, and no item gets a reader twice.

Each reader reviews with --study: only their items, blind to everyone
else's verdicts. When the readers of an item judge one of its
disagreements differently, it goes to adjudication: the adjudicator,
reviewing with --study, sees the items in dispute with both readers'
verdicts and records the final one. Every step (creation, each
assignment, each disagreement's change of state) is in the store's event
log; 'study status' shows the progress, 'study verdicts' the final
decisions and 'agreement --study' the readers' agreement.

A study's per-item count and adjudicators never change once created:
for another design, create another study. Its readers change only
through 'study add-reader', 'replace' (a departed reader's unread items
go to the new one) and 'reassign' (to readers already in it), each
recorded with who did it and why in its log. Items added to the
worklist later join it with 'study assign'. 'study close' stops it
taking verdicts, 'study reopen' takes them again; both are in its log.`

const studyExample = `
cxr-auditor study create pilot --readers alice,bob --adjudicator carol cases.csv
cxr-auditor review cases.csv --study pilot --annotator alice     # each reader, blind
cxr-auditor study status pilot cases.csv
cxr-auditor review cases.csv --study pilot --annotator carol     # the adjudicator
cxr-auditor study verdicts pilot cases.csv --format csv > final.csv`

func newStudyCmd(e env) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "study",
		Short:   "blind double-reading studies: create, assign, status, verdicts, close",
		Long:    studyDescription,
		Example: studyExample,
		Args:    unknownCommand,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cmd.SetOut(e.stderr)
			_ = cmd.Help()
			return exitError{Code: 2}
		},
	}
	cmd.AddCommand(newStudyCreateCmd(e), newStudyAssignCmd(e), newStudyListCmd(e), newStudyStatusCmd(e), newStudyVerdictsCmd(e),
		newStudyCloseCmd(e, false), newStudyCloseCmd(e, true), newStudyReaderCmd(e, "add-reader"),
		newStudyReaderCmd(e, "replace"), newStudyReaderCmd(e, "reassign"))
	return cmd
}

// studyStoreFlags are the flags every study subcommand shares.
type studyStoreFlags = session.StudyStore

// addStudyStoreFlags adds --db and --allow-outside-paths to a study
// subcommand (addStoreFlags).
func addStudyStoreFlags(f *studyStoreFlags, cmd *cobra.Command) {
	addStoreFlags(cmd, &f.DB, &f.AllowOutside)
}

func newStudyCreateCmd(e env) *cobra.Command {
	var (
		f     studyStoreFlags
		study audit.Study
	)
	cmd := &cobra.Command{
		Use:   "create NAME --readers A,B [--per-item 2] --adjudicator C [--db FILE] [WORKLIST]",
		Short: "create a study and assign its items to the readers",
		Long: `Create the study NAME and assign every item to its readers (see 'study
--help' for the rule). With WORKLIST its rows are recorded in the store first
(the store beside it, unless --db); without, the items the store already
holds are assigned. With WORKLIST and --db (or $CXR_AUDITOR_DB), only
WORKLIST's items are assigned, in its order. NAME is letters, digits, '.', '_' and '-'.`,
		Example: `
cxr-auditor study create pilot --readers alice,bob --adjudicator carol cases.csv
cxr-auditor study create triple --readers ann,ben,cat --per-item 2 --adjudicator dee --db postgres://cxr@db/cxr cases.csv`,
		Args: argsBetween(1, 2, "want the study NAME and at most one WORKLIST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			study.Name = args[0]
			f.Worklist = first(args[1:])
			return session.StudyCreate(cmd.Context(), e.session(), f, study)
		},
	}
	addStudyStoreFlags(&f, cmd)
	fl := cmd.Flags()
	fl.StringSliceVar(&study.Readers, "readers", nil, "the READERS (comma-separated annotator names, in the order of the assignment rule)")
	fl.IntVar(&study.PerItem, "per-item", 2, "readers per item")
	fl.StringSliceVar(&study.Adjudicators, "adjudicator", nil, "the ADJUDICATOR (comma-separated for several; any one may settle a dispute)")
	_ = cmd.RegisterFlagCompletionFunc("readers", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("adjudicator", cobra.NoFileCompletions)
	return cmd
}

func newStudyAssignCmd(e env) *cobra.Command {
	var f studyStoreFlags
	cmd := &cobra.Command{
		Use:   "assign NAME [--db FILE] [WORKLIST]",
		Short: "assign the items added since the study was created",
		Long: `Assign to the study's readers every item the store holds that the study
does not have yet (with WORKLIST, its rows are recorded first), continuing
the rule where it stopped; with WORKLIST and --db (or $CXR_AUDITOR_DB),
only WORKLIST's items, in its order. Items already assigned never move.`,
		Args: argsBetween(1, 2, "want the study NAME and at most one WORKLIST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.Worklist = first(args[1:])
			return session.StudyAssign(cmd.Context(), e.session(), f, args[0])
		},
	}
	addStudyStoreFlags(&f, cmd)
	return cmd
}

func newStudyListCmd(e env) *cobra.Command {
	var (
		f      studyStoreFlags
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "list [--db FILE] [WORKLIST]",
		Short: "list the studies in the store",
		Args:  argsBetween(0, 1, "want at most one WORKLIST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.Worklist = first(args)
			return session.StudyList(cmd.Context(), e.session(), f, asJSON)
		},
	}
	addStudyStoreFlags(&f, cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the studies as a JSON array")
	return cmd
}
