package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/agreement"
	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/internal/termtext"
	"github.com/cxr-auditor/cxr-auditor/session"
	"github.com/cxr-auditor/cxr-auditor/store"
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

// agreementFlags are the agreement command's settings.
type agreementFlags struct {
	db         string
	readers    []string
	study      string
	asJSON     bool
	asCSV      bool
	method     string
	minReaders int
	level      float64
}

func newAgreementCmd(e env) *cobra.Command {
	var f agreementFlags
	cmd := &cobra.Command{
		Use:               "agreement [--db FILE | WORKLIST]",
		Short:             "reader agreement on the verdicts: kappa, confusion tables, per label and kind",
		Long:              agreementDescription,
		Example:           agreementExample,
		Args:              argsBetween(0, 1, "want at most one WORKLIST"),
		ValidArgsFunction: completeWorklist,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAgreement(cmd.Context(), e, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.db, "db", "", "the store: a FILE or a postgres:// URL (default: $CXR_AUDITOR_DB, else beside WORKLIST)")
	fl.StringSliceVar(&f.readers, "readers", nil, "compare only these READERS (comma-separated annotator names)")
	fl.StringVar(&f.study, "study", "", "compare the readers of the reading study NAME on the items assigned to them")
	fl.BoolVar(&f.asJSON, "json", false, "print the report as one JSON object")
	fl.BoolVar(&f.asCSV, "csv", false, "print the report as CSV in long form (one figure per row)")
	fl.StringVar(&f.method, "method", "auto", "kappa: auto (Cohen for two readers, Fleiss for more), cohen or fleiss")
	fl.IntVar(&f.minReaders, "min-readers", 2, "readers a disagreement needs to count")
	fl.Float64Var(&f.level, "level", 0.95, "confidence level of the intervals")
	_ = cmd.RegisterFlagCompletionFunc("db", completeStore)
	_ = cmd.RegisterFlagCompletionFunc("method", completeWords("auto", "cohen", "fleiss"))
	_ = cmd.RegisterFlagCompletionFunc("readers", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("study", cobra.NoFileCompletions)
	return cmd
}

// runAgreement reads the current verdicts and prints agreement.Measure's
// report.
func runAgreement(ctx context.Context, e env, f agreementFlags, pos []string) error {
	method, err := agreement.ParseKappaMethod(f.method)
	if err != nil {
		return fmt.Errorf("%w: --method: %v", errUsage, err)
	}
	switch {
	case f.asJSON && f.asCSV:
		return fmt.Errorf("%w: give --json or --csv, not both", errUsage)
	case f.minReaders < 2:
		return fmt.Errorf("%w: --min-readers must be at least 2, got %d", errUsage, f.minReaders)
	case !(f.level > 0 && f.level < 1):
		return fmt.Errorf("%w: --level must be between 0 and 1 (0.95 for 95%%), got %v", errUsage, f.level)
	}
	for i, r := range f.readers {
		if strings.TrimSpace(r) == "" {
			return fmt.Errorf("%w: --readers: entry %d is empty", errUsage, i+1)
		}
	}

	opts := agreement.Options{Readers: f.readers, Method: method, MinReaders: f.minReaders, Level: f.level}
	if _, err := agreement.Measure(nil, opts); err != nil {
		// The options alone, checked before the store is read.
		return fmt.Errorf("%w: %v", errUsage, err)
	}

	s, err := openStoreReadOnly(ctx, e, f.db, pos)
	if err != nil {
		return err
	}
	defer s.Close()

	verdicts, err := s.AllVerdicts(ctx, "")
	if err != nil {
		return err
	}
	readers := f.readers
	if f.study != "" {
		st, err := s.Study(ctx, f.study)
		if err != nil {
			return err
		}
		items, err := s.StudyItems(ctx, f.study)
		if err != nil {
			return err
		}
		verdicts = audit.StudyVerdicts(items, verdicts)
		if len(readers) == 0 {
			readers = st.Readers
		}
	}
	if len(readers) > 0 {
		verdicts = slices.DeleteFunc(verdicts, func(v audit.Verdict) bool { return !slices.Contains(readers, v.Annotator) })
	}
	ratings, skipped := agreement.FromVerdicts(verdicts)
	for _, sk := range skipped {
		fmt.Fprintf(e.stderr, "agreement: skipped %s\n", termtext.Line(sk.Error()))
	}
	opts.Readers = readers
	rep, err := agreement.Measure(ratings, opts)
	if err != nil {
		if errors.Is(err, agreement.ErrInvalidOptions) {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		return fmt.Errorf("agreement: %w", err)
	}
	if len(ratings) == 0 {
		fmt.Fprintf(e.stderr, "agreement: no verdicts to compare in %s\n", termtext.Line(s.Path()))
	}

	switch {
	case f.asJSON:
		err = writeJSON(e.stdout, rep)
	case f.asCSV:
		err = writeAgreementCSV(e.stdout, rep)
	default:
		var b bytes.Buffer
		if err = rep.WriteText(&b); err == nil {
			_, err = io.WriteString(e.stdout, termtext.Text(b.String()))
		}
	}
	if err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if len(skipped) > 0 {
		fmt.Fprintf(e.stderr, "agreement: %d stored verdict(s) left out; the figures are over the rest\n", len(skipped))
		return exitError{Code: 2}
	}
	return nil
}

// openStoreReadOnly opens the store of a command that only reads (--db, a
// WORKLIST beside its store, or $CXR_AUDITOR_DB), never creating one, and
// prints the store's TLS warning when it has one.
func openStoreReadOnly(ctx context.Context, e env, db string, pos []string) (*store.Store, error) {
	path := db
	switch {
	case len(pos) == 1 && path != "":
		return nil, fmt.Errorf("%w: give either --db or a WORKLIST, not both", errUsage)
	case len(pos) == 1:
		path = session.StoreLocation("", pos[0], e.getenv)
	case path == "":
		path = session.StoreLocation("", "", e.getenv)
	}
	if path == "" {
		return nil, fmt.Errorf("%w: name the database with --db FILE (or a postgres:// URL, or %s) or give the WORKLIST it belongs to", errUsage, session.EnvDB)
	}
	if err := session.CheckStorePath(path); err != nil {
		return nil, err
	}
	s, err := store.Open(ctx, path, store.ReadOnly())
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("no database at %s: run `cxr-auditor run` or `review` on the worklist first, or pass --db: %w", path, err)
	case err != nil:
		return nil, err
	}
	if w := s.InsecureWarning(); w != "" {
		fmt.Fprintln(e.stderr, w)
	}
	return s, nil
}

// writeAgreementCSV writes the report's long form with every cell inert
// on a terminal and in a spreadsheet (csvCell).
func writeAgreementCSV(w io.Writer, rep agreement.Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(agreement.CSVHeader); err != nil {
		return err
	}
	for _, row := range rep.CSVRows() {
		for i := range row {
			row[i] = csvCell(row[i])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvCell makes one cell of outside text inert on a terminal and in a
// spreadsheet: the rule of the store's CSV export (termtext.CSVCell).
func csvCell(s string) string { return termtext.CSVCell(s, false) }
