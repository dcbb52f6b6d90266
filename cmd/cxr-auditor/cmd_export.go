package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/session"
	"github.com/cxr-auditor/cxr-auditor/store"
)

const exportDescription = `Write every item of a review with its result, the current verdicts and
the current notes, for analysis in pandas or R: JSONL (one object per item)
or CSV (one row per item, disagreement and annotator verdict). The database
is opened read-only and never created: export while a review is running is
safe. With WORKLIST, the database is the one beside it (WORKLIST's name with
the extension .cxr.db); --db names it directly; with both, --db is the
store and only WORKLIST's items are exported, in WORKLIST's order, as run
and review take them (likewise with the store from $CXR_AUDITOR_DB).
--raw adds each stage's raw model output and thinking to every JSONL
object ("raw": {"grounding": {"raw", "thinking", "attempts"}, "draft":
{...}}), with every try of the retry ladder in "attempts", to study
failures. The CSV's study and role columns say which study a verdict was
given in and by a reader or an adjudicator. --out is written to a
temporary file and renamed into place when the export is complete; it may
not name the store or the worklist.

With --truth, export writes the ground truth as corrected in the
workstation instead: the truth file (or worklist with truth) given, each
item's findings replaced by its latest truth correction in the store, as
JSONL: a {"provenance": {...}} line (the truth, the store, how many items
and corrections, when), then one {"id", "findings"} per item. eval --truth
reads it as it is; eval --corrected scores against the same truth without
the file.`

const exportExample = `
cxr-auditor export --format csv --out review.csv worklist.csv`

func newExportCmd(e env) *cobra.Command {
	var (
		f session.ExportConfig
		// allowOutside is accepted, as by every command taking a
		// WORKLIST; only the worklist's ids are read.
		allowOutside bool
	)
	cmd := &cobra.Command{
		Use:               "export [--db FILE] [WORKLIST]",
		Short:             "write results with verdicts and notes (jsonl or csv)",
		Long:              exportDescription,
		Example:           exportExample,
		Args:              argsBetween(0, 1, "want at most one WORKLIST"),
		ValidArgsFunction: completeWorklist,
		RunE: func(cmd *cobra.Command, args []string) error {
			f.Worklist = first(args)
			return session.Export(cmd.Context(), e.session(), f)
		},
	}
	addStoreFlags(cmd, &f.DB, &allowOutside)
	fl := cmd.Flags()
	fl.BoolVar(&f.Raw, "raw", false, "add each stage's raw model output and thinking (JSONL only)")
	fl.StringVar(&f.Format, "format", "jsonl", "output format: "+strings.Join(store.ExportFormats(), " or "))
	fl.StringVar(&f.Truth, "truth", "", "write the corrected truth instead: this truth FILE or WORKLIST with the store's corrections applied, as JSONL with a provenance line first (the store: --db, else beside WORKLIST, else beside the truth)")
	fl.StringVar(&f.Out, "out", "", "write to FILE instead of stdout (replaced only when the export succeeds; mode 0600, as exports hold report text)")
	_ = cmd.RegisterFlagCompletionFunc("format", completeWords(store.ExportFormats()...))
	return cmd
}
