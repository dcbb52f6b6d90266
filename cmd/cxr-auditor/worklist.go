package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/worklist"
)

// addAllowOutsideFlag defines --allow-outside-paths on cmd.
func addAllowOutsideFlag(cmd *cobra.Command, allow *bool) {
	cmd.Flags().BoolVar(allow, "allow-outside-paths", false,
		"let the worklist name images and draft files outside its own folder (absolute paths, .., symlinks leading out); only for worklists you trust")
}

// loadWorklist loads the worklist at path and reports each skipped row on
// stderr as "cxr-auditor COMMAND: skipped row: file:line: ..." (sanitised:
// ids and paths are outside text), then, once, how to allow rows that name
// files outside the worklist's folder.
func loadWorklist(ctx context.Context, e env, command, path string, allowOutside bool) (worklist.List, error) {
	wl, err := worklist.Load(ctx, path, worklistOptions(allowOutside)...)
	r := rowReporter{e: e, command: command}
	for _, p := range wl.Problems {
		r.report(p)
	}
	r.hint()
	return wl, err
}

// checkWorklist reads the worklist at path through, keeping no row, and
// reports each skipped row as loadWorklist does; it returns the counts.
func checkWorklist(ctx context.Context, e env, command, path string, allowOutside bool) (worklist.ScanCounts, error) {
	r := rowReporter{e: e, command: command}
	n, err := worklist.Scan(ctx, path, func(audit.Item) error { return nil }, r.report, worklistOptions(allowOutside)...)
	r.hint()
	return n, err
}

func worklistOptions(allowOutside bool) []worklist.Option {
	if allowOutside {
		return []worklist.Option{worklist.AllowOutsidePaths()}
	}
	return nil
}

// rowReporter writes skipped rows to stderr.
type rowReporter struct {
	e       env
	command string
	outside int
}

func (r *rowReporter) report(p worklist.RowError) {
	writeLine(r.e.stderr, "cxr-auditor %s: skipped row: %v", r.command, p)
	if errors.Is(p, worklist.ErrOutsideFolder) {
		r.outside++
	}
}

// hint explains, once, the rows refused for naming files outside the
// worklist's folder.
func (r *rowReporter) hint() {
	if r.outside > 0 {
		writeLine(r.e.stderr, "cxr-auditor %s: %s", r.command, outsideHint(r.outside))
	}
}

// outsideHint explains rows refused for naming files outside the
// worklist's folder.
func outsideHint(n int) string {
	return fmt.Sprintf("%d row(s) name files outside the worklist's folder and were skipped: a worklist may only send files from its own folder to the model host; if you trust this worklist, pass --allow-outside-paths", n)
}
