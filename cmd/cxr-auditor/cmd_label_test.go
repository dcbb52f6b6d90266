package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/labeler"
)

// Drafts here are synthetic, written for the tests.
func TestLabelCommand(t *testing.T) {
	draft := writeTemp(t, "d.txt", "No pneumothorax. Small left effusion.")
	rs, err := labeler.Default()
	require.NoError(t, err)
	rulesDir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(rulesDir, "a.rules"), []byte("mention nodule_mass: blob\n"), 0o600))

	tests := []struct {
		name       string
		stdin      string
		args       []string
		code       int
		stdout     string
		stderrHas  string
		stdoutHas  []string
		stdoutNone string
	}{
		{name: "stdin", stdin: "Cannot exclude pneumothorax.", args: []string{"label"},
			stdout: `[{"label":"pneumothorax","status":"uncertain","span":"Cannot exclude pneumothorax"}]` + "\n"},
		{name: "file", args: []string{"label", draft},
			stdout: `[{"label":"pleural_effusion","status":"present","span":"effusion"},{"label":"pneumothorax","status":"absent","span":"No pneumothorax"}]` + "\n"},
		{name: "silent draft", stdin: "Portable chest.", args: []string{"label", "-"}, stdout: "[]\n"},
		{name: "escape sequences are neutralised", stdin: "No \x1b[2J pneumothorax.", args: []string{"label"},
			stdoutNone: "\x1b"},
		{name: "jsonl in order, bad lines named", args: []string{"label", "--jsonl"},
			stdin: `{"id":"b","draft":"No effusion."}` + "\n" + `nope` + "\n\n" + `{"id":"a","draft":"Cardiomegaly."}` + "\n" + `{"id":"c"}` + "\n",
			code:  1,
			stdout: `{"id":"b","labels":[{"label":"pleural_effusion","status":"absent","span":"No effusion"}]}` + "\n" +
				`{"id":"a","labels":[{"label":"cardiomegaly","status":"present","span":"Cardiomegaly"}]}` + "\n",
			stderrHas: "stdin:2: skipped: not a JSON object"},
		{name: "eval folder", args: []string{"label", "--eval", "../../testdata/drafts"},
			stdoutHas: []string{"rules " + rs.Digest(), "dev.jsonl: 190 drafts, 1140 cells", "heldout.jsonl: 100 drafts, 600 cells", "all: 290 drafts, 1740 cells", "F1 uncertain"}},
		{name: "eval errors list", args: []string{"label", "--eval", writeTemp(t, "g.jsonl", `{"id":"x1","draft":"No PTX.","gold":{"pneumothorax":"present"}}`), "--errors"},
			stdoutHas: []string{`x1 pneumothorax: gold present, read absent (span "No PTX")`, "accuracy 0.8333"}},
		{name: "eval bad gold names the line", args: []string{"label", "--eval", writeTemp(t, "bad.jsonl", "{\"id\":\"x\",\"draft\":\"a\"}\n{}")},
			code: 1, stderrHas: "line 2: no \"id\""},
		{name: "eval empty folder", args: []string{"label", "--eval", t.TempDir()}, code: 1, stderrHas: "no *.jsonl gold file"},
		{name: "errors without eval", args: []string{"label", "--errors"}, code: 2, stderrHas: "--errors goes with --eval"},
		{name: "eval with file", args: []string{"label", "--eval", "x", "y"}, code: 2, stderrHas: "--eval reads its own GOLD"},
		{name: "digest", args: []string{"label", "--digest"}, stdout: rs.Digest() + "\n"},
		{name: "own rules", stdin: "A blob.", args: []string{"label", "--rules", rulesDir},
			stdout: `[{"label":"nodule_mass","status":"present","span":"blob"}]` + "\n"},
		{name: "bad rules dir", args: []string{"label", "--rules", t.TempDir()}, code: 1, stderrHas: "no *.rules file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := invokeMain(t, tt.stdin, tt.args...)
			require.Equal(t, tt.code, r.code, "stderr: %s", r.stderr)
			if tt.stdout != "" {
				require.Equal(t, tt.stdout, r.stdout)
			}
			for _, s := range tt.stdoutHas {
				require.Contains(t, r.stdout, s)
			}
			if tt.stdoutNone != "" {
				require.NotContains(t, r.stdout, tt.stdoutNone)
				require.True(t, strings.HasPrefix(r.stdout, "[{"), r.stdout)
			}
			if tt.stderrHas != "" {
				require.Contains(t, r.stderr, tt.stderrHas)
			}
		})
	}
}
