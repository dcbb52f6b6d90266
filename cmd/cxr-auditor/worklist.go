package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/pipeline"
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
func loadWorklist(ctx context.Context, e env, command, path string, allowOutside bool) (pipeline.Worklist, error) {
	var opts []pipeline.WorklistOption
	if allowOutside {
		opts = append(opts, pipeline.AllowOutsidePaths())
	}
	wl, err := pipeline.LoadWorklist(ctx, path, opts...)
	outside := 0
	for _, p := range wl.Problems {
		writeLine(e.stderr, "cxr-auditor %s: skipped row: %v", command, p)
		if errors.Is(p, pipeline.ErrOutsideFolder) {
			outside++
		}
	}
	if outside > 0 {
		writeLine(e.stderr, "cxr-auditor %s: %s", command, outsideHint(outside))
	}
	return wl, err
}

// outsideHint explains rows refused for naming files outside the
// worklist's folder.
func outsideHint(n int) string {
	return fmt.Sprintf("%d row(s) name files outside the worklist's folder and were skipped: a worklist may only send files from its own folder to the model host; if you trust this worklist, pass --allow-outside-paths", n)
}
