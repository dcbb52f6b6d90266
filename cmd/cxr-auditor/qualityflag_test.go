package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"

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
