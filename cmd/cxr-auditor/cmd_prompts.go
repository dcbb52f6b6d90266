package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/prompts"
)

const promptsDescription = `Work with the prompt templates. The fine-tuned grounding model is
prompt-sensitive: it should get the pinned prompt of its own project, not
ours. Write the embedded templates to a folder, edit them, check them, and
pass the folder to run, review and doctor with --prompts DIR.

grounding.txt is sent as it is, with the image. draft.txt must keep the
three lines {{BEGIN}}, {{DRAFT}} and {{END}}, in a row and each alone on
its line: the draft is put there as one JSON string between two delimiter
lines, so that a draft can never pass for instructions. A folder may hold
either file alone; the other stays the embedded one.

The digest of each template is part of every cached result's key: results
made with other prompts are never reused.`

const promptsExample = `
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
			return fmt.Errorf("%w: name a subcommand: write or check", errUsage)
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
			paths, err := prompts.WriteDir(args[0], force)
			if err != nil {
				if errors.Is(err, prompts.ErrExists) {
					return fmt.Errorf("%w: %v", errUsage, err)
				}
				return err
			}
			for _, p := range paths {
				writeLine(e.stdout, "wrote %s", p)
			}
			writeLine(e.stdout, "edit them, then pass --prompts %s to run, review and doctor", args[0])
			return nil
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
			set, err := prompts.Load(args[0])
			if err != nil {
				return err
			}
			for _, t := range []prompts.Template{set.GroundingTemplate(), set.DraftTemplate()} {
				writeLine(e.stdout, "%s prompt: %s, %s", t.Name, t.Source, t.Digest)
			}
			return nil
		},
	}
	cmd.AddCommand(write, check)
	return cmd
}
