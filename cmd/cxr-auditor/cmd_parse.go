package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/schema"
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

// runParse implements `cxr-auditor parse findings|draft [FILE|-]`.
func runParse(e env, explain bool, pos []string) error {
	path := "-"
	if len(pos) == 2 {
		path = pos[1]
	}

	var out any
	var diag schema.Diagnostics
	switch pos[0] {
	case "findings":
		raw, name, err := session.ReadInput(e.session(), path)
		if err != nil {
			return err
		}
		var fs []schema.Finding
		fs, diag, err = schema.ExtractFindings(string(raw))
		if explain {
			explainDiagnostics(e.stderr, name, diag)
		}
		if err != nil {
			return fmt.Errorf("%s: no findings recoverable: %w", name, err)
		}
		out = fs
	case "draft":
		raw, name, err := session.ReadInput(e.session(), path)
		if err != nil {
			return err
		}
		var ds []schema.DraftLabel
		ds, diag, err = schema.ExtractDraftLabels(string(raw))
		if explain {
			explainDiagnostics(e.stderr, name, diag)
		}
		if err != nil {
			return fmt.Errorf("%s: no draft labels recoverable: %w", name, err)
		}
		out = ds
	default:
		return fmt.Errorf("%w: unknown kind %q (want 'findings' or 'draft')", errUsage, pos[0])
	}
	return session.WriteJSON(e.stdout, out)
}

// explainDiagnostics prints one human-readable line per parser note, so
// --explain shows what was repaired or dropped and why.
// The notes quote the model output: every line is sanitised.
func explainDiagnostics(w io.Writer, name string, d schema.Diagnostics) {
	if d.Salvaged {
		writeLine(w, "%s: salvaged: the output was not clean JSON in the expected shape", name)
	}
	if len(d.Notes) == 0 && !d.Salvaged {
		writeLine(w, "%s: clean: nothing repaired or dropped", name)
	}
	for _, n := range d.Notes {
		writeLine(w, "%s: %s: %s", name, n.Kind, n.Message)
	}
}
