package main

import (
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
)

// complete runs cobra's hidden __complete command, as the shell scripts do,
// and returns the offered words and the directive.
func complete(t *testing.T, args ...string) ([]string, cobra.ShellCompDirective) {
	t.Helper()
	r := invokeMain(t, "", append([]string{cobra.ShellCompRequestCmd}, args...)...)
	require.Equal(t, 0, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.NotEmpty(t, lines)
	var d int
	_, err := fmt.Sscanf(lines[len(lines)-1], ":%d", &d)
	require.NoError(t, err, r.stdout)
	return lines[:len(lines)-1], cobra.ShellCompDirective(d)
}

func TestCompletions(t *testing.T) {
	srv := ollamatest.NewServer(
		ollamatest.Model{Name: "medgemma-cxr-grounding", Capabilities: []string{"completion", "vision"}},
		ollamatest.Model{Name: "nemotron-3-nano:4b", Capabilities: []string{"completion"}},
	)
	t.Cleanup(srv.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())

	tests := []struct {
		name  string
		args  []string
		want  []string
		dir   cobra.ShellCompDirective
		empty bool
	}{
		{name: "run worklist", args: []string{"run", ""}, want: []string{"csv", "jsonl"}, dir: cobra.ShellCompDirectiveFilterFileExt},
		{name: "review worklist", args: []string{"review", "--blind", ""}, want: []string{"csv", "jsonl"}, dir: cobra.ShellCompDirectiveFilterFileExt},
		{name: "export worklist", args: []string{"export", ""}, want: []string{"csv", "jsonl"}, dir: cobra.ShellCompDirectiveFilterFileExt},
		{name: "one worklist only", args: []string{"run", "a.csv", ""}, dir: cobra.ShellCompDirectiveNoFileComp, empty: true},
		{name: "render image", args: []string{"render", ""}, want: []string{"png", "jpg", "jpeg", "dcm"}, dir: cobra.ShellCompDirectiveFilterFileExt},
		{name: "parse kind", args: []string{"parse", ""}, want: []string{"findings", "draft"}, dir: cobra.ShellCompDirectiveNoFileComp},
		{name: "store", args: []string{"run", "--db", ""}, want: []string{"db"}, dir: cobra.ShellCompDirectiveFilterFileExt},
		{name: "graphics", args: []string{"review", "--graphics", ""}, want: graphicsProtocols, dir: cobra.ShellCompDirectiveNoFileComp},
		{name: "export format", args: []string{"export", "--format", ""}, want: []string{"jsonl", "csv"}, dir: cobra.ShellCompDirectiveNoFileComp},
		{
			name: "models from the host", args: []string{"run", "--ollama", srv.URL(), "--grounding-model", ""},
			want: []string{"medgemma-cxr-grounding:latest", "nemotron-3-nano:4b"}, dir: cobra.ShellCompDirectiveNoFileComp,
		},
		{
			name: "models by prefix", args: []string{"doctor", "--ollama", srv.URL(), "--draft-model", "nem"},
			want: []string{"nemotron-3-nano:4b"}, dir: cobra.ShellCompDirectiveNoFileComp,
		},
		{
			name: "a host that is down offers nothing", args: []string{"review", "--ollama", closed, "--grounding-model", ""},
			dir: cobra.ShellCompDirectiveNoFileComp, empty: true,
		},
		{
			name: "urgent labels after a comma", args: []string{"run", "--urgent", "pneumothorax,"},
			want: []string{"pneumothorax,pneumothorax", "pneumothorax,nodule_mass"},
			dir:  cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, dir := complete(t, tt.args...)
			assert.Equal(t, tt.dir, dir)
			if tt.empty {
				assert.Empty(t, got)
				return
			}
			for _, w := range tt.want {
				assert.Contains(t, got, w)
			}
		})
	}
}
