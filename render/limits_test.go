package render

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/radiograph"
)

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// TestPicturesAreBoundedWhateverTheRequest: a tiny thin PNG asked for at a
// small width, or any image at an absurd width, once made pictures of
// gigabytes (docs/render.md, "Every picture is bounded"); now none does.
func TestPicturesAreBoundedWhateverTheRequest(t *testing.T) {
	thin := func(h int) *radiograph.Radiograph {
		data := encodePNG(t, image.NewGray(image.Rect(0, 0, 1, h)))
		r, err := radiograph.Decode(context.Background(), bytes.NewReader(data), "thin.png", radiograph.LoadOptions{})
		require.NoError(t, err)
		return r
	}
	square := &radiograph.Radiograph{Width: 2048, Height: 2048, Pix: make([]float32, 2048*2048), DefaultWindow: radiograph.Window{Center: 0, Width: 1}}
	cases := []struct {
		name  string
		proto Protocol
		img   *radiograph.Radiograph
		req   Request
	}{
		// What `render --width 256` asked for: the width's cells, and rows
		// for the whole height.
		{"1x10000 at width 256", ProtocolSixel, thin(10000), Request{Cols: 26, Rows: 256*10000/20 + 1, MaxWidthPX: 256}},
		{"1x30000 at width 256", ProtocolSixel, thin(30000), Request{Cols: 26, Rows: 256*30000/20 + 1, MaxWidthPX: 256}},
		{"width 20000", ProtocolSixel, square, Request{Cols: 2000, Rows: 1001, MaxWidthPX: 20000}},
		{"huge cells", ProtocolKitty, square, Request{Cols: 1 << 30, Rows: 1 << 30, Cell: CellSize{W: 10, H: 20}}},
		{"iterm2", ProtocolITerm2, thin(30000), Request{Cols: 1 << 20, Rows: 1 << 20}},
		{"blocks", ProtocolBlocks, square, Request{Cols: 1 << 20, Rows: 1 << 20}},
		{"absurd cell size", ProtocolSixel, square, Request{Cols: 100, Rows: 100, Cell: CellSize{W: 1 << 20, H: 1 << 20}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			enc, err := NewEncoder(c.proto, Caps{TrueColor: true})
			require.NoError(t, err)
			req := c.req
			req.Image, req.Window = c.img, c.img.DefaultWindow
			var pic Picture
			n := allocated(func() { pic, err = enc.Encode(context.Background(), req) })
			require.NoError(t, err)
			area := MaxPicturePixels
			if c.proto == ProtocolBlocks {
				area = 2 * maxBlockCells
			}
			// Whole cells may add up to one cell to each side.
			assert.LessOrEqual(t, pic.WidthPX*pic.HeightPX, area+(pic.WidthPX+pic.HeightPX)*maxCell.H)
			assert.LessOrEqual(t, pic.WidthPX, MaxPictureSide+maxCell.W)
			assert.LessOrEqual(t, pic.HeightPX, MaxPictureSide+maxCell.H)
			assert.Less(t, n, uint64(300<<20), "allocated %d MB", n>>20)
		})
	}
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

// TestLargestPictureStaysWithinMemory draws the largest image the default
// limits accept (an 8192x8192 16-bit PNG, decoded into its reduced grid)
// at the largest size a request can ask for, and bounds what encoding
// allocates (docs/render.md, Limits).
func TestLargestPictureStaysWithinMemory(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("writes and decodes a 64 Mpx image (minutes under the race detector)")
	}
	const side = 8192
	p := filepath.Join(t.TempDir(), "largest.png")
	writePNGStream(t, p, side, side, 16, 0, func(y int, buf []byte) {
		for x := range side {
			binary.BigEndian.PutUint16(buf[2*x:], uint16((x+y)%4096))
		}
	})
	r, err := radiograph.Load(context.Background(), p, radiograph.LoadOptions{})
	require.NoError(t, err)
	enc, _ := NewEncoder(ProtocolSixel, Caps{})
	n := allocated(func() {
		_, err = enc.Encode(context.Background(), Request{Image: r, Window: r.DefaultWindow, Cols: 100000, Rows: 100000})
	})
	require.NoError(t, err)
	t.Logf("largest sixel picture: %d MB allocated", n>>20)
	assert.Less(t, n, uint64(200<<20))
}
