package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// allCommands lists every command path of the tree, hidden ones included
// (completion's shells, help, man).
func allCommands() [][]string {
	root := newRootCmd(env{stdout: &strings.Builder{}, stderr: &strings.Builder{}, stdin: strings.NewReader(""), getenv: func(string) string { return "" }})
	var out [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		for _, sub := range c.Commands() {
			p := append(append([]string(nil), path...), sub.Name())
			out = append(out, p)
			walk(sub, p)
		}
	}
	walk(root, nil)
	return out
}

// TestHelpEveryCommand: --help and -h on every command print its usage and
// the research-only disclaimer to stdout, and exit 0.
func TestHelpEveryCommand(t *testing.T) {
	cmds := allCommands()
	require.GreaterOrEqual(t, len(cmds), 13, "review demo run doctor export parse compare eval render version man help completion")
	for _, path := range append(cmds, nil) {
		for _, flag := range []string{"--help", "-h"} {
			name := strings.Join(append([]string{"cxr-auditor"}, path...), " ")
			t.Run(name+flag, func(t *testing.T) {
				r := invokeMain(t, "", append(path, flag)...)
				require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
				assert.Contains(t, r.stdout, "USAGE")
				assert.Contains(t, r.stdout, name)
				assert.Contains(t, r.stdout, "Not a medical device")
				assert.Contains(t, r.stdout, "research and education only")
				assert.Contains(t, r.stdout, "--help")
				assert.Empty(t, r.stderr)
			})
		}
	}
}

// TestTopLevel covers the root command: no arguments, help, unknown command
// and version.
func TestTopLevel(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{name: "no args is usage", args: nil, wantCode: 2, wantStderr: "WORKSTATION"},
		{name: "help lists commands and disclaimer", args: []string{"--help"}, wantCode: 0, wantStdout: "research and education only"},
		{name: "help command", args: []string{"help"}, wantCode: 0, wantStdout: "research and education only"},
		{name: "help for a command", args: []string{"help", "run"}, wantCode: 0, wantStdout: "cxr-auditor run WORKLIST"},
		{name: "unknown command", args: []string{"frobnicate"}, wantCode: 2, wantStderr: `unknown command "frobnicate"`},
		{name: "unknown command suggests", args: []string{"reveiw"}, wantCode: 2, wantStderr: "did you mean review?"},
		{name: "version", args: []string{"version"}, wantCode: 0, wantStdout: "cxr-auditor "},
		{name: "--version", args: []string{"--version"}, wantCode: 0, wantStdout: "cxr-auditor " + version + "\n"},
		{name: "bad flag is usage", args: []string{"version", "--nope"}, wantCode: 2, wantStderr: "cxr-auditor version: usage: unknown flag: --nope\n(see 'cxr-auditor version --help')\n"},
		{name: "extra argument is usage", args: []string{"version", "x"}, wantCode: 2, wantStderr: "(see 'cxr-auditor version --help')"},
		{name: "completion script", args: []string{"completion", "bash"}, wantCode: 0, wantStdout: "__start_cxr-auditor"},
		{name: "man page", args: []string{"man"}, wantCode: 0, wantStdout: ".TH CXR-AUDITOR 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := invokeMain(t, "", tt.args...)
			assert.Equal(t, tt.wantCode, r.code, "stderr: %s", r.stderr)
			assert.Contains(t, r.stdout, tt.wantStdout)
			assert.Contains(t, r.stderr, tt.wantStderr)
		})
	}
}
