package main

import (
	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/session"
)

const parseDescription = `Parse raw model output into canonical JSON on stdout.

  parse findings   a vision model's grounding output -> [{"label", "box_2d"?}]
  parse draft      a text model's draft labelling   -> [{"label", "status", "span"}]

The parser is tolerant: it reads past thinking, prose and code fences,
repairs lenient JSON, keeps the complete entries of truncated output,
normalizes label spellings and rescales 0-1000 box coordinates. It reads
FILE, or stdin when FILE is "-" or missing. It fails (exit 1) only when
nothing recoverable is in the input.`

const parseExample = `
cxr-auditor parse findings model-output.txt --explain`

func newParseCmd(e env) *cobra.Command {
	var explain bool
	cmd := &cobra.Command{
		Use:     "parse findings|draft [FILE|-]",
		Short:   "parse raw model output: 'parse findings' or 'parse draft'",
		Long:    parseDescription,
		Example: parseExample,
		Args:    argsBetween(1, 2, "want 'findings' or 'draft', then optionally FILE or -"),
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return []cobra.Completion{"findings", "draft"}, cobra.ShellCompDirectiveNoFileComp
			}
			if len(args) == 1 {
				return nil, cobra.ShellCompDirectiveDefault
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(_ *cobra.Command, args []string) error {
			return runParse(e, explain, args)
		},
	}
	cmd.Flags().BoolVar(&explain, "explain", false, "also print on stderr what the parser repaired or dropped")
	return cmd
}

func runParse(e env, explain bool, pos []string) error {
	path := "-"
	if len(pos) == 2 {
		path = pos[1]
	}
	return session.Parse(e.session(), pos[0], path, explain)
}
