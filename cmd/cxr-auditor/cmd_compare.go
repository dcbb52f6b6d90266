package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/session"
)

const compareDescription = `Compare grounded findings with draft labels and print the report as JSON:
{"urgent": bool, "disagreements": [{"label", "kind", "urgent", "draft_spans", "boxes"}]}.

Both files are normally the canonical JSON that 'parse' prints, but they go
through the same tolerant parsers, so raw model output works too. Either may
be "-" for stdin (not both). A disagreement is urgent when its label is in
--urgent and the image shows it.`

const compareExample = `
cxr-auditor compare --findings findings.json --draft draft.json --urgent pneumothorax`

func newCompareCmd(e env) *cobra.Command {
	var findingsPath, draftPath string
	var urgentList *labelsFlag
	cmd := &cobra.Command{
		Use:     "compare",
		Short:   "compare findings with draft labels",
		Long:    compareDescription,
		Example: compareExample,
		Args:    noArgs,
		RunE: func(*cobra.Command, []string) error {
			return runCompare(e, findingsPath, draftPath, urgentList.labels)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&findingsPath, "findings", "", "findings FILE (JSON array of {label, box_2d?}, or raw model output; - for stdin)")
	fl.StringVar(&draftPath, "draft", "", "draft labels FILE (JSON array of {label, status, span}, or raw model output; - for stdin)")
	urgentList = addUrgentFlag(cmd, "comma-separated urgent LABELS; \"\" makes nothing urgent")
	_ = cmd.RegisterFlagCompletionFunc("findings", completeJSON)
	_ = cmd.RegisterFlagCompletionFunc("draft", completeJSON)
	return cmd
}

// runCompare implements `cxr-auditor compare --findings F --draft D`.
func runCompare(e env, findingsPath, draftPath string, urgent []schema.Label) error {
	switch {
	case findingsPath == "" || draftPath == "":
		return fmt.Errorf("%w: both --findings and --draft are required", errUsage)
	case isStdin(findingsPath) && isStdin(draftPath):
		return fmt.Errorf("%w: --findings and --draft cannot both read stdin", errUsage)
	}
	findings, err := session.ReadFindings(e.session(), findingsPath)
	if err != nil {
		return err
	}
	draft, err := session.ReadDraftLabels(e.session(), draftPath)
	if err != nil {
		return err
	}
	return session.WriteJSON(e.stdout, compare.Compare(findings, draft, urgent))
}

func isStdin(path string) bool { return path == "-" }
