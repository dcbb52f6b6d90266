package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

const parseDescription = `Parse raw model output into canonical JSON on stdout.

  parse findings   a vision model's grounding output -> [{"label", "box_2d"?}]
  parse draft      a text model's draft labelling   -> [{"label", "status", "span"}]

The parser is tolerant: it reads past thinking, prose and code fences,
repairs lenient JSON, keeps the complete entries of truncated output,
normalizes label spellings and rescales 0-1000 box coordinates. It reads
FILE, or stdin when FILE is "-" or missing. It fails (exit 1) only when
nothing recoverable is in the input.

Example:
  cxr-auditor parse findings model-output.txt --explain`

// runParse implements `cxr-auditor parse findings|draft [FILE|-]`.
func runParse(_ context.Context, e env, args []string) error {
	fs := newFlagSet(e, "parse", "findings|draft [FILE|-]", parseDescription)
	explain := fs.Bool("explain", false, "also print on stderr what the parser repaired or dropped")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 || len(pos) > 2 {
		return fmt.Errorf("%w: want 'findings' or 'draft', then optionally FILE or -", errUsage)
	}
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
		if *explain {
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
		if *explain {
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

// parseInterspersed parses flags that may come before, between or after the
// positional arguments (the flag package alone stops at the first
// positional), and returns the positionals in order. Everything after "--"
// is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
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
	b, err := os.ReadFile(path)
	if err != nil {
		// The *PathError already names the file.
		return nil, path, fmt.Errorf("read input: %w", err)
	}
	return b, path, nil
}

// explainDiagnostics prints one human-readable line per parser note, so
// --explain shows what was repaired or dropped and why.
func explainDiagnostics(w io.Writer, name string, d schema.Diagnostics) {
	if d.Salvaged {
		fmt.Fprintf(w, "%s: salvaged: the output was not clean JSON in the expected shape\n", name)
	}
	if len(d.Notes) == 0 && !d.Salvaged {
		fmt.Fprintf(w, "%s: clean: nothing repaired or dropped\n", name)
	}
	for _, n := range d.Notes {
		fmt.Fprintf(w, "%s: %s: %s\n", name, n.Kind, n.Message)
	}
}

// writeJSON writes v as one line of JSON. HTML escaping is off because draft
// spans are verbatim text ("<", "&") meant to be read, not embedded in HTML.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
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
