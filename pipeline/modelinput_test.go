package pipeline

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/radiograph"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

func TestUnpadFindings(t *testing.T) {
	// A 100x50 image centred in a 100x100 square: 25 px of padding above
	// and below.
	pad := radiograph.Padding{Side: 100, OffX: 0, OffY: 25, ImgW: 100, ImgH: 50}
	conf := 0.6
	in := []schema.Finding{
		{Label: schema.Pneumothorax, Box: &schema.Box{Y0: 0.25, X0: 0.1, Y1: 0.5, X1: 0.4}},
		{Label: schema.NoduleMass, Box: &schema.Box{Y0: 0.0, X0: 0.1, Y1: 0.2, X1: 0.2}, Confidence: &conf, Evidence: "round"}, // all padding
		{Label: schema.Cardiomegaly},
		{Label: schema.LungOpacity, Box: &schema.Box{Y0: 0.7, X0: 0.5, Y1: 0.9, X1: 0.6}}, // partly padding: clamped
	}
	orig := *in[0].Box
	out, notes := unpadFindings(in, pad)
	require.Len(t, out, 4)
	assert.Equal(t, schema.Box{Y0: 0, X0: 0.1, Y1: 0.5, X1: 0.4}, *out[0].Box)
	assert.Equal(t, schema.Finding{Label: schema.NoduleMass, Confidence: &conf, Evidence: "round"}, out[1], "the box goes, the finding and its extras stay")
	assert.Equal(t, schema.Finding{Label: schema.Cardiomegaly}, out[2])
	assert.InDelta(t, 0.9, out[3].Box.Y0, 1e-9)
	assert.InDelta(t, 1.0, out[3].Box.Y1, 1e-9)
	require.Len(t, notes, 1)
	assert.Equal(t, "dropped_box", notes[0].Kind)
	assert.Contains(t, notes[0].Message, "nodule_mass")
	assert.Equal(t, orig, *in[0].Box, "the input is not modified")
}

func TestPrepareImage(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.png")
	data := syntheticPNG(t, 40, 20, 1)
	require.NoError(t, os.WriteFile(p, data, 0o644))
	got, hash, err := readImage(p)
	require.NoError(t, err)
	assert.Equal(t, data, got)
	assert.Equal(t, HashBytes(data), hash)
	img, err := prepareImage(context.Background(), p, got, radiograph.ModelPad)
	require.NoError(t, err)
	assert.Equal(t, radiograph.Padding{Side: 40, OffX: 0, OffY: 10, ImgW: 40, ImgH: 20}, img.pad)
	assert.Equal(t, []byte("\x89PNG"), img.png[:4])
	img, err = prepareImage(context.Background(), p, got, radiograph.ModelSquash)
	require.NoError(t, err)
	assert.Equal(t, radiograph.Padding{}, img.pad, "squash: no padding, boxes apply as they are")
	cfg, err := png.DecodeConfig(bytes.NewReader(img.png))
	require.NoError(t, err)
	assert.Equal(t, [2]int{40, 20}, [2]int{cfg.Width, cfg.Height}, "the image's own aspect ratio")

	_, err = prepareImage(context.Background(), p, []byte("garbage"), radiograph.ModelSquash)
	require.ErrorContains(t, err, p)
	_, _, err = readImage(filepath.Join(dir, "missing.png"))
	require.ErrorContains(t, err, "missing.png")
}

// TestReadImageIsBounded: a worklist row naming /dev/zero crashed run and
// review with "fatal error: out of memory" (issue 10); images are read
// through radiograph's bounded reader now.
func TestReadImageIsBounded(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	_, _, err := readImage("/dev/zero")
	require.ErrorIs(t, err, radiograph.ErrNotRegular)
	require.ErrorContains(t, err, "/dev/zero")
}
