package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/internal/safefile"
	"github.com/cxr-auditor/cxr-auditor/internal/termtext"
	"github.com/cxr-auditor/cxr-auditor/session"
	"github.com/cxr-auditor/cxr-auditor/store"
)

const exportDescription = `Write every item of a review with its result, the current verdicts and
the current notes, for analysis in pandas or R: JSONL (one object per item)
or CSV (one row per item, disagreement and annotator verdict). The database
is opened read-only and never created: export while a review is running is
safe. With WORKLIST, the database is the one beside it (WORKLIST's name with
the extension .cxr.db); --db names it directly. --out is written to a
temporary file and renamed into place when the export is complete; it may
not name the store or the worklist.`

const exportExample = `
cxr-auditor export --format csv --out review.csv worklist.csv`

func newExportCmd(e env) *cobra.Command {
	var db, format, out string
	cmd := &cobra.Command{
		Use:               "export [--db FILE | WORKLIST]",
		Short:             "write results with verdicts and notes (jsonl or csv)",
		Long:              exportDescription,
		Example:           exportExample,
		Args:              argsBetween(0, 1, "want at most one WORKLIST"),
		ValidArgsFunction: completeWorklist,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runExport(cmd.Context(), e, db, format, out, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&db, "db", "", "the store: a FILE or a postgres:// URL (default: $CXR_AUDITOR_DB, else beside WORKLIST)")
	fl.StringVar(&format, "format", "jsonl", "output format: "+strings.Join(store.ExportFormats(), " or "))
	fl.StringVar(&out, "out", "", "write to FILE instead of stdout (replaced only when the export succeeds; mode 0600, as exports hold report text)")
	_ = cmd.RegisterFlagCompletionFunc("db", completeStore)
	_ = cmd.RegisterFlagCompletionFunc("format", completeWords(store.ExportFormats()...))
	return cmd
}

// runExport writes the store as JSONL or CSV to stdout or --out.
func runExport(ctx context.Context, e env, db, format, out string, pos []string) error {
	if !slices.Contains(store.ExportFormats(), format) {
		return fmt.Errorf("%w: --format %q: want one of %s", errUsage, format, strings.Join(store.ExportFormats(), ", "))
	}
	path := db
	switch {
	case len(pos) == 1 && path != "":
		return fmt.Errorf("%w: give either --db or a WORKLIST, not both", errUsage)
	case len(pos) == 1:
		path = session.StoreLocation("", pos[0], e.getenv)
	case path == "":
		path = session.StoreLocation("", "", e.getenv)
	}
	if path == "" {
		return fmt.Errorf("%w: name the database with --db FILE (or a postgres:// URL, or %s) or give the WORKLIST it belongs to", errUsage, session.EnvDB)
	}

	if out != "" {
		protected := session.StoreFiles(path)
		if len(pos) == 1 {
			protected = append(protected, session.Protected{What: "the worklist", Path: pos[0]})
		}
		if err := session.CheckOutput("--out", out, protected...); err != nil {
			return err
		}
	}
	if err := session.CheckStorePath(path); err != nil {
		return err
	}
	s, err := store.Open(ctx, path, store.ReadOnly())
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("no database at %s: run `cxr-auditor run` or `review` on the worklist first, or pass --db: %w", path, err)
	case err != nil:
		return err
	}
	defer s.Close()
	if w := s.InsecureWarning(); w != "" {
		fmt.Fprintln(e.stderr, w)
	}

	// A stored row that cannot be read is named on stderr and skipped;
	// the rest is exported, and the exit status (2) says it was partial.
	skipped := 0
	onSkipped := store.OnSkipped(func(r store.SkippedRow) {
		skipped++
		fmt.Fprintf(e.stderr, "export: skipped unreadable %s\n", termtext.Line(r.Error()))
	})
	if out == "" {
		err = s.Export(ctx, e.stdout, format, onSkipped)
	} else {
		err = exportToFile(ctx, s, out, format, onSkipped)
	}
	if err == nil && skipped > 0 {
		fmt.Fprintf(e.stderr, "export: %d unreadable stored rows skipped; everything else was exported\n", skipped)
		return exitError{Code: 2}
	}
	return err
}

// exportToFile writes to a temporary file beside dst (mode 0600) and
// renames it over dst only when the export succeeded, so a failed export
// never leaves a truncated file that looks complete, and a previous dst is
// untouched until then.
func exportToFile(ctx context.Context, s *store.Store, dst, format string, opts ...store.ExportOption) error {
	f, err := safefile.Create(dst)
	if err != nil {
		return fmt.Errorf("export to %s: %w", dst, err)
	}
	defer f.Abort()
	if err := s.Export(ctx, f, format, opts...); err != nil {
		return err
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("export to %s: %w", dst, err)
	}
	return nil
}
