package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHelpEveryCommand: --help and -h on every command print its usage and
// the research-only disclaimer to stdout, and exit 0.
func TestHelpEveryCommand(t *testing.T) {
	for _, c := range commands() {
		for _, flag := range []string{"--help", "-h"} {
			t.Run(c.name+flag, func(t *testing.T) {
				r := invokeMain(t, "", c.name, flag)
				require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
				assert.Contains(t, r.stdout, "Usage: cxr-auditor "+c.name)
				assert.Contains(t, r.stdout, "Not a medical device")
				assert.Contains(t, r.stdout, "--help")
				assert.NotContains(t, r.stdout, "  -h\t", "the -h alias is not listed")
				assert.Empty(t, r.stderr)
			})
		}
	}
}

// TestTopLevel covers the dispatcher: no arguments, help, unknown command
// and version.
func TestTopLevel(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{name: "no args is usage", args: nil, wantCode: 2, wantStderr: "Commands:"},
		{name: "help lists commands and disclaimer", args: []string{"--help"}, wantCode: 0, wantStdout: "research and education only"},
		{name: "unknown command", args: []string{"frobnicate"}, wantCode: 2, wantStderr: `unknown command "frobnicate"`},
		{name: "version", args: []string{"version"}, wantCode: 0, wantStdout: "cxr-auditor "},
		{name: "--version", args: []string{"--version"}, wantCode: 0, wantStdout: "cxr-auditor "},
		{name: "bad flag is usage", args: []string{"version", "--nope"}, wantCode: 2, wantStderr: "nope"},
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
