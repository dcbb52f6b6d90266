package radiograph

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"image"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cxr-auditor/cxr-auditor/radiograph/phantom"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/tag"
)

const phantoms = "../testdata/phantoms"

// dcmElem is one element for buildDICOM.
type dcmElem struct {
	t tag.Tag
	v any
}

// buildDICOM writes a minimal explicit-VR DICOM with the given elements (plus
// meta and the pixel data) using suyashkumar/dicom's writer.
func buildDICOM(t testing.TB, ts string, raw []byte, elems ...dcmElem) []byte {
	t.Helper()
	all := append([]dcmElem{
		{tag.MediaStorageSOPClassUID, []string{"1.2.840.10008.5.1.4.1.1.7"}},
		{tag.MediaStorageSOPInstanceUID, []string{"2.25.1"}},
		{tag.TransferSyntaxUID, []string{ts}},
		{tag.SamplesPerPixel, []int{1}},
		{tag.PixelData, dicom.PixelDataInfo{IntentionallyUnprocessed: true, UnprocessedValueData: raw}},
	}, elems...)
	slices.SortStableFunc(all, func(a, b dcmElem) int {
		return cmp.Or(cmp.Compare(a.t.Group, b.t.Group), cmp.Compare(a.t.Element, b.t.Element))
	})
	ds := dicom.Dataset{}
	for _, e := range all {
		el, err := dicom.NewElement(e.t, e.v)
		require.NoError(t, err)
		if e.t == tag.PixelData {
			el.RawValueRepresentation = "OW"
		}
		ds.Elements = append(ds.Elements, el)
	}
	var buf bytes.Buffer
	require.NoError(t, dicom.Write(&buf, ds))
	return buf.Bytes()
}

func le16(vals ...uint16) []byte {
	b := make([]byte, 2*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint16(b[2*i:], v)
	}
	return b
}

func decodeBytes(t testing.TB, data []byte, name string) (*Radiograph, error) {
	t.Helper()
	return Decode(context.Background(), bytes.NewReader(data), name, LoadOptions{})
}

func TestDecodeDICOMPixelModule(t *testing.T) {
	geom := []dcmElem{{tag.Rows, []int{1}}, {tag.Columns, []int{4}}, {tag.BitsAllocated, []int{16}}}
	with := func(extra ...dcmElem) []dcmElem { return append(append([]dcmElem{}, geom...), extra...) }
	cases := []struct {
		name   string
		raw    []byte
		elems  []dcmElem
		want   []float32
		invert bool
		window Window
		voi    VOIFunction
		// fileWindow: the window is the file's own VOI.
		fileWindow bool
	}{
		{
			name:  "12 of 16 bits stored: high bits are masked",
			raw:   le16(0xF000|100, 0xA000|4095, 0, 0x0800),
			elems: with(dcmElem{tag.BitsStored, []int{12}}, dcmElem{tag.HighBit, []int{11}}, dcmElem{tag.PhotometricInterpretation, []string{"MONOCHROME2"}}),
			want:  []float32{100, 4095, 0, 2048},
		},
		{
			name: "signed 12-bit with rescale",
			raw:  le16(0xFFFF, 0x0FFF, 0x0800, 0x07FF), // -1, -1 (masked, sign bit 11), -2048, 2047
			elems: with(dcmElem{tag.BitsStored, []int{12}}, dcmElem{tag.HighBit, []int{11}}, dcmElem{tag.PixelRepresentation, []int{1}},
				dcmElem{tag.RescaleSlope, []string{"2"}}, dcmElem{tag.RescaleIntercept, []string{"-1024"}}),
			want: []float32{-1026, -1026, -5120, 3070},
		},
		{
			name:  "high bit not at the top of the stored bits",
			raw:   le16(0x0010, 0x0FF0, 0, 0xF00F),
			elems: with(dcmElem{tag.BitsStored, []int{8}}, dcmElem{tag.HighBit, []int{11}}),
			want:  []float32{1, 255, 0, 0},
		},
		{
			name: "MONOCHROME1, first of several windows, SIGMOID",
			raw:  le16(1, 2, 3, 4),
			elems: with(dcmElem{tag.PhotometricInterpretation, []string{"MONOCHROME1"}},
				dcmElem{tag.WindowCenter, []string{"40", "400"}}, dcmElem{tag.WindowWidth, []string{"350", "2000"}},
				dcmElem{tag.VOILUTFunction, []string{"SIGMOID"}}),
			want:       []float32{1, 2, 3, 4},
			invert:     true,
			window:     Window{Center: 40, Width: 350},
			voi:        VOISigmoid,
			fileWindow: true,
		},
		{
			name:   "8-bit without window gets the identity window",
			raw:    []byte{0, 50, 200, 255},
			elems:  []dcmElem{{tag.Rows, []int{2}}, {tag.Columns, []int{2}}, {tag.BitsAllocated, []int{8}}, {tag.VOILUTFunction, []string{"LINEAR_EXACT"}}},
			want:   []float32{0, 50, 200, 255},
			window: identityWindow8,
			voi:    VOILinearExact,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := decodeBytes(t, buildDICOM(t, tsExplicitLE, tc.raw, tc.elems...), "x.dcm")
			require.NoError(t, err)
			assert.Equal(t, tc.want, r.Pix)
			assert.Equal(t, tc.invert, r.Invert)
			assert.Equal(t, "dicom", r.Format)
			if tc.window != (Window{}) {
				assert.Equal(t, tc.window, r.DefaultWindow)
			}
			if tc.fileWindow {
				require.NotNil(t, r.FileWindow, "the file's own VOI is kept apart")
				assert.Equal(t, tc.window, *r.FileWindow)
			} else {
				assert.Nil(t, r.FileWindow)
			}
			if tc.voi != "" {
				assert.Equal(t, tc.voi, r.VOIFunction)
			}
		})
	}
}

func TestDecodeDICOMErrors(t *testing.T) {
	geom := []dcmElem{{tag.Rows, []int{2}}, {tag.Columns, []int{2}}, {tag.BitsAllocated, []int{16}}}
	good := buildDICOM(t, tsExplicitLE, le16(1, 2, 3, 4), geom...)
	_, err := decodeBytes(t, good, "good.dcm")
	require.NoError(t, err)

	// A 4 GiB element length in a tiny file must not allocate 4 GiB.
	huge := append([]byte(nil), good...)
	i := bytes.Index(huge, []byte{0xE0, 0x7F, 0x10, 0x00, 'O', 'W'})
	require.Positive(t, i)
	binary.LittleEndian.PutUint32(huge[i+8:], 0xFFFFFFF0)

	cases := []struct {
		name, file string
		data       []byte
		want       string
		is         error
	}{
		{"truncated", "trunc.dcm", good[:len(good)-3], "truncated", nil},
		{"truncated in header", "trunc2.dcm", good[:140], "trunc2.dcm", nil},
		{"huge declared length", "huge.dcm", huge, "runs past the end", nil},
		{"deflate", "deflate.dcm", buildDICOM(t, "1.2.840.10008.1.2.1.99", le16(1, 2, 3, 4), geom...), "Deflated Explicit VR Little Endian", ErrUnsupported},
		{"jpeg 2000", "j2k.dcm", buildDICOM(t, "1.2.840.10008.1.2.4.90", le16(1, 2, 3, 4), geom...), "1.2.840.10008.1.2.4.90", ErrUnsupported},
		{"missing rows", "norows.dcm", buildDICOM(t, tsExplicitLE, le16(1, 2, 3, 4), geom[1:]...), "Rows", nil},
		{"too many pixels", "big.dcm", buildDICOM(t, tsExplicitLE, le16(1, 2, 3, 4), dcmElem{tag.Rows, []int{60000}}, dcmElem{tag.Columns, []int{60000}}, dcmElem{tag.BitsAllocated, []int{16}}), "limit", ErrTooLarge},
		{"short pixel data", "short.dcm", buildDICOM(t, tsExplicitLE, le16(1, 2), geom...), "want 8", nil},
		{"palette colour", "pal.dcm", buildDICOM(t, tsExplicitLE, le16(1, 2, 3, 4), append(geom, dcmElem{tag.PhotometricInterpretation, []string{"PALETTE COLOR"}})...), "PALETTE COLOR", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeBytes(t, tc.data, tc.file)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.file)
			assert.Contains(t, err.Error(), tc.want)
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			}
			if tc.is == ErrUnsupported {
				assert.Contains(t, err.Error(), "gdcmconv --raw")
			}
		})
	}
}

func TestDecodeCommittedPhantoms(t *testing.T) {
	for _, f := range phantom.Catalog() {
		t.Run(f.Name, func(t *testing.T) {
			r, err := Load(context.Background(), filepath.Join(phantoms, f.Name), LoadOptions{})
			require.NoError(t, err)
			assert.Equal(t, f.Spec.Width, r.Width)
			assert.Equal(t, f.Spec.Height, r.Height)
			assert.Equal(t, f.Format == phantom.DICOMMono1, r.Invert)
			// Displayed with its default window the lungs are dark and the
			// mediastinum bright, whatever the encoding and photometry.
			g := r.Gray(r.DefaultWindow)
			lungY, lungX := int(0.45*float64(r.Height)), int(0.27*float64(r.Width))
			if f.Spec.Width > f.Spec.Height { // landscape: letterboxed anatomy
				lungX = int(0.37 * float64(r.Width))
			}
			lung := g.GrayAt(lungX, lungY).Y
			spine := g.GrayAt(r.Width/2, lungY).Y
			assert.Less(t, int(lung)+60, int(spine), "lung %d vs spine %d", lung, spine)
		})
	}
}

func TestDecodeDICOMPhantomValuesExactly(t *testing.T) {
	for _, f := range []phantom.Format{phantom.DICOMMono1, phantom.DICOMSigned} {
		t.Run(string(f), func(t *testing.T) {
			im := phantom.Render(phantom.Spec{Variant: phantom.Pneumothorax, Width: 40, Height: 49, Seed: 3})
			var buf bytes.Buffer
			require.NoError(t, im.Write(&buf, f, "t"))
			r, err := decodeBytes(t, buf.Bytes(), "p.dcm")
			require.NoError(t, err)
			for i, v := range im.Pix {
				want := float32(v)
				if f == phantom.DICOMMono1 {
					want = phantom.MaxValue - want // stored inverted, displayed inverted
				}
				require.Equal(t, want, r.Pix[i], "pixel %d", i)
			}
		})
	}
}

// tool returns the path of an external program or skips the test.
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed (apt install dcmtk libgdcm-tools): %v", name, err)
	}
	return p
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(tool(t, name), args...).CombinedOutput()
	require.NoError(t, err, "%s %s: %s", name, strings.Join(args, " "), out)
}

func loadT(t *testing.T, path string) *Radiograph {
	t.Helper()
	r, err := Load(context.Background(), path, LoadOptions{})
	require.NoError(t, err)
	return r
}

func TestInteropDCMTK(t *testing.T) {
	tool(t, "img2dcm")
	dir := t.TempDir()
	src := phantom.Render(phantom.Spec{Variant: phantom.Nodule, Width: 160, Height: 195, Seed: 1}).Gray8()
	jpg := filepath.Join(dir, "in.jpg")
	var jb bytes.Buffer
	require.NoError(t, jpeg.Encode(&jb, src, &jpeg.Options{Quality: 92}))
	require.NoError(t, os.WriteFile(jpg, jb.Bytes(), 0o644))
	ref, err := jpeg.Decode(bytes.NewReader(jb.Bytes()))
	require.NoError(t, err)
	// The decoder's buffer may be padded to whole JPEG blocks: compact it.
	rg := ref.(*image.Gray)
	refGray := image.NewGray(image.Rect(0, 0, 160, 195))
	for y := range 195 {
		copy(refGray.Pix[y*160:(y+1)*160], rg.Pix[y*rg.Stride:])
	}

	// img2dcm keeps the JPEG encapsulated (baseline, one fragment).
	enc := filepath.Join(dir, "enc.dcm")
	run(t, "img2dcm", jpg, enc)
	r := loadT(t, enc)
	assert.Equal(t, "dicom-jpeg", r.Format)
	for i, v := range refGray.Pix {
		require.Equal(t, float32(v), r.Pix[i], "pixel %d", i)
	}

	// dcmdjpeg decompresses with libjpeg: same picture within IDCT rounding.
	raw := filepath.Join(dir, "raw.dcm")
	run(t, "dcmdjpeg", enc, raw)
	r = loadT(t, raw)
	assert.Equal(t, "dicom", r.Format)
	for i, v := range refGray.Pix {
		require.InDelta(t, float64(v), float64(r.Pix[i]), 2, "pixel %d", i)
	}

	// dcmcjpeg re-encodes as baseline split into 1 KiB fragments, which
	// render must concatenate.
	frag := filepath.Join(dir, "frag.dcm")
	run(t, "dcmcjpeg", "+eb", "+fs", "1", raw, frag)
	r = loadT(t, frag)
	assert.Equal(t, "dicom-jpeg", r.Format)
	assert.Equal(t, 160, r.Width)
	var diff float64
	for i, v := range refGray.Pix {
		diff += abs(float64(v) - float64(r.Pix[i]))
	}
	assert.Less(t, diff/float64(len(refGray.Pix)), 3.0, "mean abs difference after a second lossy pass")
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

func TestInteropGDCM(t *testing.T) {
	tool(t, "gdcmimg")
	dir := t.TempDir()
	im := phantom.Render(phantom.Spec{Variant: phantom.Effusion, Width: 120, Height: 146, Seed: 2})
	rawFile := filepath.Join(dir, "in.raw")
	raw := make([]byte, 2*len(im.Pix))
	for i, v := range im.Pix {
		binary.LittleEndian.PutUint16(raw[2*i:], v)
	}
	require.NoError(t, os.WriteFile(rawFile, raw, 0o644))

	// 12 bits stored in 16, MONOCHROME1, from GDCM.
	mono1 := filepath.Join(dir, "mono1.dcm")
	run(t, "gdcmimg", "--size", "120,146", "--depth", "16", "--pf", "16,12,11", "--sign", "0", "--pi", "MONOCHROME1", "-i", rawFile, "-o", mono1)
	r := loadT(t, mono1)
	require.True(t, r.Invert)
	for i, v := range im.Pix {
		require.Equal(t, float32(v), r.Pix[i], "pixel %d", i)
	}

	// Compressed syntaxes get a clear error naming syntax and fix.
	for _, c := range []struct{ flag, name string }{
		{"--jpeg", "JPEG Lossless"}, {"--jpegls", "JPEG-LS"}, {"--rle", "RLE Lossless"}, {"--j2k", "JPEG 2000"},
	} {
		t.Run(c.flag, func(t *testing.T) {
			comp := filepath.Join(dir, "c"+c.flag+".dcm")
			run(t, "gdcmconv", c.flag, mono1, comp)
			_, err := Load(context.Background(), comp, LoadOptions{})
			require.ErrorIs(t, err, ErrUnsupported)
			assert.Contains(t, err.Error(), c.name)
			assert.Contains(t, err.Error(), "1.2.840.10008.1.2.")
			assert.Contains(t, err.Error(), "gdcmconv --raw")
			assert.Contains(t, err.Error(), comp)

			// ... and the suggested conversion works, losslessly.
			back := filepath.Join(dir, "back"+c.flag+".dcm")
			run(t, "gdcmconv", "--raw", comp, back)
			r := loadT(t, back)
			if c.flag == "--j2k" {
				return // GDCM's J2K default may be lossy
			}
			for i, v := range im.Pix {
				require.Equal(t, float32(v), r.Pix[i], "pixel %d", i)
			}
		})
	}
}

func TestDecodeColourDICOMUsesLuminance(t *testing.T) {
	// RGB, interleaved and planar.
	inter := []byte{255, 0, 0, 0, 255, 0}
	planar := []byte{255, 0, 0, 255, 0, 0}
	for name, raw := range map[string][]byte{"interleaved": inter, "planar": planar} {
		pc := 0
		if name == "planar" {
			pc = 1
		}
		data := buildDICOM(t, tsExplicitLE, raw, dcmElem{tag.Rows, []int{1}}, dcmElem{tag.Columns, []int{2}}, dcmElem{tag.BitsAllocated, []int{8}},
			dcmElem{tag.PhotometricInterpretation, []string{"RGB"}}, dcmElem{tag.PlanarConfiguration, []int{pc}})
		// buildDICOM sets SamplesPerPixel 1; patch it to 3.
		i := bytes.Index(data, []byte{0x28, 0x00, 0x02, 0x00, 'U', 'S', 2, 0, 1, 0})
		require.Positive(t, i)
		data[i+8] = 3
		r, err := decodeBytes(t, data, name+".dcm")
		require.NoError(t, err, name)
		assert.InDelta(t, 0.299*255, r.Pix[0], 0.01, name)
		assert.InDelta(t, 0.587*255, r.Pix[1], 0.01, name)
	}
}

func FuzzScanDICOM(f *testing.F) {
	geom := []dcmElem{{tag.Rows, []int{2}}, {tag.Columns, []int{2}}, {tag.BitsAllocated, []int{16}}}
	f.Add(buildDICOM(f, tsExplicitLE, le16(1, 2, 3, 4), geom...))
	f.Add(buildDICOM(f, tsImplicitLE, le16(1, 2, 3, 4), geom...))
	if b, err := os.ReadFile(filepath.Join(phantoms, "phantom-ptx-mono1.dcm")); err == nil {
		f.Add(b[:2048])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Decode(context.Background(), bytes.NewReader(data), "f.dcm", LoadOptions{MaxPixels: 1 << 16})
		if err == nil && len(r.Pix) != r.Width*r.Height {
			t.Fatalf("inconsistent radiograph")
		}
	})
}

func TestDecodeDICOMRejectsNonFiniteRescale(t *testing.T) {
	geom := []dcmElem{{tag.Rows, []int{2}}, {tag.Columns, []int{2}}, {tag.BitsAllocated, []int{16}}}
	for _, v := range []string{"NaN", "Inf", "1e300"} {
		data := buildDICOM(t, tsExplicitLE, le16(1, 2, 3, 4), append(geom, dcmElem{tag.RescaleSlope, []string{v}})...)
		_, err := decodeBytes(t, data, "slope.dcm")
		require.Error(t, err, v)
		assert.Contains(t, err.Error(), "RescaleSlope")
	}
	// A non-finite window is ignored (auto window instead), not an error.
	data := buildDICOM(t, tsExplicitLE, le16(1, 2, 3, 4), append(geom, dcmElem{tag.WindowCenter, []string{"NaN"}}, dcmElem{tag.WindowWidth, []string{"100"}})...)
	r, err := decodeBytes(t, data, "win.dcm")
	require.NoError(t, err)
	assert.Equal(t, AutoWindow(r), r.DefaultWindow)
}

// TestDecodeDICOMWithoutMetaGroupLength: a file whose meta header lacks
// (0002,0000) was refused; dcmtk reads it with a warning, and so does
// radiograph, with a note.
func TestDecodeDICOMWithoutMetaGroupLength(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(phantoms, "phantom-ptx-mono1.dcm"))
	require.NoError(t, err)
	require.Equal(t, []byte{2, 0, 0, 0, 'U', 'L', 4, 0}, data[132:140], "the phantom starts its meta header with the group length")
	stripped := append(append([]byte(nil), data[:132]...), data[144:]...)

	want, err := decodeBytes(t, data, "with.dcm")
	require.NoError(t, err)
	assert.Empty(t, want.Notes)
	got, err := decodeBytes(t, stripped, "without.dcm")
	require.NoError(t, err)
	assert.Equal(t, want.Pix, got.Pix)
	assert.Equal(t, want.DefaultWindow, got.DefaultWindow)
	assert.Equal(t, []string{noGroupLengthNote}, got.Notes)

	if dcmdump, err := exec.LookPath("dcmdump"); err == nil {
		p := filepath.Join(t.TempDir(), "without.dcm")
		require.NoError(t, os.WriteFile(p, stripped, 0o600))
		out, err := exec.Command(dcmdump, p).CombinedOutput()
		require.NoError(t, err, "dcmdump reads it too: %s", out)
	}
}
