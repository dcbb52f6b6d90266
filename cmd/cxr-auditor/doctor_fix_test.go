package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ollama/ollama/parser"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
	"github.com/cxr-auditor/cxr-auditor/prompts"
	"github.com/cxr-auditor/cxr-auditor/session"
)

// fakeTool is a shell script that logs its environment's OLLAMA_HOST and
// its arguments, one call per line, and for "ollama create ... -f FILE"
// copies FILE beside the log.
const fakeTool = `#!/bin/sh
printf '%s|%s|%s\n' "$(basename "$0")" "${OLLAMA_HOST-}" "$*" >> "$FAKE_LOG"
if [ "$(basename "$0")" = ollama ] && [ "$1" = create ]; then
  while [ $# -gt 0 ]; do
    if [ "$1" = -f ]; then cp "$2" "$FAKE_LOG.modelfile"; fi
    shift
  done
fi
`

// TestDoctorFixLinesRunAsPasted runs every fix line doctor prints in a
// real shell (bash -c), with the placeholders replaced as a user would,
// the real cxr-auditor binary on PATH and fakes standing in for ollama,
// ssh, mkdir-free commands: each runs, calls what it says with the host
// in OLLAMA_HOST when it is not the default, and the Modelfile it writes
// names the model's source (fixes once did not run as pasted).
func TestDoctorFixLinesRunAsPasted(t *testing.T) {
	bin := binary(t)
	fakes := t.TempDir()
	for _, name := range []string{"ollama", "ssh", "curl"} {
		require.NoError(t, os.WriteFile(filepath.Join(fakes, name), []byte(fakeTool), 0o755))
	}
	require.NoError(t, os.Symlink(bin, filepath.Join(fakes, "cxr-auditor")))

	noModels := ollamatest.NewServer()
	t.Cleanup(noModels.Close)
	textOnly := ollamatest.NewServer(
		ollamatest.Model{Name: prompts.DefaultGroundingModel, Capabilities: []string{"completion"}},
		ollamatest.Model{Name: prompts.DefaultDraftModel, Capabilities: []string{"completion"}})
	t.Cleanup(textOnly.Close)
	down := ollamatest.NewServer()
	downURL := down.URL()
	down.Close()
	ro := filepath.Join(t.TempDir(), "ro.cxr.db")
	r := invokeMain(t, "", runArgs(runServer(t), runWorklist(t, filepath.Dir(ro), 1), "--db", ro)...)
	require.Equal(t, 0, r.code, r.stderr)
	require.NoError(t, os.Chmod(ro, 0o400))
	if os.Geteuid() == 0 {
		// root writes anyway: the chmod fix is then not printed.
		ro = ""
	}

	type fixCase struct {
		fix, host string
		taken     []string // the models the host has
	}
	var fixes []fixCase
	var taken []string
	collect := func(host string, args ...string) {
		r := invokeMain(t, "", append([]string{"doctor", "--json"}, args...)...)
		var rep session.DoctorReport
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), r.stdout+r.stderr)
		for _, c := range rep.Checks {
			if c.Fix != "" {
				fixes = append(fixes, fixCase{c.Fix, host, taken})
			}
		}
	}
	collect(noModels.URL(), "--ollama", noModels.URL())
	collect(noModels.URL(), "--ollama", noModels.URL(), "--draft-model", "my-draft")
	taken = []string{prompts.DefaultGroundingModel, prompts.DefaultDraftModel}
	collect(textOnly.URL(), "--ollama", textOnly.URL())
	taken = nil
	collect(downURL, "--ollama", downURL, "--db", filepath.Join(t.TempDir(), "no", "such", "dir", "x.cxr.db"))
	if ro != "" {
		collect("", "--ollama", downURL, "--db", ro)
	}
	require.GreaterOrEqual(t, len(fixes), 6, "%v", fixes)

	source := filepath.Join(t.TempDir(), "medgemma-cxr")
	require.NoError(t, os.Mkdir(source, 0o700))
	// doctor --from checks the folder holds a checkpoint (synthetic: an
	// empty weights file is enough for the check).
	require.NoError(t, os.WriteFile(filepath.Join(source, "model.safetensors"), nil, 0o600))
	for _, f := range fixes {
		t.Run(f.fix, func(t *testing.T) { runFix(t, f.fix, f.host, f.taken, fakes, source) })
	}
}

// runFix runs one fix line in bash as a user would paste it, the
// placeholders filled with source and fakes first on PATH, and checks
// what it called: ollama with the host in OLLAMA_HOST (when not the
// default), a Modelfile naming the source, never a create over a name the
// host has (taken).
func runFix(t *testing.T, fix, host string, taken []string, fakes, source string) {
	placeholders := regexp.MustCompile(`<[a-z-]+>`)
	for _, p := range placeholders.FindAllString(fix, -1) {
		assert.Contains(t, []string{"<path-to-your-safetensors-folder>", "<model-name-or-path>"}, p, "only the model's source is left to fill in")
	}
	line := placeholders.ReplaceAllString(fix, source)
	dir := t.TempDir()
	log := filepath.Join(dir, "calls.log")
	cmd := exec.Command("bash", "-c", line)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+fakes+":"+os.Getenv("PATH"), "FAKE_LOG="+log)
	cmd.Env = append(cmd.Env, "OLLAMA_HOST=") // as a user without it set
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s\n%s", line, out)
	calls, _ := os.ReadFile(log)
	switch {
	case strings.Contains(line, "ollama create"), strings.Contains(line, "ollama pull"), strings.Contains(line, "ollama serve"):
		require.NotEmpty(t, calls, "ollama was called")
		want := host
		if strings.Contains(line, "ollama serve") {
			want = strings.TrimPrefix(host, "http://")
		}
		assert.Contains(t, string(calls), "ollama|"+want+"|", "the host is named in OLLAMA_HOST")
	case strings.HasPrefix(line, "mkdir -p "), strings.HasPrefix(line, "chmod "):
		// Real commands: they ran.
	default:
		t.Fatalf("a fix of a kind this test does not know: %s", line)
	}
	if strings.Contains(line, "ollama create") {
		m, err := os.ReadFile(log + ".modelfile")
		require.NoError(t, err)
		mf, err := parser.ParseFile(strings.NewReader(string(m)))
		require.NoError(t, err)
		assert.Equal(t, "model", mf.Commands[0].Name)
		assert.Equal(t, source, mf.Commands[0].Args, "FROM names the model's source")
		assert.Regexp(t, `ollama\|[^|]*\|create (medgemma-cxr-grounding(-vision)?|my-draft) -f Modelfile\.(grounding|draft)`, string(calls))
		for _, name := range taken {
			assert.NotContains(t, string(calls), "create "+name+" ", "never over a name the host has")
		}
	}
}
