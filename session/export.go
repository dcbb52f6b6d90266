package session

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/cxr-auditor/cxr-auditor/internal/safefile"
	"github.com/cxr-auditor/cxr-auditor/internal/termtext"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// ExportConfig is what Export writes and where; the export command fills
// it from its flags.
type ExportConfig struct {
	// DB or Worklist names the store (as OpenReadOnly); with both (or
	// the store from $CXR_AUDITOR_DB), only the worklist's items are
	// exported, in the worklist's order.
	DB, Worklist string
	// Raw adds each stage's raw model output and thinking (export --raw).
	Raw bool
	// Format is one of store.ExportFormats(); Out the file ("": stdout).
	Format, Out string
	// Truth, when set, exports the corrected truth instead (ExportTruth):
	// this truth file or worklist with the store's corrections applied.
	Truth string
}

// Export writes every item of the store with its result, current verdicts
// and notes as JSONL or CSV. The store is opened read-only; --out is
// replaced only when the export succeeded and may not name the store or
// the worklist. A stored row that cannot be read is named on stderr and
// skipped; the rest is exported, and the exit status (2) says it was
// partial.
func Export(ctx context.Context, env Env, cfg ExportConfig) error {
	if cfg.Truth != "" {
		return ExportTruth(ctx, env, cfg)
	}
	if !slices.Contains(store.ExportFormats(), cfg.Format) {
		return fmt.Errorf("%w: --format %q: want one of %s", ErrUsage, cfg.Format, strings.Join(store.ExportFormats(), ", "))
	}
	path, err := readLocation(env, cfg.DB, cfg.Worklist)
	if err != nil {
		return err
	}
	if cfg.Out != "" {
		protected := StoreFiles(path)
		if cfg.Worklist != "" {
			protected = append(protected, Protected{What: "the worklist", Path: cfg.Worklist})
		}
		if err := CheckOutput("--out", cfg.Out, protected...); err != nil {
			return err
		}
	}
	ids, err := WorklistIDs(ctx, env, cfg.DB, cfg.Worklist)
	if err != nil {
		return err
	}
	s, err := openReadOnlyAt(ctx, env, path)
	if err != nil {
		return err
	}
	defer s.Close()
	skipped := 0
	opts := []store.ExportOption{store.OnSkipped(func(r store.SkippedRow) {
		skipped++
		fmt.Fprintf(env.Stderr, "export: skipped unreadable %s\n", termtext.Line(r.Error()))
	})}
	if ids != nil {
		opts = append(opts, store.OnlyItems(ids))
	}
	if cfg.Raw {
		opts = append(opts, store.WithRaw())
	}
	if cfg.Out == "" {
		err = s.Export(ctx, env.Stdout, cfg.Format, opts...)
	} else {
		err = exportToFile(ctx, s, cfg.Out, cfg.Format, opts...)
	}
	if err == nil && skipped > 0 {
		fmt.Fprintf(env.Stderr, "export: %d unreadable stored rows skipped; everything else was exported\n", skipped)
		return ExitError{Code: 2}
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
