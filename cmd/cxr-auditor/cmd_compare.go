package main

import (
	"context"
	"fmt"

	"github.com/cxr-auditor/cxr-auditor/compare"
)

const compareDescription = `Compare grounded findings with draft labels and print the report as JSON:
{"urgent": bool, "disagreements": [{"label", "kind", "urgent", "draft_spans", "boxes"}]}.

Both files are normally the canonical JSON that 'parse' prints, but they go
through the same tolerant parsers, so raw model output works too. Either may
be "-" for stdin (not both). A disagreement is urgent when its label is in
--urgent and the image shows it.

Example:
  cxr-auditor compare --findings findings.json --draft draft.json --urgent pneumothorax`

// runCompare implements `cxr-auditor compare --findings F --draft D`.
func runCompare(_ context.Context, e env, args []string) error {
	fs := newFlagSet(e, "compare", "", compareDescription)
	findingsPath := fs.String("findings", "", "findings `FILE` (JSON array of {label, box_2d?}, or raw model output; - for stdin)")
	draftPath := fs.String("draft", "", "draft labels `FILE` (JSON array of {label, status, span}, or raw model output; - for stdin)")
	urgentList := addUrgentFlag(fs, "comma-separated urgent `LABELS`; \"\" makes nothing urgent")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	case *findingsPath == "" || *draftPath == "":
		return fmt.Errorf("%w: both --findings and --draft are required", errUsage)
	case isStdin(*findingsPath) && isStdin(*draftPath):
		return fmt.Errorf("%w: --findings and --draft cannot both read stdin", errUsage)
	}
	urgent := urgentList.labels
	findings, err := readFindingsFile(e, *findingsPath)
	if err != nil {
		return err
	}
	draft, err := readDraftFile(e, *draftPath)
	if err != nil {
		return err
	}
	return writeJSON(e.stdout, compare.Compare(findings, draft, urgent))
}

func isStdin(path string) bool { return path == "-" }
