package render

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/ansi/sixel"
	"github.com/cxr-auditor/cxr-auditor/radiograph"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/draw"
)

// phantoms holds the committed synthetic phantoms.
const phantoms = "../testdata/phantoms"

func loadPhantom(t testing.TB, name string) *radiograph.Radiograph {
	t.Helper()
	r, err := radiograph.Load(context.Background(), filepath.Join(phantoms, name), radiograph.LoadOptions{})
	require.NoError(t, err)
	return r
}

func testOverlays() []Overlay {
	return []Overlay{
		{Box: schema.Box{Y0: 0.60, X0: 0.15, Y1: 0.80, X1: 0.42}, Label: schema.PleuralEffusion, Tag: "1 EFF"},
		{Box: schema.Box{Y0: 0.15, X0: 0.60, Y1: 0.62, X1: 0.84}, Label: schema.Pneumothorax, Urgent: true, Selected: true, Tag: "2 PTX"},
		{Box: schema.Box{Y0: 0.33, X0: 0.30, Y1: 0.38, X1: 0.36}, Label: schema.NoduleMass, Urgent: true},
		{Box: schema.Box{Y0: 0.48, X0: 0.38, Y1: 0.78, X1: 0.70}, Label: schema.Cardiomegaly},
	}
}

// reference is the independent path: full-resolution window to 8-bit grey,
// then Catmull-Rom scaling with x/image/draw.
func reference(r *radiograph.Radiograph, w radiograph.Window, rect image.Rectangle) *image.Gray {
	full := r.Gray(w)
	dst := image.NewGray(image.Rect(0, 0, rect.Dx(), rect.Dy()))
	draw.CatmullRom.Scale(dst, dst.Bounds(), full, full.Bounds(), draw.Src, nil)
	return dst
}

// overlayMask is the canvas with only the overlays drawn: index 0 where
// nothing is drawn, else 1 + the overlay slot (tag ink is index 0 too).
type overlayMask struct{ m *image.Paletted }

func newOverlayMask(g geometry, ovs []Overlay) overlayMask {
	pal := make(color.Palette, numOverlayColors+1)
	for i := range pal {
		pal[i] = color.Black
	}
	m := image.NewPaletted(g.canvas, pal)
	drawOverlays(m, g.img, ovs, 1)
	return overlayMask{m}
}

// at returns the label colour painted at (x, y), if any.
func (o overlayMask) at(x, y int) (color.RGBA, bool) {
	i := o.m.Pix[o.m.PixOffset(x, y)]
	if i == 0 {
		return color.RGBA{}, false
	}
	p := overlayPercent[i]
	return color.RGBA{pctTo8(p[0]), pctTo8(p[1]), pctTo8(p[2]), 255}, true
}

func (o overlayMask) count() int {
	n := 0
	for _, v := range o.m.Pix {
		if v != 0 {
			n++
		}
	}
	return n
}

// rgbaAt reads a pixel of a decoded *image.RGBA (or any image) quickly.
func rgbaAt(img image.Image, x, y int) color.RGBA {
	if m, ok := img.(*image.RGBA); ok {
		i := m.PixOffset(x, y)
		return color.RGBA{m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3]}
	}
	return color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
}

// decodeSixel decodes a whole DCS sixel sequence with charmbracelet's
// decoder, which wants the part after the 'q' and before ST.
//
// Repeats are expanded first: the decoder (x/ansi v0.11.9, sixel/decoder.go)
// reads a repeat's argument while bytes are digits or sixel characters, so
// "!3~?~~" paints three columns and silently drops the "?~~" after it (and a
// repeat at the very end paints nothing). go-sixel emits exactly such runs.
func decodeSixel(raw []byte) (image.Image, error) {
	if !bytes.HasPrefix(raw, []byte("\x1bP")) || !bytes.HasSuffix(raw, []byte("\x1b\\")) {
		return nil, fmt.Errorf("not a DCS sequence: %q", raw[:min(len(raw), 20)])
	}
	q := bytes.IndexByte(raw, 'q')
	if q < 0 {
		return nil, fmt.Errorf("no sixel introducer")
	}
	return (&sixel.Decoder{}).Decode(bytes.NewReader(expandRepeats(raw[q+1 : len(raw)-2])))
}

// expandRepeats rewrites every "!<n><c>" as n copies of c.
func expandRepeats(b []byte) []byte {
	out := make([]byte, 0, len(b)*2)
	for i := 0; i < len(b); i++ {
		if b[i] != '!' {
			out = append(out, b[i])
			continue
		}
		n := 0
		j := i + 1
		for ; j < len(b) && b[j] >= '0' && b[j] <= '9'; j++ {
			n = n*10 + int(b[j]-'0')
		}
		if j < len(b) {
			out = append(out, bytes.Repeat([]byte{b[j]}, n)...)
		}
		i = j
	}
	return out
}

func psnr(sum float64, n int) float64 {
	mse := sum / float64(n)
	if mse == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/mse)
}

func TestSixelFidelity(t *testing.T) {
	r := loadPhantom(t, "phantom-effusion-16bit.png")
	ovs := testOverlays()
	enc, err := NewEncoder(ProtocolSixel, Caps{ColorRegisters: 256})
	require.NoError(t, err)
	req := Request{Image: r, Window: r.DefaultWindow, Overlays: ovs, ShowBoxes: true, Cols: 40, Rows: 24, Cell: CellSize{W: 10, H: 20}}
	pic, err := enc.Encode(context.Background(), req)
	require.NoError(t, err)
	require.NotEmpty(t, pic.Raw)
	assert.True(t, pic.AtCursor)

	img, err := decodeSixel(pic.Raw)
	require.NoError(t, err)
	require.Equal(t, pic.WidthPX, img.Bounds().Dx())
	require.Equal(t, pic.HeightPX, img.Bounds().Dy())
	// No letterbox: the picture is the image, on as many cells as it
	// touches.
	assert.Equal(t, 20*24, pic.HeightPX, "fills the rows")
	assert.Equal(t, 480*r.Width/r.Height, pic.WidthPX, "keeps the aspect ratio")
	assert.Equal(t, (pic.WidthPX+9)/10, pic.Cols)

	g := enc.(*encoder).layout(enc.(*encoder).withDefaults(req))
	ref := reference(r, r.DefaultWindow, g.img)
	mask := newOverlayMask(g, ovs)
	require.Positive(t, mask.count())
	var sum float64
	var n, exact int
	for y := g.img.Min.Y; y < g.img.Max.Y; y++ {
		for x := g.img.Min.X; x < g.img.Max.X; x++ {
			got := rgbaAt(img, x, y)
			if want, ok := mask.at(x, y); ok {
				if got != want {
					t.Fatalf("overlay pixel %d,%d is %v, want %v", x, y, got, want)
				}
				exact++
				continue
			}
			if got.R != got.G || got.G != got.B || got.A != 255 {
				t.Fatalf("pixel %d,%d is %v, want an opaque grey", x, y, got)
			}
			d := float64(got.R) - float64(ref.GrayAt(x-g.img.Min.X, y-g.img.Min.Y).Y)
			sum += d * d
			n++
		}
	}
	p := psnr(sum, n)
	t.Logf("sixel vs Catmull-Rom reference: PSNR %.1f dB over %d pixels, %d overlay pixels exact", p, n, exact)
	assert.GreaterOrEqual(t, p, 30.0)

	// Padding outside the image is black.
	if g.img.Min.X > 0 {
		assert.Equal(t, color.RGBA{0, 0, 0, 255}, color.RGBAModel.Convert(img.At(0, pic.HeightPX/2)))
	}
}

func TestSixelRespectsColorRegisters(t *testing.T) {
	r := loadPhantom(t, "phantom-nodule.jpg")
	reg := regexp.MustCompile(`#(\d+);2;`)
	for _, regs := range []int{16, 64, 256} {
		enc, err := NewEncoder(ProtocolSixel, Caps{ColorRegisters: regs})
		require.NoError(t, err)
		pic, err := enc.Encode(context.Background(), Request{Image: r, Window: r.DefaultWindow, Cols: 40, Rows: 20})
		require.NoError(t, err)
		highest := 0
		for _, m := range reg.FindAllStringSubmatch(string(pic.Raw), -1) {
			highest = max(highest, atoi(m[1]))
		}
		assert.Less(t, highest, regs, "registers used with %d available", regs)
		assert.Equal(t, min(MaxSixelGrays, regs-numOverlayColors)+numOverlayColors-1, highest)
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// apcPayloads extracts the base64 payloads of kitty APC sequences and their
// option strings.
func apcPayloads(raw []byte) (opts []string, payload string) {
	re := regexp.MustCompile(`\x1b_G([^;\x1b]*)(?:;([^\x1b]*))?\x1b\\`)
	for _, m := range re.FindAllSubmatch(raw, -1) {
		opts = append(opts, string(m[1]))
		payload += string(m[2])
	}
	return opts, payload
}

func decodeB64PNG(t *testing.T, s string) image.Image {
	t.Helper()
	data, err := base64.StdEncoding.DecodeString(s)
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(data))
	require.NoError(t, err)
	return img
}

// canvasOf re-renders the canvas a PNG protocol sends, for comparison.
func comparePNG(t *testing.T, e Encoder, req Request, got image.Image) {
	t.Helper()
	enc := e.(*encoder)
	req = enc.withDefaults(req)
	g := enc.layout(req)
	want := enc.canvasFor(req, g, grayPalette(240, false), 240, false)
	require.Equal(t, want.Bounds(), got.Bounds())
	wantRGBA := make([]color.RGBA, len(want.Palette))
	for i, c := range want.Palette {
		wantRGBA[i] = color.RGBAModel.Convert(c).(color.RGBA)
	}
	for y := 0; y < want.Rect.Dy(); y++ {
		for x := 0; x < want.Rect.Dx(); x++ {
			if w, g := wantRGBA[want.Pix[want.PixOffset(x, y)]], rgbaAt(got, x, y); w != g {
				t.Fatalf("pixel %d,%d is %v, want %v", x, y, g, w)
			}
		}
	}
	// And the grey pixels track the independent reference.
	ref := reference(req.Image, req.Window, g.img)
	mask := newOverlayMask(g, req.Overlays)
	var sum float64
	var n int
	for y := g.img.Min.Y; y < g.img.Max.Y; y++ {
		for x := g.img.Min.X; x < g.img.Max.X; x++ {
			if _, ok := mask.at(x, y); ok {
				continue
			}
			c := rgbaAt(got, x, y)
			d := float64(c.R) - float64(ref.GrayAt(x-g.img.Min.X, y-g.img.Min.Y).Y)
			sum += d * d
			n++
		}
	}
	assert.GreaterOrEqual(t, psnr(sum, n), 30.0)
}

func TestKittyPicture(t *testing.T) {
	r := loadPhantom(t, "phantom-cardiomegaly-landscape.png")
	enc, err := NewEncoder(ProtocolKitty, Caps{KittyPlaceholders: true})
	require.NoError(t, err)
	req := Request{Image: r, Window: r.DefaultWindow, Overlays: testOverlays(), ShowBoxes: true, Cols: 40, Rows: 16, Cell: CellSize{W: 8, H: 16}}
	pic, err := enc.Encode(context.Background(), req)
	require.NoError(t, err)

	opts, payload := apcPayloads(pic.Raw)
	require.GreaterOrEqual(t, len(opts), 2)
	id := kittyID(pic.Key)
	assert.NotContains(t, opts[0], "a=", "a=t (transmit only) is the default")
	assert.Contains(t, opts[0], "f=100")
	assert.Contains(t, opts[0], "i="+itoa(id))
	last := opts[len(opts)-1]
	for _, want := range []string{"a=p", "U=1", "i=" + itoa(id), "c=" + itoa(pic.Cols), "r=" + itoa(pic.Rows)} {
		assert.Contains(t, last, want)
	}
	comparePNG(t, enc, req, decodeB64PNG(t, payload))
	relOpts, _ := apcPayloads(pic.Release)
	require.Len(t, relOpts, 1)
	for _, want := range []string{"a=d", "d=I", "i=" + itoa(id)} {
		assert.Contains(t, relOpts[0], want)
	}

	lines := strings.Split(pic.Cells, "\n")
	require.Len(t, lines, pic.Rows)
	fg := "\x1b[38;2;" + itoa(id>>16&255) + ";" + itoa(id>>8&255) + ";" + itoa(id&255) + "m"
	for _, l := range lines {
		assert.True(t, strings.HasPrefix(l, fg), "placeholder colour carries the image id")
		assert.Equal(t, pic.Cols, strings.Count(l, "\U0010EEEE"))
		assert.Equal(t, pic.Cols, ansi.StringWidth(l), "one cell per placeholder for layout code")
	}
	assert.False(t, pic.AtCursor, "placeholders place the picture in band")
}

// TestKittyDirectPlacement: without Unicode placeholders (kitty 0.26.5
// rejects U=1) the picture is transmitted and put at the cursor in
// one command, with a fixed image and placement id per encoder, the cursor
// left where it is, replies suppressed; each picture first deletes the
// previous one, and Release deletes it.
func TestKittyDirectPlacement(t *testing.T) {
	r := loadPhantom(t, "phantom-cardiomegaly-landscape.png")
	enc, err := NewEncoder(ProtocolKitty, Caps{Terminal: "kitty(0.26.5)"})
	require.NoError(t, err)
	req := Request{Image: r, Window: r.DefaultWindow, Overlays: testOverlays(), ShowBoxes: true, Cols: 40, Rows: 16, Cell: CellSize{W: 8, H: 16}}
	pic, err := enc.Encode(context.Background(), req)
	require.NoError(t, err)
	assert.NotContains(t, string(pic.Raw), "U=1")
	assert.NotContains(t, pic.Cells, "\U0010EEEE")
	assert.Equal(t, blankCells(pic.Cols, pic.Rows), pic.Cells, "room reserved like sixel")

	opts, payload := apcPayloads(pic.Raw)
	require.GreaterOrEqual(t, len(opts), 2)
	id := regexp.MustCompile(`i=(\d+)`).FindStringSubmatch(opts[0])
	require.NotNil(t, id)
	for _, want := range []string{"a=d", "d=I", "q=2"} {
		assert.Contains(t, opts[0], want, "delete the previous picture first")
	}
	for _, want := range []string{"a=T", "f=100", "p=1", "C=1", "q=2", "i=" + id[1], "c=" + itoa(pic.Cols), "r=" + itoa(pic.Rows)} {
		assert.Contains(t, opts[1], want, "scaled to exactly the cells it reserves, whatever the real cell size")
	}
	assert.True(t, pic.AtCursor, "the caller must move the cursor to the pane first")
	comparePNG(t, enc, req, decodeB64PNG(t, payload))
	assert.Equal(t, pic.Raw[:len(pic.Release)], pic.Release)

	// A new window: same ids, so the terminal replaces the picture.
	req.Window = req.Window.Adjust(0.1, 1)
	pic2, err := enc.Encode(context.Background(), req)
	require.NoError(t, err)
	assert.NotEqual(t, pic.Key, pic2.Key)
	opts2, _ := apcPayloads(pic2.Raw)
	assert.Contains(t, opts2[1], "i="+id[1])
	assert.Equal(t, pic.Release, pic2.Release)
	// The layout is not limited to the placeholders' 297 cells.
	req.Cols, req.Rows = 400, 400
	big, err := enc.Encode(context.Background(), req)
	require.NoError(t, err)
	assert.Greater(t, big.Cols, kittyMaxCells)
}

func TestKittyPlaceholdersFor(t *testing.T) {
	for term, want := range map[string]bool{
		"kitty(0.26.5)": false, "kitty(0.27.1)": false, "kitty(0.28.0)": true, "kitty(0.35.2)": true, "kitty(1.0.0)": true,
		"ghostty 1.1.3": true, "XTerm(390)": false, "": false, "WezTerm 20240203": false,
	} {
		assert.Equal(t, want, placeholdersFor(term), term)
	}
	c, err := Detect(context.Background(), newFakeTTY(t, "\x1bP>|kitty(0.26.5)\x1b\\\x1b_Gi=31;OK\x1b\\\x1b[?62;c"), env(), time.Second)
	require.NoError(t, err)
	assert.True(t, c.Kitty)
	assert.False(t, c.KittyPlaceholders)
	c, err = Detect(context.Background(), newFakeTTY(t, "\x1bP>|kitty(0.32.2)\x1b\\\x1b[?62;c"), env(), time.Second)
	require.NoError(t, err)
	assert.True(t, c.KittyPlaceholders)
	c, err = Detect(context.Background(), newFakeTTY(t, "\x1bP>|kitty(0.32.2)\x1b\\\x1b[?62;c"), env(EnvKittyPlaceholders, "0"), time.Second)
	require.NoError(t, err)
	assert.False(t, c.KittyPlaceholders)
}

func itoa(n int) string { return strconvItoa(n) }

func TestITerm2Picture(t *testing.T) {
	r := loadPhantom(t, "phantom-normal.png")
	enc, err := NewEncoder(ProtocolITerm2, Caps{CellW: 9, CellH: 18})
	require.NoError(t, err)
	req := Request{Image: r, Window: radiograph.Window{Center: 120, Width: 200}, Overlays: testOverlays(), ShowBoxes: true, Cols: 30, Rows: 20}
	pic, err := enc.Encode(context.Background(), req)
	require.NoError(t, err)
	m := regexp.MustCompile(`^\x1b\]1337;File=([^:]*):([A-Za-z0-9+/=]+)\x07$`).FindSubmatch(pic.Raw)
	require.NotNil(t, m, "OSC 1337 File sequence")
	args := string(m[1])
	img := decodeB64PNG(t, string(m[2]))
	for _, want := range []string{"inline=1", "preserveAspectRatio=0", "width=" + itoa(img.Bounds().Dx()) + "px", "height=" + itoa(img.Bounds().Dy()) + "px"} {
		assert.Contains(t, args, want)
	}
	assert.Equal(t, 30*9, img.Bounds().Dx(), "cell size from Caps")
	assert.Equal(t, (img.Bounds().Dx()+8)/9, pic.Cols)
	comparePNG(t, enc, req, img)
	assert.Equal(t, blankCells(pic.Cols, pic.Rows), pic.Cells)
}

func TestBlocksPicture(t *testing.T) {
	r := loadPhantom(t, "phantom-nodule.jpg")
	for _, tc := range []struct {
		name string
		caps Caps
		sgr  string
	}{{"truecolor", Caps{TrueColor: true}, "38;2;"}, {"256 colours", Caps{}, "38;5;"}} {
		t.Run(tc.name, func(t *testing.T) {
			enc, err := NewEncoder(ProtocolBlocks, tc.caps)
			require.NoError(t, err)
			pic, err := enc.Encode(context.Background(), Request{Image: r, Window: r.DefaultWindow, Overlays: testOverlays(), ShowBoxes: true, Cols: 70, Rows: 30})
			require.NoError(t, err)
			assert.Nil(t, pic.Raw)
			assert.Nil(t, pic.Release)
			lines := strings.Split(pic.Cells, "\n")
			require.Len(t, lines, pic.Rows)
			assert.LessOrEqual(t, pic.Rows, 30)
			assert.LessOrEqual(t, pic.Cols, 70)
			for _, l := range lines {
				assert.Equal(t, pic.Cols, ansi.StringWidth(l))
				assert.True(t, strings.HasSuffix(l, "\x1b[0m"))
			}
			assert.Contains(t, pic.Cells, tc.sgr)
			assert.NotContains(t, pic.Cells, map[string]string{"38;2;": "38;5;", "38;5;": "38;2;"}[tc.sgr])
			// The portrait image in a wide pane is limited by height: with
			// 10x20 cells, 30 rows are 60 half-block pixels.
			assert.Equal(t, 30, pic.Rows)
		})
	}
	// The pneumothorax colour is in the picture when boxes are shown.
	enc, _ := NewEncoder(ProtocolBlocks, Caps{TrueColor: true})
	c := labelColor(schema.Pneumothorax)
	want := "38;2;" + itoa(int(c.R)) + ";" + itoa(int(c.G)) + ";" + itoa(int(c.B))
	on, err := enc.Encode(context.Background(), Request{Image: r, Window: r.DefaultWindow, Overlays: testOverlays(), ShowBoxes: true, Cols: 70, Rows: 30})
	require.NoError(t, err)
	off, err := enc.Encode(context.Background(), Request{Image: r, Window: r.DefaultWindow, Overlays: testOverlays(), Cols: 70, Rows: 30})
	require.NoError(t, err)
	assert.True(t, strings.Contains(on.Cells, want) || strings.Contains(on.Cells, strings.Replace(want, "38;", "48;", 1)))
	assert.NotContains(t, off.Cells, want)
}

func TestXterm256(t *testing.T) {
	assert.Equal(t, uint8(16), xterm256(color.RGBA{0, 0, 0, 255}))
	assert.Equal(t, uint8(231), xterm256(color.RGBA{255, 255, 255, 255}))
	assert.Equal(t, uint8(196), xterm256(color.RGBA{255, 0, 0, 255}))
	assert.Equal(t, uint8(244), xterm256(color.RGBA{128, 128, 128, 255}))
}

func TestTextPicture(t *testing.T) {
	r := loadPhantom(t, "phantom-ptx-mono1.dcm")
	box := schema.Box{Y0: 0.15, X0: 0.6, Y1: 0.62, X1: 0.845}
	enc, err := NewEncoder(ProtocolText, Caps{})
	require.NoError(t, err)
	req := Request{
		Image: r, Window: r.DefaultWindow, Cols: 40, Rows: 20,
		Findings: []schema.Finding{{Label: schema.Pneumothorax, Box: &box}, {Label: schema.Cardiomegaly}},
		Overlays: []Overlay{{Box: box, Label: schema.Pneumothorax, Urgent: true}},
	}
	pic, err := enc.Encode(context.Background(), req)
	require.NoError(t, err)
	assert.Nil(t, pic.Raw)
	for _, want := range []string{"pneumothorax", "[URGENT]", "y0=0.150", "x 307-433", "y 93-387", "cardiomegaly", "no box", "512x624"} {
		assert.Contains(t, strings.ReplaceAll(pic.Cells, "\n", " "), want)
	}
	lines := strings.Split(pic.Cells, "\n")
	assert.Equal(t, pic.Rows, len(lines))
	for _, l := range lines {
		assert.LessOrEqual(t, ansi.StringWidth(l), 40)
	}
	// Too little room: cut, and says so.
	req.Rows = 2
	pic, err = enc.Encode(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, 2, pic.Rows)
	assert.Contains(t, pic.Cells, "more lines")
	// Tagged overlays are listed by their tag.
	req.Rows, req.Overlays[0].Tag = 20, "2"
	pic, err = enc.Encode(context.Background(), req)
	require.NoError(t, err)
	assert.Contains(t, pic.Cells, "[2] pneumothorax [URGENT]")
	assert.Contains(t, pic.Cells, "2. cardiomegaly", "untagged findings keep their number")
	// No image at all is fine for text.
	pic, err = enc.Encode(context.Background(), Request{Cols: 30, Rows: 5})
	require.NoError(t, err)
	assert.Contains(t, pic.Cells, "no findings")
}

func TestEncoderCacheAndKeys(t *testing.T) {
	r := loadPhantom(t, "phantom-nodule.jpg")
	enc, err := NewEncoder(ProtocolSixel, Caps{})
	require.NoError(t, err)
	req := Request{Image: r, Window: r.DefaultWindow, Overlays: testOverlays(), ShowBoxes: true, Cols: 30, Rows: 20}
	a, err := enc.Encode(context.Background(), req)
	require.NoError(t, err)
	b, err := enc.Encode(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, a.Key, b.Key)
	assert.Same(t, &a.Raw[0], &b.Raw[0], "served from the cache")

	changes := map[string]func(Request) Request{
		"window":   func(q Request) Request { q.Window = q.Window.Adjust(0.1, 1); return q },
		"size":     func(q Request) Request { q.Cols = 25; return q },
		"boxes":    func(q Request) Request { q.ShowBoxes = false; return q },
		"selected": func(q Request) Request { q.Overlays = testOverlays(); q.Overlays[0].Selected = true; return q },
	}
	for name, f := range changes {
		c, err := enc.Encode(context.Background(), f(req))
		require.NoError(t, err)
		assert.NotEqual(t, a.Key, c.Key, name)
		assert.NotEqual(t, a.Raw, c.Raw, name)
	}
	// Overlays do not matter while boxes are hidden.
	hidden := req
	hidden.ShowBoxes = false
	h1, _ := enc.Encode(context.Background(), hidden)
	hidden.Overlays = nil
	h2, _ := enc.Encode(context.Background(), hidden)
	assert.Equal(t, h1.Key, h2.Key)
}

func TestEncoderLayout(t *testing.T) {
	portrait := &radiograph.Radiograph{Width: 1000, Height: 1250, Pix: make([]float32, 1000*1250)}
	landscape := &radiograph.Radiograph{Width: 1600, Height: 900, Pix: make([]float32, 1600*900)}
	cases := []struct {
		name       string
		img        *radiograph.Radiograph
		proto      Protocol
		cols, rows int
		maxW       int
		wantCols   int
		wantRows   int
	}{
		{"portrait limited by rows", portrait, ProtocolSixel, 100, 40, 0, 64, 40},
		{"landscape limited by cols", landscape, ProtocolSixel, 40, 40, 0, 40, 12},
		{"max width caps pixels", landscape, ProtocolSixel, 200, 100, 1024, 103, 29},
		{"blocks use half cells", portrait, ProtocolBlocks, 100, 40, 0, 64, 40},
		{"kitty placeholders are capped at 297 cells", landscape, ProtocolKitty, 1000, 1000, 0, 297, 84},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, err := NewEncoder(tc.proto, Caps{KittyPlaceholders: true})
			require.NoError(t, err)
			g := e.(*encoder).layout(Request{Image: tc.img, Cols: tc.cols, Rows: tc.rows, Cell: DefaultCell, MaxWidthPX: tc.maxW})
			assert.Equal(t, tc.wantCols, g.cols)
			assert.Equal(t, tc.wantRows, g.rows)
			assert.True(t, g.img.In(g.canvas))
			// The aspect ratio survives within a cell's rounding.
			pw, ph := 1.0, 1.0
			if tc.proto == ProtocolBlocks {
				pw, ph = float64(DefaultCell.W), float64(DefaultCell.H)/2
			}
			ar := float64(g.img.Dx()) * pw / (float64(g.img.Dy()) * ph)
			assert.InDelta(t, float64(tc.img.Width)/float64(tc.img.Height), ar, 0.02)
			if tc.maxW > 0 {
				assert.LessOrEqual(t, g.img.Dx(), tc.maxW)
			}
		})
	}
}

func TestTmuxPassthrough(t *testing.T) {
	r := loadPhantom(t, "phantom-nodule.jpg")
	for _, p := range []Protocol{ProtocolSixel, ProtocolITerm2, ProtocolKitty} {
		enc, err := NewEncoder(p, Caps{InTmux: true, TmuxPassthrough: true})
		require.NoError(t, err)
		pic, err := enc.Encode(context.Background(), Request{Image: r, Window: r.DefaultWindow, Cols: 20, Rows: 10})
		require.NoError(t, err, p)
		assert.True(t, bytes.HasPrefix(pic.Raw, []byte("\x1bPtmux;\x1b\x1b")), "%s wrapped with doubled ESC", p)
		plain, _ := NewEncoder(p, Caps{InTmux: true})
		pp, err := plain.Encode(context.Background(), Request{Image: r, Window: r.DefaultWindow, Cols: 20, Rows: 10})
		require.NoError(t, err)
		assert.False(t, bytes.Contains(pp.Raw, []byte("tmux;")), "%s not wrapped without passthrough", p)
	}
}

func TestEncodeErrors(t *testing.T) {
	_, err := NewEncoder("ascii-art", Caps{})
	require.Error(t, err)
	enc, _ := NewEncoder(ProtocolSixel, Caps{})
	_, err = enc.Encode(context.Background(), Request{Cols: 10, Rows: 10})
	require.ErrorIs(t, err, ErrNoImage)
	r := loadPhantom(t, "phantom-nodule.jpg")
	_, err = enc.Encode(context.Background(), Request{Image: r, Cols: 0, Rows: 10})
	require.Error(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = enc.Encode(ctx, Request{Image: r, Cols: 10, Rows: 10})
	require.ErrorIs(t, err, context.Canceled)
}

// labelColor is a label's overlay colour in 8 bits per channel.
func labelColor(l schema.Label) color.RGBA {
	p := overlayPercent[overlaySlot(l)]
	return color.RGBA{R: pctTo8(p[0]), G: pctTo8(p[1]), B: pctTo8(p[2]), A: 0xFF}
}

func TestLabelColorsAreSixelExact(t *testing.T) {
	seen := map[color.RGBA]bool{}
	for _, l := range append(schema.Labels(), "other") {
		c := labelColor(l)
		assert.False(t, seen[c], "distinct colour for %s", l)
		seen[c] = true
		for _, v := range []uint8{c.R, c.G, c.B} {
			p := int(math.Round(float64(v) * 100 / 255))
			assert.Equal(t, v, pctTo8(p), "%s channel %d is a whole percent", l, v)
		}
	}
	assert.Equal(t, color.RGBA{214, 94, 0, 255}, labelColor(schema.Pneumothorax), "Okabe-Ito vermillion")
	assert.Equal(t, "PTX", ShortLabel(schema.Pneumothorax))
}

func strconvItoa(n int) string { return strconv.Itoa(n) }

func TestCacheKeysDistinguishImagesNotAddresses(t *testing.T) {
	// Two radiographs with the same content are different images to the
	// cache; one radiograph keeps its key across calls.
	mk := func() *radiograph.Radiograph {
		return &radiograph.Radiograph{Width: 4, Height: 4, Pix: make([]float32, 16), DefaultWindow: radiograph.Window{Center: 0, Width: 1}}
	}
	a, b := mk(), mk()
	enc, err := NewEncoder(ProtocolBlocks, Caps{})
	require.NoError(t, err)
	pa, err := enc.Encode(context.Background(), Request{Image: a, Window: a.DefaultWindow, Cols: 4, Rows: 2})
	require.NoError(t, err)
	pb, err := enc.Encode(context.Background(), Request{Image: b, Window: b.DefaultWindow, Cols: 4, Rows: 2})
	require.NoError(t, err)
	assert.NotEqual(t, pa.Key, pb.Key)
	again, err := enc.Encode(context.Background(), Request{Image: a, Window: a.DefaultWindow, Cols: 4, Rows: 2})
	require.NoError(t, err)
	assert.Equal(t, pa.Key, again.Key)
}
