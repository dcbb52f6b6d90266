package main

import (
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWantASCII: --ascii, given either way, wins over the environment;
// without it the environment decides (tui.WantASCII, tested in tui).
func TestWantASCII(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want bool
	}{
		{"no flag", nil, map[string]string{"LANG": "C"}, true},
		{"flag asks", []string{"--ascii"}, map[string]string{"LANG": "en_GB.UTF-8"}, true},
		{"flag refuses", []string{"--ascii=false"}, map[string]string{"LANG": "C", "CXR_AUDITOR_ASCII": "1"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var flag bool
			cmd := &cobra.Command{Use: "x"}
			addASCIIFlag(cmd, &flag)
			require.NoError(t, cmd.ParseFlags(tc.args))
			e := env{getenv: func(k string) string { return tc.env[k] }}
			assert.Equal(t, tc.want, wantASCII(e, cmd, flag))
		})
	}
}
