package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/internal/termtext"
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
		raw, name, err := readInput(e, path)
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
		raw, name, err := readInput(e, path)
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
	return writeJSON(e.stdout, out)
}

// readInput reads the whole of path, or of stdin when path is "-" or "". It
// returns the contents and the name to use in messages.
func readInput(e env, path string) ([]byte, string, error) {
	if path == "" || path == "-" {
		b, err := io.ReadAll(e.stdin)
		if err != nil {
			return nil, "stdin", fmt.Errorf("read stdin: %w", err)
		}
		return b, "stdin", nil
	}
	if err := session.CheckInput(path); err != nil {
		return nil, path, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		// The *PathError already names the file.
		return nil, path, fmt.Errorf("read input: %w", err)
	}
	return b, path, nil
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

// writeJSON writes v as one line of JSON. HTML escaping is off because draft
// spans are verbatim text ("<", "&") meant to be read, not embedded in HTML;
// termtext.JSON escapes what a terminal would act on (spans and labels come
// from model output).
func writeJSON(w io.Writer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if _, err := w.Write(termtext.JSON(b.Bytes())); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

// readFindingsFile reads canonical (or raw model) findings from path with the
// tolerant parser; errors name the file.
func readFindingsFile(e env, path string) ([]schema.Finding, error) {
	raw, name, err := readInput(e, path)
	if err != nil {
		return nil, err
	}
	fs, _, err := schema.ExtractFindings(string(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: no findings recoverable: %w", name, err)
	}
	return fs, nil
}

// readDraftFile reads canonical (or raw model) draft labels from path with
// the tolerant parser; errors name the file.
func readDraftFile(e env, path string) ([]schema.DraftLabel, error) {
	raw, name, err := readInput(e, path)
	if err != nil {
		return nil, err
	}
	ds, _, err := schema.ExtractDraftLabels(string(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: no draft labels recoverable: %w", name, err)
	}
	return ds, nil
}
