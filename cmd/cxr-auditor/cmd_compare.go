package main

import (
	"github.com/spf13/cobra"

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
			return session.Compare(e.session(), findingsPath, draftPath, urgentList.labels)
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
