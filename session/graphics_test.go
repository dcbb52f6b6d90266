package session

import (
	"bytes"
	"context"
	"image/color"
	"io"
	"os"
	"testing"

	"github.com/creack/pty"
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

// fakeTerminal answers the probe on a pseudo-terminal as a light-themed
// terminal does: its colours (OSC 10, 11) and DA1. It returns the
// terminal's side for the probe (what openTTY opens) and a function that
// reports what the probe wrote, once it is done.
func fakeTerminal(t *testing.T) (*os.File, func() string) {
	t.Helper()
	ptm, pts, err := pty.Open()
	require.NoError(t, err)
	t.Cleanup(func() { pts.Close() })
	done := make(chan string, 1)
	go func() {
		defer close(done)
		var got []byte
		buf := make([]byte, 4096)
		for !bytes.Contains(got, []byte("\x1b[c")) {
			n, err := ptm.Read(buf)
			if err != nil {
				done <- string(got)
				return
			}
			got = append(got, buf[:n]...)
		}
		_, _ = io.WriteString(ptm, "\x1b]10;rgb:0000/0000/0000\x1b\\\x1b]11;rgb:ffff/ffff/ffff\x1b\\\x1b[?62;22c")
		done <- string(got)
	}()
	return pts, func() string {
		ptm.Close()
		return <-done
	}
}

// TestColoursProbedInEveryMode: the inks are chosen on the terminal's
// own colours with --graphics text and blocks too, not on assumed RGB:
// the colour queries go out and the answers reach the caps.
func TestColoursProbedInEveryMode(t *testing.T) {
	for _, mode := range []string{"text", "blocks", "sixel", "auto"} {
		t.Run(mode, func(t *testing.T) {
			pts, written := fakeTerminal(t)
			defer func(o func() (*os.File, error)) { openTTY = o }(openTTY)
			openTTY = func() (*os.File, error) { return os.OpenFile(pts.Name(), os.O_RDWR, 0) }
			e := Env{Stdout: pts, Stderr: io.Discard, Getenv: func(string) string { return "" }}
			caps, proto, err := imagerCaps(context.Background(), e, mode, "")
			require.NoError(t, err)
			assert.Contains(t, written(), "\x1b]11;?", "the background was asked for")
			require.True(t, caps.Palette.Known(), "the terminal's colours were read")
			assert.Equal(t, color.RGBA{A: 0xff}, caps.Palette.Fg)
			assert.Equal(t, color.RGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}, caps.Palette.Bg)
			if mode != "auto" {
				assert.Equal(t, render.Protocol(mode), proto, "the flag's protocol is kept")
			} else {
				assert.Equal(t, render.ProtocolBlocks, proto, "no graphics answered: half-blocks")
			}
		})
	}
}
