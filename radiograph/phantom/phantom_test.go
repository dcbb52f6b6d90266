package phantom

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const committed = "../../testdata/phantoms"

func TestRenderIsDeterministic(t *testing.T) {
	s := Spec{Variant: Nodule, Width: 96, Height: 117, Seed: 9}
	a, b := Render(s), Render(s)
	require.Equal(t, a.Pix, b.Pix)
	c := Render(Spec{Variant: Nodule, Width: 96, Height: 117, Seed: 10})
	assert.NotEqual(t, a.Pix, c.Pix, "the seed must matter")
	for _, v := range a.Pix {
		require.LessOrEqual(t, v, uint16(MaxValue))
	}
}

// mean returns the mean value inside a normalized box.
func mean(im *Image, b schema.Box) float64 {
	var sum, n float64
	for y := int(b.Y0 * float64(im.Height)); y < int(b.Y1*float64(im.Height)); y++ {
		for x := int(b.X0 * float64(im.Width)); x < int(b.X1*float64(im.Width)); x++ {
			sum += float64(im.Pix[y*im.Width+x])
			n++
		}
	}
	return sum / n
}

func TestFindingsAreVisibleInsideTheirBoxes(t *testing.T) {
	// Each finding makes its box denser (or, for a pneumothorax, darker)
	// than the same box on the normal phantom with the same seed.
	normal := Render(Spec{Variant: Normal, Width: 140, Height: 171, Seed: 1})
	for _, v := range []Variant{Effusion, Cardiomegaly, Nodule, Pneumothorax, Consolidation} {
		t.Run(string(v), func(t *testing.T) {
			im := Render(Spec{Variant: v, Width: 140, Height: 171, Seed: 1})
			require.Len(t, im.Findings, 1)
			f := im.Findings[0]
			require.NotNil(t, f.Box)
			require.True(t, f.Box.Valid(), "%+v", *f.Box)
			with, without := mean(im, *f.Box), mean(normal, *f.Box)
			if v == Pneumothorax {
				assert.Less(t, with, without-20)
			} else {
				assert.Greater(t, with, without+40)
			}
		})
	}
	assert.Equal(t, []schema.Finding{{Label: schema.NoFinding}}, Truth(Spec{Variant: Normal, Width: 10, Height: 10}))
}

func TestLandscapeBoxesFollowTheLetterbox(t *testing.T) {
	// The same anatomy in a landscape image sits in the middle third.
	b := Truth(Spec{Variant: Cardiomegaly, Width: 1200, Height: 900})[0].Box
	p := Truth(Spec{Variant: Cardiomegaly, Width: 820, Height: 1000})[0].Box
	assert.InDelta(t, p.Y0, b.Y0, 1e-3, "vertical extent is the same")
	assert.Greater(t, b.X0, p.X0, "horizontal extent is squeezed towards the centre")
	assert.Less(t, b.X1, p.X1)
}

func TestCommittedTruthMatchesCatalog(t *testing.T) {
	f, err := os.Open(filepath.Join(committed, "truth.jsonl"))
	require.NoError(t, err, "run go generate ./radiograph/phantom")
	defer f.Close()
	sc := bufio.NewScanner(f)
	var got []TruthLine
	for sc.Scan() {
		var l TruthLine
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l))
		got = append(got, l)
	}
	require.NoError(t, sc.Err())
	cat := Catalog()
	require.Len(t, got, len(cat))
	for i, c := range cat {
		assert.Equal(t, c.ID(), got[i].ID)
		assert.Equal(t, c.Name, got[i].Image)
		assert.Equal(t, Truth(c.Spec), got[i].Findings, c.Name)
		_, err := os.Stat(filepath.Join(committed, c.Name))
		assert.NoError(t, err)
	}
}

func TestCommittedFilesAreUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("renders every phantom; skipped with -short")
	}
	// The smallest committed file is re-rendered and compared byte for
	// byte, so a change to the drawing code without `go generate` fails.
	c := Catalog()[5]
	var buf bytes.Buffer
	require.NoError(t, Render(c.Spec).Write(&buf, c.Format, c.ID()))
	want, err := os.ReadFile(filepath.Join(committed, c.Name))
	require.NoError(t, err)
	assert.True(t, bytes.Equal(want, buf.Bytes()), "%s is stale: run go generate ./radiograph/phantom", c.Name)
}

func TestWriteAll(t *testing.T) {
	dir := t.TempDir()
	var small []File
	for _, f := range Catalog() {
		f.Spec.Width, f.Spec.Height = f.Spec.Width/16, f.Spec.Height/16
		small = append(small, f)
	}
	require.NoError(t, writeAll(dir, small))
	for _, name := range []string{"truth.jsonl", "README.md", "phantom-normal.png", "phantom-ptx-mono1.dcm"} {
		_, err := os.Stat(filepath.Join(dir, name))
		assert.NoError(t, err)
	}
	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	require.NoError(t, err)
	assert.Contains(t, string(readme), "synthetic")
}

func TestWriteRejectsUnknownFormat(t *testing.T) {
	require.Error(t, Render(Spec{Variant: Normal, Width: 8, Height: 8}).Write(&bytes.Buffer{}, "tiff", "x"))
}
