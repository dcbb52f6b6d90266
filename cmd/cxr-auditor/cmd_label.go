package main

import (
	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/session"
)

const labelDescription = `Read draft impressions with the rule-based labeler: no model, offline,
deterministic. It prints the same JSON as 'parse draft': one
{"label", "status", "span"} per label the draft speaks about, status
present, absent or uncertain, span verbatim from the draft.

  label [FILE|-]          one draft (the whole of FILE, or stdin)
  label --jsonl [FILE|-]  {"id", "draft"} lines in, {"id", "labels"} lines out, in order
  label --eval GOLD       score the rules against gold JSONL (a file, or a folder of
                          *.jsonl): accuracy over (draft, label) cells, and precision,
                          recall and F1 per status, per file and overall

The rules are data (docs/labeler.md): the embedded set, or with --rules DIR
the *.rules files of DIR. --digest prints the rule set's digest, which
provenance records for '--draft-model rules'. The bundled corpus
(testdata/drafts) is synthetic: drafts written for the project.`

const labelExample = `
echo "No pneumothorax. Small left effusion." | cxr-auditor label
cxr-auditor label --eval testdata/drafts --errors`

func newLabelCmd(e env) *cobra.Command {
	var f session.LabelConfig
	cmd := &cobra.Command{
		Use:     "label [FILE|-]",
		Short:   "read drafts with the rule-based labeler (no model)",
		Long:    labelDescription,
		Example: labelExample,
		Args:    argsBetween(0, 1, "want at most one FILE or -"),
		RunE: func(_ *cobra.Command, args []string) error {
			f.Path = first(args)
			return session.Label(e.session(), f)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.JSONL, "jsonl", false, `read {"id", "draft"} lines and write {"id", "labels"} lines`)
	fl.StringVar(&f.Eval, "eval", "", "score against gold JSONL: a FILE, or a folder of *.jsonl")
	fl.BoolVar(&f.Errors, "errors", false, "with --eval: list every cell read differently from the gold")
	fl.StringVar(&f.Rules, "rules", "", "read the *.rules files of DIR instead of the embedded rules")
	fl.BoolVar(&f.Digest, "digest", false, "print the rule set's digest and exit")
	_ = cmd.RegisterFlagCompletionFunc("eval", completeJSON)
	return cmd
}
