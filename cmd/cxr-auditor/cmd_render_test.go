package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const phantomDir = "../../testdata/phantoms"

// truthLine returns line n (1-based) of the phantoms' truth.jsonl as a file.
func phantomTruthFile(t *testing.T, n int) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(phantomDir, "truth.jsonl"))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	require.Greater(t, len(lines), n-1)
	return writeTemp(t, "truth.json", lines[n-1])
}

func invokeWithEnv(t *testing.T, environ map[string]string, args ...string) cliResult {
	t.Helper()
	var out, errOut bytes.Buffer
	e := env{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, getenv: func(k string) string { return environ[k] }}
	code := realMain(context.Background(), e, args)
	return cliResult{stdout: out.String(), stderr: errOut.String(), code: code}
}

// registers matches a sixel colour register definition.
var registers = regexp.MustCompile(`#\d+;2;\d+;\d+;\d+`)

func TestRenderCommand(t *testing.T) {
	ptx := filepath.Join(phantomDir, "phantom-ptx-mono1.dcm")
	findings := phantomTruthFile(t, 5)
	cases := []struct {
		name  string
		env   map[string]string
		args  []string
		check func(t *testing.T, out string)
	}{
		{"text by default off a terminal", nil, []string{"render", ptx, "--findings", findings}, func(t *testing.T, out string) {
			assert.Contains(t, out, "512x624 dicom")
			assert.Contains(t, out, "pneumothorax [URGENT]")
			assert.Contains(t, out, "y0=0.150")
		}},
		{"urgent list is configurable", nil, []string{"render", ptx, "--findings", findings, "--urgent", "nodule_mass"}, func(t *testing.T, out string) {
			assert.NotContains(t, out, "URGENT")
		}},
		{"sixel", nil, []string{"render", "--protocol", "sixel", "--cols", "40", "--rows", "20", ptx, "--findings", findings}, func(t *testing.T, out string) {
			assert.True(t, strings.HasPrefix(out, "\x1bP0;0;8q\"1;1;"))
			assert.True(t, strings.HasSuffix(out, "\x1b\\\n"))
		}},
		{"sixel by width", nil, []string{"render", "--protocol", "sixel", "--width", "300", ptx}, func(t *testing.T, out string) {
			assert.Contains(t, out, "\"1;1;300;")
		}},
		{"width is exact, no letterbox", nil, []string{"render", "--protocol", "sixel", "--width", "257", ptx}, func(t *testing.T, out string) {
			assert.Contains(t, out, "\"1;1;257;313#", "257 px wide, 624*257/512 tall")
		}},
		{"lean over SSH", map[string]string{"SSH_CONNECTION": "10.0.0.1 5000 10.0.0.2 22"}, []string{"render", "--protocol", "sixel", "--width", "256", ptx}, func(t *testing.T, out string) {
			assert.Equal(t, 24+7, len(registers.FindAllString(out, -1)), "24 greys and the overlay colours")
		}},
		{"full when asked, even over SSH", map[string]string{"SSH_TTY": "/dev/pts/1"}, []string{"render", "--protocol", "sixel", "--width", "256", "--picture-quality", "full", ptx}, func(t *testing.T, out string) {
			assert.Equal(t, 101+7, len(registers.FindAllString(out, -1)))
		}},
		{"lean from the environment", map[string]string{"CXR_AUDITOR_PICTURE_QUALITY": "lean"}, []string{"render", "--protocol", "sixel", "--width", "256", ptx}, func(t *testing.T, out string) {
			assert.Equal(t, 24+7, len(registers.FindAllString(out, -1)))
		}},
		{"blocks from the environment", map[string]string{"CXR_AUDITOR_GRAPHICS": "blocks"}, []string{"render", "--cols", "40", "--rows", "12", ptx}, func(t *testing.T, out string) {
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			assert.Len(t, lines, 12)
			for _, l := range lines {
				assert.LessOrEqual(t, ansi.StringWidth(l), 40)
			}
		}},
		{"flag beats environment", map[string]string{"CXR_AUDITOR_GRAPHICS": "blocks"}, []string{"render", "--protocol", "text", ptx}, func(t *testing.T, out string) {
			assert.NotContains(t, out, "▀")
		}},
		{"kitty placed directly", nil, []string{"render", "--protocol", "kitty", "--cols", "30", "--rows", "10", ptx, "--findings", findings}, func(t *testing.T, out string) {
			assert.Contains(t, out, "\x1b_G")
			assert.Contains(t, out, "a=T")
			assert.NotContains(t, out, "U=1")
			assert.NotContains(t, out, "\U0010EEEE")
		}},
		{"kitty placeholders when known", map[string]string{"CXR_AUDITOR_KITTY_PLACEHOLDERS": "1"}, []string{"render", "--protocol", "kitty", "--cols", "30", "--rows", "10", ptx, "--findings", findings}, func(t *testing.T, out string) {
			assert.True(t, strings.HasPrefix(out, "\x1b_G"))
			assert.Contains(t, out, "U=1")
			assert.Contains(t, out, "\U0010EEEE")
		}},
		{"iterm2 with a window", nil, []string{"render", "--protocol", "iterm2", "--window", "2000,3000", "--no-boxes", ptx}, func(t *testing.T, out string) {
			assert.True(t, strings.HasPrefix(out, "\x1b]1337;File="))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := invokeWithEnv(t, tc.env, tc.args...)
			require.Equal(t, 0, r.code, r.stderr)
			tc.check(t, r.stdout)
		})
	}
}

func TestRenderCommandErrors(t *testing.T) {
	ptx := filepath.Join(phantomDir, "phantom-ptx-mono1.dcm")
	garbage := writeTemp(t, "broken.png", "\x89PNG\r\n\x1a\nnot really")
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no image", []string{"render"}, 2, "IMAGE"},
		{"bad window", []string{"render", ptx, "--window", "40"}, 2, "--window"},
		{"bad protocol", []string{"render", ptx, "--protocol", "ascii"}, 2, "--protocol"},
		{"bad urgent label", []string{"render", ptx, "--urgent", "fracture"}, 2, "fracture"},
		{"width with cols", []string{"render", ptx, "--width", "100", "--cols", "10"}, 2, "--width"},
		{"bad quality", []string{"render", ptx, "--picture-quality", "max"}, 2, "--picture-quality"},
		{"missing file", []string{"render", "nope.dcm"}, 1, "nope.dcm"},
		{"corrupt file", []string{"render", garbage}, 1, "broken.png"},
		{"missing findings", []string{"render", ptx, "--findings", "nope.json"}, 1, "nope.json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := invokeWithEnv(t, nil, tc.args...)
			assert.Equal(t, tc.code, r.code, r.stderr)
			assert.Contains(t, r.stderr, tc.want)
		})
	}
	bad := invokeWithEnv(t, map[string]string{"CXR_AUDITOR_GRAPHICS": "ascii"}, "render", ptx)
	assert.Equal(t, 1, bad.code)
	assert.Contains(t, bad.stderr, "CXR_AUDITOR_GRAPHICS")
}
