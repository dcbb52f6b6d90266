package session

import (
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/render"
)

// TestWorkstationPictureQuality: the workstation's encoder gets the
// quality from the flag, else the variable, else auto with the link read
// from the environment, also when stdout is not a terminal.
func TestWorkstationPictureQuality(t *testing.T) {
	ssh := map[string]string{"SSH_CONNECTION": "10.0.0.1 5000 10.0.0.2 22"}
	cases := []struct {
		name       string
		vars       map[string]string
		flag       render.Quality
		wantQ      render.Quality
		wantRemote bool
	}{
		{"auto, local", nil, "", render.QualityAuto, false},
		{"auto over SSH", ssh, "", render.QualityAuto, true},
		{"variable", map[string]string{render.EnvQuality: "full", "SSH_TTY": "/dev/pts/3"}, "", render.QualityFull, true},
		{"flag over variable", map[string]string{render.EnvQuality: "full"}, render.QualityLean, render.QualityLean, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := Env{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string { return c.vars[k] }}
			caps, proto, err := imagerCaps(context.Background(), e, "sixel", c.flag)
			require.NoError(t, err)
			assert.Equal(t, render.ProtocolSixel, proto)
			assert.Equal(t, c.wantQ, caps.Quality)
			assert.Equal(t, c.wantRemote, caps.Remote)
		})
	}
}
