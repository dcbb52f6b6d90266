package session

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/worklist"
)

// WorklistOptions are the worklist reader's options for allowOutside
// (--allow-outside-paths).
func WorklistOptions(allowOutside bool) []worklist.Option {
	if allowOutside {
		return []worklist.Option{worklist.AllowOutsidePaths()}
	}
	return nil
}

// WorklistOptions are the worklist reader's options for c: outside paths,
// and the subset (Limit, IDs).
func (c Config) WorklistOptions() []worklist.Option {
	opts := WorklistOptions(c.AllowOutside)
	if c.Limit > 0 {
		opts = append(opts, worklist.Limit(c.Limit))
	}
	if c.IDs != nil {
		opts = append(opts, worklist.OnlyIDs(c.IDs))
	}
	return opts
}

// LoadWorklist loads the worklist at path and reports each skipped row on
// w as "cxr-auditor COMMAND: skipped row: file:line: ..." (sanitised: ids
// and paths are outside text), then, once, how to allow rows that name
// files outside the worklist's folder.
func LoadWorklist(ctx context.Context, w io.Writer, command, path string, allowOutside bool) (worklist.List, error) {
	wl, err := worklist.Load(ctx, path, WorklistOptions(allowOutside)...)
	r := rowReporter{w: w, command: command}
	for _, wn := range wl.Warnings {
		r.warn(wn)
	}
	for _, p := range wl.Problems {
		r.report(p)
	}
	r.hint()
	return wl, err
}

// CheckWorklist reads the worklist at path through, keeping no row, and
// reports each skipped row as LoadWorklist does; it returns the counts.
func CheckWorklist(ctx context.Context, w io.Writer, command, path string, opts ...worklist.Option) (worklist.ScanCounts, error) {
	r := rowReporter{w: w, command: command}
	opts = append(opts, worklist.OnWarning(r.warn))
	n, err := worklist.Scan(ctx, path, func(audit.Item) error { return nil }, r.report, opts...)
	r.hint()
	return n, err
}

// rowReporter writes skipped rows to w.
type rowReporter struct {
	w       io.Writer
	command string
	outside int
}

func (r *rowReporter) report(p worklist.RowError) {
	WriteLine(r.w, "cxr-auditor %s: skipped row: %v", r.command, p)
	if errors.Is(p, worklist.ErrOutsideFolder) {
		r.outside++
	}
}

// warn writes a worklist warning (an unknown column or key, ignored).
func (r *rowReporter) warn(w worklist.Warning) {
	WriteLine(r.w, "cxr-auditor %s: warning: %v", r.command, w)
}

// hint explains, once, the rows refused for naming files outside the
// worklist's folder.
func (r *rowReporter) hint() {
	if r.outside > 0 {
		WriteLine(r.w, "cxr-auditor %s: %s", r.command, OutsideHint(r.outside))
	}
}

// OutsideHint explains n rows refused for naming files outside the
// worklist's folder, and what to do if the worklist is trusted.
func OutsideHint(n int) string {
	return fmt.Sprintf("%d row(s) name files outside the worklist's folder and were skipped: a worklist may only send files from its own folder to the model host; if you trust this worklist, pass --allow-outside-paths", n)
}
