package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cliResult is what one realMain call printed and returned.
type cliResult struct {
	stdout, stderr string
	code           int
}

// invokeMain runs realMain with a fake env: stdin from the given string,
// stdout and stderr captured, an empty environment.
func invokeMain(t *testing.T, stdin string, args ...string) cliResult {
	t.Helper()
	var out, errOut bytes.Buffer
	e := env{
		stdin:  strings.NewReader(stdin),
		stdout: &out,
		stderr: &errOut,
		getenv: func(string) string { return "" },
	}
	code := realMain(context.Background(), e, args)
	return cliResult{stdout: out.String(), stderr: errOut.String(), code: code}
}

// writeTemp writes content to name inside a fresh temporary directory and
// returns its path.
func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

// Synthetic model outputs (no real patient data).
const (
	rawFindings = "Here is my answer:\n```json\n[{\"label\": \"PTX\", \"box_2d\": [100, 600, 400, 900]},\n {\"label\": \"cardiomegaly\"}]\n```\n"
	rawDraft    = `{"labels": [{"label": "pneumothorax", "status": "absent", "span": "No pneumothorax."}, {"label": "Effusion", "status": "present", "span": "Small <left> effusion & atelectasis."}]}`
)

func TestParseCommand(t *testing.T) {
	findingsFile := writeTemp(t, "out.txt", rawFindings)
	draftFile := writeTemp(t, "draft.txt", rawDraft)
	junkFile := writeTemp(t, "junk.txt", "I cannot comply with this request.")
	const wantFindings = `[{"label":"pneumothorax","box_2d":[0.1,0.6,0.4,0.9]},{"label":"cardiomegaly"}]` + "\n"
	const wantDraft = `[{"label":"pneumothorax","status":"absent","span":"No pneumothorax."},{"label":"pleural_effusion","status":"present","span":"Small <left> effusion & atelectasis."}]` + "\n"

	tests := []struct {
		name       string
		stdin      string
		args       []string
		wantCode   int
		wantStdout string
		// wantStderr lists substrings stderr must contain; an empty list
		// means stderr must be empty.
		wantStderr []string
	}{
		{name: "findings from a file", args: []string{"parse", "findings", findingsFile}, wantStdout: wantFindings},
		{name: "findings from stdin by default", stdin: rawFindings, args: []string{"parse", "findings"}, wantStdout: wantFindings},
		{name: "findings from stdin with -", stdin: rawFindings, args: []string{"parse", "findings", "-"}, wantStdout: wantFindings},
		{
			name: "explain after the file prints notes on stderr",
			args: []string{"parse", "findings", findingsFile, "--explain"}, wantStdout: wantFindings,
			wantStderr: []string{findingsFile + ": normalized_label:", findingsFile + ": rescaled_box:", "PTX"},
		},
		{
			name: "explain on clean input says so", stdin: `[]`,
			args: []string{"parse", "--explain", "findings"}, wantStdout: "[]\n",
			wantStderr: []string{"stdin: clean"},
		},
		{name: "draft, spans verbatim without HTML escaping", args: []string{"parse", "draft", draftFile}, wantStdout: wantDraft},
		{name: "empty draft list", stdin: "[]", args: []string{"parse", "draft"}, wantStdout: "[]\n"},
		{
			name: "nothing recoverable names the file", args: []string{"parse", "findings", junkFile},
			wantCode: 1, wantStderr: []string{junkFile, "no findings recoverable"},
		},
		{
			name: "nothing recoverable in a draft from stdin", stdin: "", args: []string{"parse", "draft"},
			wantCode: 1, wantStderr: []string{"stdin", "no draft labels recoverable"},
		},
		{
			name: "missing file names it", args: []string{"parse", "draft", "/nonexistent/d.txt"},
			wantCode: 1, wantStderr: []string{"/nonexistent/d.txt"},
		},
		{name: "no kind", args: []string{"parse"}, wantCode: 2, wantStderr: []string{"want 'findings' or 'draft'"}},
		{name: "unknown kind", args: []string{"parse", "report", findingsFile}, wantCode: 2, wantStderr: []string{`unknown kind "report"`}},
		{name: "too many arguments", args: []string{"parse", "findings", findingsFile, draftFile}, wantCode: 2, wantStderr: []string{"usage"}},
		{name: "unknown flag", args: []string{"parse", "--bogus", "findings"}, wantCode: 2, wantStderr: []string{"bogus"}},
		{name: "after -- everything is positional", stdin: "[]", args: []string{"parse", "--", "findings", "-"}, wantStdout: "[]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := invokeMain(t, tt.stdin, tt.args...)
			assert.Equal(t, tt.wantCode, r.code, "stderr: %s", r.stderr)
			assert.Equal(t, tt.wantStdout, r.stdout)
			if len(tt.wantStderr) == 0 {
				assert.Empty(t, r.stderr)
			}
			for _, s := range tt.wantStderr {
				assert.Contains(t, r.stderr, s)
			}
		})
	}
}

// TestParseRoundTrip: what parse prints, parse reads back unchanged, so
// canonical files can be edited by hand and fed to compare and eval.
func TestParseRoundTrip(t *testing.T) {
	for _, kind := range []string{"findings", "draft"} {
		t.Run(kind, func(t *testing.T) {
			in := rawFindings
			if kind == "draft" {
				in = rawDraft
			}
			first := invokeMain(t, in, "parse", kind)
			require.Equal(t, 0, first.code, first.stderr)
			second := invokeMain(t, first.stdout, "parse", kind, "--explain")
			require.Equal(t, 0, second.code, second.stderr)
			assert.Equal(t, first.stdout, second.stdout)
			assert.Equal(t, "stdin: clean: nothing repaired or dropped\n", second.stderr)
		})
	}
}
