package radiograph

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/suyashkumar/dicom/pkg/tag"
)

// allocated returns the bytes f allocates (runtime.MemStats.TotalAlloc), a
// bound on the heap it can add at its peak.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// writePNGStream writes a w x h PNG of the given depth and colour type to
// path without holding the image: row(y, buf) fills each raw row.
func writePNGStream(t testing.TB, path string, w, h, depth, colorType int, row func(y int, buf []byte)) {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	bw := bufio.NewWriter(f)
	chunk := func(typ string, data []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(data)))
		bw.Write(n[:])
		bw.WriteString(typ)
		bw.Write(data)
		crc := crc32.Update(crc32.ChecksumIEEE([]byte(typ)), crc32.IEEETable, data)
		binary.BigEndian.PutUint32(n[:], crc)
		bw.Write(n[:])
	}
	bw.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = byte(depth), byte(colorType)
	chunk("IHDR", ihdr)
	var idat bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&idat, zlib.BestSpeed)
	ch := map[int]int{0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colorType]
	buf := make([]byte, 1+(w*ch*depth+7)/8)
	for y := range h {
		row(y, buf[1:])
		zw.Write(buf)
		if idat.Len() > 1<<20 {
			chunk("IDAT", idat.Bytes())
			idat.Reset()
		}
	}
	require.NoError(t, zw.Close())
	chunk("IDAT", idat.Bytes())
	chunk("IEND", nil)
	require.NoError(t, bw.Flush())
}

func TestOpenFileRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.png")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	cases := map[string]string{"directory": dir, "fifo": fifo}
	if _, err := os.Stat("/dev/zero"); err == nil {
		cases["device"] = "/dev/zero"
	}
	for name, p := range cases {
		t.Run(name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				_, err := Load(context.Background(), p, LoadOptions{})
				done <- err
			}()
			select {
			case err := <-done:
				require.ErrorIs(t, err, ErrNotRegular)
				assert.Contains(t, err.Error(), p)
			case <-time.After(10 * time.Second):
				t.Fatal("Load blocked on a file that is not regular")
			}
			_, err := ReadFile(p, LoadOptions{})
			require.ErrorIs(t, err, ErrNotRegular)
		})
	}
}

func TestOpenFileRefusesFilesOverTheLimitBeforeReading(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sparse.png")
	f, err := os.Create(p)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(3<<30)) // 3 GiB, sparse: nothing on disk
	require.NoError(t, f.Close())
	var err1, err2 error
	n := allocated(func() {
		_, err1 = Load(context.Background(), p, LoadOptions{})
		_, err2 = ReadFile(p, LoadOptions{})
	})
	require.ErrorIs(t, err1, ErrTooLarge)
	require.ErrorIs(t, err2, ErrTooLarge)
	assert.Contains(t, err1.Error(), p)
	assert.Less(t, n, uint64(1<<20), "refused without reading")
	// The default limit is 2 bytes per allowed pixel plus 16 MiB.
	assert.Equal(t, int64(DefaultMaxPixels)*2+16<<20, LoadOptions{}.maxFileBytes())
}

func TestFileReadsStopAtTheLimitWhenTheFileGrows(t *testing.T) {
	p := filepath.Join(t.TempDir(), "grows.png")
	require.NoError(t, os.WriteFile(p, make([]byte, 10), 0o600))
	f, err := OpenFile(p, LoadOptions{MaxFileBytes: 16})
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, os.WriteFile(p, make([]byte, 1000), 0o600))
	_, err = io.ReadAll(f)
	require.ErrorIs(t, err, ErrTooLarge)

	_, err = Decode(context.Background(), bytes.NewReader(make([]byte, 100)), "long.dcm", LoadOptions{MaxFileBytes: 50})
	require.ErrorIs(t, err, ErrTooLarge)
	assert.Contains(t, err.Error(), "long.dcm")
}

// TestLargestImageStaysWithinMemory decodes the largest image the default
// limits accept, an 8192x8192 16-bit PNG, and the same pixels as 16-bit
// DICOM, and bounds what decoding allocates (docs/render.md, Limits). The
// picture of it is render's TestLargestPictureStaysWithinMemory.
func TestLargestImageStaysWithinMemory(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("writes and decodes a 64 Mpx image (minutes under the race detector)")
	}
	const side = 8192
	require.Equal(t, DefaultMaxPixels, side*side)
	dir := t.TempDir()
	p := filepath.Join(dir, "largest.png")
	writePNGStream(t, p, side, side, 16, 0, func(y int, buf []byte) {
		for x := range side {
			binary.BigEndian.PutUint16(buf[2*x:], uint16((x+y)%4096))
		}
	})
	var r *Radiograph
	var err error
	n := allocated(func() { r, err = Load(context.Background(), p, LoadOptions{}) })
	require.NoError(t, err)
	t.Logf("8192² 16-bit PNG: %d MB allocated, grid %dx%d", n>>20, r.Width, r.Height)
	assert.Less(t, n, uint64(200<<20))
	assert.LessOrEqual(t, r.Width*r.Height, MaxGridPixels)
	assert.Equal(t, side, r.SourceWidth)

	// The same size as 16-bit DICOM: the file is read whole (128 MiB), the
	// pixel data is converted in place.
	raw := make([]byte, 2*side*side)
	for i := range side * side {
		binary.LittleEndian.PutUint16(raw[2*i:], uint16(i%4096))
	}
	dcm := buildDICOM(t, tsExplicitLE, raw,
		dcmElem{tag.Rows, []int{side}}, dcmElem{tag.Columns, []int{side}},
		dcmElem{tag.BitsAllocated, []int{16}}, dcmElem{tag.BitsStored, []int{12}}, dcmElem{tag.HighBit, []int{11}},
		dcmElem{tag.PixelRepresentation, []int{0}}, dcmElem{tag.PhotometricInterpretation, []string{"MONOCHROME2"}})
	raw = nil
	pd := filepath.Join(dir, "largest.dcm")
	require.NoError(t, os.WriteFile(pd, dcm, 0o600))
	dcm = nil
	var rd *Radiograph
	n = allocated(func() { rd, err = Load(context.Background(), pd, LoadOptions{}) })
	require.NoError(t, err)
	t.Logf("8192² 16-bit DICOM: %d MB allocated", n>>20)
	assert.Less(t, n, uint64(240<<20))
	assert.Equal(t, side, rd.SourceWidth)

}

// TestDecodeReducedKeepsTheFullResolutionWindow: averaging while decoding
// (DrawWidth/DrawHeight) gives block means and the same default window as decoding at
// full resolution.
func TestDecodeReducedKeepsTheFullResolutionWindow(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "r.png")
	const w, h = 1001, 803
	val := func(x, y int) uint16 { return uint16((x*7 + y*13 + x*y/50) % 4096) }
	writePNGStream(t, p, w, h, 16, 0, func(y int, buf []byte) {
		for x := range w {
			binary.BigEndian.PutUint16(buf[2*x:], val(x, y))
		}
	})
	full, err := Load(context.Background(), p, LoadOptions{})
	require.NoError(t, err)
	small, err := Load(context.Background(), p, LoadOptions{DrawWidth: 300, DrawHeight: 300})
	require.NoError(t, err)
	assert.Equal(t, w, full.Width)
	assert.Equal(t, [2]int{334, 268}, [2]int{small.Width, small.Height}, "3x3 blocks, partial ones at the edges")
	assert.Equal(t, [2]int{w, h}, [2]int{small.SourceWidth, small.SourceHeight})
	assert.Equal(t, full.DefaultWindow, small.DefaultWindow)
	mean := func(x0, y0 int) float32 {
		var s float32
		n := 0
		for y := y0; y < min(y0+3, h); y++ {
			for x := x0; x < min(x0+3, w); x++ {
				s += float32(val(x, y))
				n++
			}
		}
		return s / float32(n)
	}
	for _, pt := range [][2]int{{0, 0}, {100, 50}, {333, 267}, {333, 0}, {0, 267}} {
		assert.InDelta(t, mean(pt[0]*3, pt[1]*3), small.Pix[pt[1]*small.Width+pt[0]], 0.01, "block %v", pt)
	}
}

// TestHistogramWindowEqualsAutoWindow: the default window counted while
// decoding (16-bit PNG, DICOM up to 16 stored bits, signed with a rescale)
// is exactly AutoWindow of the decoded image.
func TestHistogramWindowEqualsAutoWindow(t *testing.T) {
	const w, h = 300, 200
	raw := make([]byte, 2*w*h)
	for i := range w * h {
		v := int16((i*37)%3000 - 1500)
		binary.LittleEndian.PutUint16(raw[2*i:], uint16(v)&0x0FFF|map[bool]uint16{true: 0xF000, false: 0}[v < 0])
	}
	dcm := buildDICOM(t, tsExplicitLE, raw,
		dcmElem{tag.Rows, []int{h}}, dcmElem{tag.Columns, []int{w}},
		dcmElem{tag.BitsAllocated, []int{16}}, dcmElem{tag.BitsStored, []int{12}}, dcmElem{tag.HighBit, []int{11}},
		dcmElem{tag.PixelRepresentation, []int{1}}, dcmElem{tag.PhotometricInterpretation, []string{"MONOCHROME2"}},
		dcmElem{tag.RescaleSlope, []string{"0.5"}}, dcmElem{tag.RescaleIntercept, []string{"-1024"}})
	r, err := decodeBytes(t, dcm, "signed.dcm")
	require.NoError(t, err)
	assert.Equal(t, AutoWindow(r), r.DefaultWindow)
	assert.Less(t, float64(r.Pix[0]), 0.0, "signed and rescaled")

	r, err = decodeBytes(t, encodePNG(t, gradient16(w, h)), "g.png")
	require.NoError(t, err)
	assert.Equal(t, AutoWindow(r), r.DefaultWindow)
}

func gradient16(w, h int) *image.Gray16 {
	g := image.NewGray16(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = byte(i * 7 % 251)
	}
	return g
}
