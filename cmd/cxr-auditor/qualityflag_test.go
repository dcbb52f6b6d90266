package main

import (
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/render"
)

// TestPictureQualityOnEveryPictureCommand: render, review and demo take
// --picture-quality and CXR_AUDITOR_PICTURE_QUALITY, and a bad value of
// either is a usage error naming it, before anything else happens.
func TestPictureQualityOnEveryPictureCommand(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	commands := map[string][]string{
		"render": {"render", filepath.Join("..", "..", "testdata", "phantoms", "phantom-normal.png"), "--protocol", "sixel"},
		"review": {"review", filepath.Join(missing, "worklist.csv")},
		"demo":   {"demo", "--dir", missing},
	}
	for name, args := range commands {
		t.Run(name+"/flag", func(t *testing.T) {
			r := invokeMain(t, "", append(args, "--picture-quality", "max")...)
			assert.Equal(t, 2, r.code, r.stderr)
			assert.Contains(t, r.stderr, "--picture-quality")
			assert.Contains(t, r.stderr, "want auto, full or lean")
		})
		t.Run(name+"/variable", func(t *testing.T) {
			r := invokeMainEnv(t, map[string]string{render.EnvQuality: "max"}, args...)
			assert.Equal(t, 2, r.code, r.stderr)
			assert.Contains(t, r.stderr, render.EnvQuality)
		})
		t.Run(name+"/help", func(t *testing.T) {
			r := invokeMain(t, "", args[0], "--help")
			assert.Equal(t, 0, r.code)
			assert.Contains(t, r.stdout, "--picture-quality")
		})
	}
}

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
			e := env{stdout: io.Discard, stderr: io.Discard, getenv: func(k string) string { return c.vars[k] }}
			caps, proto, err := imagerCaps(context.Background(), e, "sixel", c.flag)
			require.NoError(t, err)
			assert.Equal(t, render.ProtocolSixel, proto)
			assert.Equal(t, c.wantQ, caps.Quality)
			assert.Equal(t, c.wantRemote, caps.Remote)
		})
	}
}
