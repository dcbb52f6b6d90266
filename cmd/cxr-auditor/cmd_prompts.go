package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/prompts"
	"github.com/cxr-auditor/cxr-auditor/session"
)

const promptsDescription = `Work with the prompt templates. The fine-tuned grounding model is
prompt-sensitive: it should get the pinned prompt of its own project, not
ours. Import your model project's pinned prompts into a folder (import),
or write the embedded templates there to edit (write); check a folder; and
pass it to run, review and doctor with --prompts DIR.

grounding.txt is sent as it is, with the image. draft.txt must keep the
three lines {{BEGIN}}, {{DRAFT}} and {{END}}, in a row and each alone on
its line: the draft is put there as one JSON string between two delimiter
lines, so that a draft can never pass for instructions. A folder may hold
either file alone; the other stays the embedded one. draft.txt may instead
hold {{DRAFT_INLINE}}: the draft goes in as it is, as the model's project
sends it (import --draft faithful). corrective.txt (appended on a retry)
and draft-system.txt (the draft model's system message) are optional too.

The digest of each template is part of every cached result's key: results
made with other prompts are never reused.`

const promptsExample = `
cxr-auditor prompts import ~/src/cxr-draft-auditor ./my-prompts
cxr-auditor prompts write ./my-prompts
cxr-auditor prompts check ./my-prompts
cxr-auditor run cases.csv --prompts ./my-prompts`

func newPromptsCmd(e env) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "prompts",
		Short:   "write the embedded prompt templates to a folder for editing; check a folder",
		Long:    promptsDescription,
		Example: promptsExample,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cmd.SetOut(e.stderr)
			_ = cmd.Help()
			return fmt.Errorf("%w: name a subcommand: import, write or check", errUsage)
		},
	}
	var force bool
	write := &cobra.Command{
		Use:   "write DIR",
		Short: "write the embedded templates to DIR/grounding.txt and DIR/draft.txt",
		Long: `Write the embedded templates to DIR/grounding.txt and DIR/draft.txt (DIR is
created if missing), to edit them into your own. Existing files are never
overwritten unless --force is given; then nothing is written at all.`,
		Example: `
cxr-auditor prompts write ./my-prompts`,
		Args: exactArgs(1, "want one DIR"),
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return nil, cobra.ShellCompDirectiveFilterDirs
		},
		RunE: func(_ *cobra.Command, args []string) error {
			return session.WritePrompts(e.session(), args[0], force)
		},
	}
	write.Flags().BoolVar(&force, "force", false, "overwrite grounding.txt and draft.txt if they exist")
	check := &cobra.Command{
		Use:   "check DIR",
		Short: "check the templates in DIR and print their sources and digests",
		Long: `Check the templates in DIR as run, review and doctor would load them, and
print which file (or the embedded template) each stage uses and its digest.
Exit status 1 when a template cannot be used; the error says why.`,
		Example: `
cxr-auditor prompts check ./my-prompts`,
		Args: exactArgs(1, "want one DIR"),
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return nil, cobra.ShellCompDirectiveFilterDirs
		},
		RunE: func(_ *cobra.Command, args []string) error {
			return session.CheckPrompts(e.session(), args[0])
		},
	}
	cmd.AddCommand(newPromptsImportCmd(e), write, check)
	return cmd
}

const promptsImportDescription = `Import the pinned prompts of your model's own project, byte for byte.

PATH is the project's prompts module (src/cxr_auditor/prompts.py in the
model project's checkout or its Space) or a folder that holds it at
prompts.py, cxr_auditor/prompts.py or src/cxr_auditor/prompts.py. Its two
constants IMAGE_GROUNDING_PROMPT and DRAFT_PARSING_PROMPT are read without
running Python and rendered exactly as Python's str.format renders them
(label_list: the six labels joined by ", "; no_finding). From
inference.py beside it, when there, RETRY_CORRECTIVE_SUFFIX and
_DRAFT_SYSTEM_INSTRUCTION are read too; otherwise cxr-auditor's own
wording stays, and provenance.json says so.

DIR receives grounding.txt (the rendered training prompt), draft.txt,
corrective.txt and draft-system.txt when imported, and provenance.json
(the modules' paths and sha256, and where each file came from). Anything
that cannot be read exactly (an r- or f-string, a computed value, a field
str.format would not fill) is an error naming the line, and nothing is
written.

--draft chooses how draft.txt holds the draft: delimited (the default)
puts it as one JSON string between two delimiter lines, so that no draft
can pass for instructions; faithful puts it inline, as the model's project
sends it (closest to what the draft model was shown, open to instructions
hidden in a draft). The draft model was not fine-tuned on the prompt, so
delimited costs little.`

// newPromptsImportCmd is "prompts import PATH DIR".
func newPromptsImportCmd(e env) *cobra.Command {
	var (
		force bool
		draft string
	)
	cmd := &cobra.Command{
		Use:   "import PATH DIR",
		Short: "import your model project's pinned prompts (prompts.py) into DIR",
		Long:  promptsImportDescription,
		Example: `
cxr-auditor prompts import ~/src/cxr-draft-auditor ./my-prompts
cxr-auditor prompts import ./space/src/cxr_auditor/prompts.py ./my-prompts --draft faithful
cxr-auditor run cases.csv --prompts ./my-prompts`,
		Args: exactArgs(2, "want PATH (the prompts module or a folder holding it) and DIR"),
		RunE: func(_ *cobra.Command, args []string) error {
			return session.ImportPrompts(e.session(), args[0], args[1], draft, force)
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "overwrite the files of an earlier import or write")
	cmd.Flags().StringVar(&draft, "draft", prompts.DraftDelimited, "how draft.txt holds the draft: delimited (a JSON string between delimiter lines) or faithful (inline, as the model's project sends it)")
	_ = cmd.RegisterFlagCompletionFunc("draft", completeWords(prompts.DraftDelimited, prompts.DraftFaithful))
	return cmd
}
