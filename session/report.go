package session

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/internal/safefile"
	"github.com/cxr-auditor/cxr-auditor/radiograph"
	"github.com/cxr-auditor/cxr-auditor/report"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// ReportConfig is what Report shows and where it writes it; the report
// command fills it from its flags.
type ReportConfig struct {
	// DB or Worklist names the store (OpenReadOnly); Runs are runs in it
	// (none: the latest). Preds are prediction files instead.
	DB, Worklist string
	Runs, Preds  []string
	// Truth is a truth file or a worklist with truth ("": the worklist's).
	Truth string
	// Study adds a reading study's progress, agreement and disputes.
	Study string
	// Out is the file to write; Format html or md.
	Out, Format string
	// MaxItems bounds the pictures (0: none).
	MaxItems int
	// Protocol, Resamples, Seed, Level, IoU and Urgent are eval's.
	Protocol  string
	Resamples int
	Seed      uint64
	Level     float64
	IoU       float64
	Urgent    []schema.Label
	// Version is the tool's version, shown in the report.
	Version string
}

// Report formats: one HTML file, or Markdown with files beside it.
const (
	ReportHTML     = "html"
	ReportMarkdown = "md"
)

// check validates the flags before anything is read.
func (c ReportConfig) check() (compare.Options, error) {
	p, err := compare.ParseProtocol(c.Protocol)
	if err != nil {
		return compare.Options{}, fmt.Errorf("%w: --protocol: %w", ErrUsage, err)
	}
	b := compare.Bootstrap{Resamples: c.Resamples, Seed: c.Seed, Level: c.Level}
	if err := b.Validate(); err != nil {
		return compare.Options{}, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	switch {
	case c.Out == "":
		return compare.Options{}, fmt.Errorf("%w: name the report file with -o FILE", ErrUsage)
	case c.Format != ReportHTML && c.Format != ReportMarkdown:
		return compare.Options{}, fmt.Errorf("%w: --format %q: want html or md", ErrUsage, c.Format)
	case len(c.Preds) > 0 && len(c.Runs) > 0:
		return compare.Options{}, fmt.Errorf("%w: give --pred files or --run names, not both", ErrUsage)
	case len(c.Preds) > 0 && c.Truth == "":
		return compare.Options{}, fmt.Errorf("%w: --pred needs --truth", ErrUsage)
	case !(c.IoU > 0 && c.IoU <= 1):
		return compare.Options{}, fmt.Errorf("%w: --iou %v: want a number in (0, 1]", ErrUsage, c.IoU)
	}
	for _, p := range append([]string{c.Truth}, c.Preds...) {
		if isStdin(p) {
			return compare.Options{}, fmt.Errorf("%w: report reads files, not stdin", ErrUsage)
		}
	}
	return compare.Options{Protocol: p, Urgent: c.Urgent, Bootstrap: b}, nil
}

// Report builds the report of an evaluation (prediction files, or runs of
// the store against the truth), a study, or both, and writes it to Out as
// one self-contained HTML file or as Markdown with its figures and
// pictures in a folder beside it. The store is opened read-only. Out is
// replaced only when the report is complete and may not name an input.
func Report(ctx context.Context, env Env, cfg ReportConfig) error {
	opts, err := cfg.check()
	if err != nil {
		return err
	}
	if err := CheckOutput("-o", cfg.Out, cfg.protected(env)...); err != nil {
		return err
	}
	in, err := cfg.input(ctx, env)
	if err != nil {
		return err
	}
	in.Options, in.IoU, in.MaxItems, in.Version, in.Now = opts, cfg.IoU, max(cfg.MaxItems, 0), cfg.Version, time.Now()
	if in.MaxItems == 0 {
		in.MaxItems = -1 // the report's zero means its default
	}
	in.LoadImage = func(ctx context.Context, path string) (*radiograph.Radiograph, error) {
		return radiograph.Load(ctx, path, radiograph.LoadOptions{DrawWidth: report.ThumbSide, DrawHeight: report.ThumbSide})
	}
	doc, err := report.Build(ctx, in)
	if errors.Is(err, report.ErrNothing) {
		return fmt.Errorf("%w: %w: give --truth with --pred or --run, or --study", ErrUsage, err)
	}
	if err != nil {
		return err
	}
	if cfg.Format == ReportMarkdown {
		return writeMarkdownReport(cfg.Out, doc)
	}
	f, err := safefile.Create(cfg.Out)
	if err != nil {
		return fmt.Errorf("-o %s: %w", cfg.Out, err)
	}
	defer f.Abort()
	if err := report.WriteHTML(f, doc); err != nil {
		return fmt.Errorf("-o %s: %w", cfg.Out, err)
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("-o %s: %w", cfg.Out, err)
	}
	return nil
}

// protected are the inputs -o may not name.
func (c ReportConfig) protected(env Env) []Protected {
	ps := []Protected{{What: "the truth", Path: c.Truth}, {What: "the worklist", Path: c.Worklist}}
	for _, p := range c.Preds {
		ps = append(ps, Protected{What: "a predictions file", Path: p})
	}
	db := c.DB
	if db == "" && c.Worklist != "" {
		db = StoreLocation("", c.Worklist, env.Getenv)
	}
	if db != "" {
		ps = append(ps, StoreFiles(db)...)
	}
	return ps
}

// writeMarkdownReport writes out and, beside it, a folder named after it
// ("report.md" → "report_files/") with the figures and pictures.
func writeMarkdownReport(out string, doc *report.Doc) error {
	dir := strings.TrimSuffix(out, filepath.Ext(out)) + "_files"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("-o %s: %w", out, err)
	}
	f, err := safefile.Create(out)
	if err != nil {
		return fmt.Errorf("-o %s: %w", out, err)
	}
	defer f.Abort()
	if err := report.WriteMarkdown(f, doc, dir, filepath.Base(dir)); err != nil {
		return fmt.Errorf("-o %s: %w", out, err)
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("-o %s: %w", out, err)
	}
	return nil
}
