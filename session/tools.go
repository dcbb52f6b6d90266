package session

import (
	"fmt"
	"io"

	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Parse reads raw model output of kind ("findings" or "draft") from path
// ("-" for stdin) with the tolerant parser and writes the canonical JSON;
// explain says on stderr what was repaired or dropped and why.
func Parse(env Env, kind, path string, explain bool) error {
	var out any
	var diag schema.Diagnostics
	switch kind {
	case "findings":
		raw, name, err := ReadInput(env, path)
		if err != nil {
			return err
		}
		var fs []schema.Finding
		fs, diag, err = schema.ExtractFindings(string(raw))
		if explain {
			explainDiagnostics(env.Stderr, name, diag)
		}
		if err != nil {
			return fmt.Errorf("%s: no findings recoverable: %w", name, err)
		}
		out = fs
	case "draft":
		raw, name, err := ReadInput(env, path)
		if err != nil {
			return err
		}
		var ds []schema.DraftLabel
		ds, diag, err = schema.ExtractDraftLabels(string(raw))
		if explain {
			explainDiagnostics(env.Stderr, name, diag)
		}
		if err != nil {
			return fmt.Errorf("%s: no draft labels recoverable: %w", name, err)
		}
		out = ds
	default:
		return fmt.Errorf("%w: unknown kind %q (want 'findings' or 'draft')", ErrUsage, kind)
	}
	return WriteJSON(env.Stdout, out)
}

// explainDiagnostics prints one human-readable line per parser note, so
// --explain shows what was repaired or dropped and why. The notes quote
// the model output: every line is sanitised.
func explainDiagnostics(w io.Writer, name string, d schema.Diagnostics) {
	if d.Salvaged {
		WriteLine(w, "%s: salvaged: the output was not clean JSON in the expected shape", name)
	}
	if len(d.Notes) == 0 && !d.Salvaged {
		WriteLine(w, "%s: clean: nothing repaired or dropped", name)
	}
	for _, n := range d.Notes {
		WriteLine(w, "%s: %s: %s", name, n.Kind, n.Message)
	}
}

// Compare compares the findings in findingsPath with the draft labels in
// draftPath (either may be "-", not both) and writes the report as JSON.
func Compare(env Env, findingsPath, draftPath string, urgent []schema.Label) error {
	switch {
	case findingsPath == "" || draftPath == "":
		return fmt.Errorf("%w: both --findings and --draft are required", ErrUsage)
	case findingsPath == "-" && draftPath == "-":
		return fmt.Errorf("%w: --findings and --draft cannot both read stdin", ErrUsage)
	}
	findings, err := ReadFindings(env, findingsPath)
	if err != nil {
		return err
	}
	draft, err := ReadDraftLabels(env, draftPath)
	if err != nil {
		return err
	}
	return WriteJSON(env.Stdout, compare.Compare(findings, draft, urgent))
}
