package render

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"math"
	"strings"
	"sync"

	"github.com/cxr-auditor/cxr-auditor/radiograph"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Protocol is a way of showing an image in a terminal.
type Protocol string

// The protocols, in the order Choose prefers them.
const (
	// ProtocolKitty is the kitty graphics protocol with Unicode placeholders
	// (kitty, Ghostty, recent WezTerm and Konsole).
	ProtocolKitty Protocol = "kitty"
	// ProtocolSixel is DEC sixel graphics (xterm -ti vt340, foot, mlterm,
	// WezTerm, Windows Terminal, iTerm2).
	ProtocolSixel Protocol = "sixel"
	// ProtocolITerm2 is iTerm2's inline images (OSC 1337; iTerm2, WezTerm).
	ProtocolITerm2 Protocol = "iterm2"
	// ProtocolBlocks draws with upper half blocks, two pixels per cell, in
	// true colour or 256 colours. Works in any colour terminal, over SSH and
	// in tmux.
	ProtocolBlocks Protocol = "blocks"
	// ProtocolText draws no image: it lists the findings and their boxes.
	ProtocolText Protocol = "text"
)

// Protocols returns every protocol in preference order. The slice is new on
// every call.
func Protocols() []Protocol {
	return []Protocol{ProtocolKitty, ProtocolSixel, ProtocolITerm2, ProtocolBlocks, ProtocolText}
}

// ErrNoImage is returned when a graphical encoder is asked to encode a
// request without an image.
var ErrNoImage = errors.New("no image to encode")

// CellSize is the size of one terminal cell in pixels.
type CellSize struct{ W, H int }

func (c CellSize) valid() bool { return c.W > 0 && c.H > 0 && c.W <= maxCell.W && c.H <= maxCell.H }

// DefaultCell is assumed when neither the request nor the terminal reports
// a cell size: 10x20, a common monospace font at 100% scale.
var DefaultCell = CellSize{W: 10, H: 20}

// MaxPictureSide and MaxPicturePixels bound every picture's canvas, whatever
// the request's cells, cell size or MaxWidthPX say: a side of 8192 px (twice
// a 4K screen's width) and 8 Mpx (a whole 4K screen), so a 1x10000 image
// asked for at 256 px wide, or a width of 20000, cannot make a picture of
// gigabytes. The picture keeps its aspect ratio inside the bounds.
const (
	MaxPictureSide   = 8192
	MaxPicturePixels = 8 << 20
)

// maxBlockCells bounds a half-block picture: about a million cells (each
// costs some 20 bytes of escape sequences).
const maxBlockCells = 1 << 20

// maxCell is the largest believable cell size; a terminal reporting more is
// ignored in favour of DefaultCell.
var maxCell = CellSize{W: 256, H: 512}

// Request is what to draw and in how much room.
type Request struct {
	// Image is the decoded radiograph; only the text protocol accepts nil.
	Image *radiograph.Radiograph
	// Window is applied with the image's VOI function and inversion.
	Window radiograph.Window
	// Overlays are drawn when ShowBoxes is true.
	Overlays  []Overlay
	ShowBoxes bool
	// Cols and Rows are the cells available; the picture keeps the image's
	// aspect ratio and uses at most this many.
	Cols, Rows int
	// Cell is the cell size in pixels; zero means the encoder's Caps, then
	// DefaultCell.
	Cell CellSize
	// MaxWidthPX optionally caps the picture's pixel width (0: no cap).
	MaxWidthPX int
	// Findings are listed by the text protocol (Overlays are used when
	// Findings is empty).
	Findings []schema.Finding
}

// Picture is an encoded image, ready to write.
type Picture struct {
	// Cells is the in-band part: exactly Rows lines joined by "\n", each at
	// most Cols cells wide. Half blocks, text and kitty placeholders live
	// here; for sixel and iTerm2 the lines are blank (spaces), reserving the
	// room Raw draws over.
	Cells string
	// Raw is the out-of-band escape sequence, written with the cursor at the
	// pane's top-left cell (sixel, iTerm2, the kitty image transmission),
	// already wrapped for tmux passthrough when Caps asked for it; nil for
	// blocks and text.
	Raw []byte
	// Cols and Rows are the cells the picture occupies.
	Cols, Rows int
	// Key identifies the output: equal Keys mean identical Cells and Raw,
	// so a TUI need not resend a picture whose Key has not changed.
	Key string
	// WidthPX and HeightPX are the pixel size of the drawn canvas (0 for
	// text).
	WidthPX, HeightPX int
	// Release is the escape sequence that frees what the terminal keeps for
	// this picture once it is no longer shown (kitty: delete the image and
	// its data); nil when there is nothing to free. For a kitty picture
	// placed at the cursor it also removes the picture from the screen.
	Release []byte
	// AtCursor is true when Raw draws the picture itself where the cursor
	// is (sixel, iTerm2, kitty graphics placed directly), and Cells are
	// blank, only reserving its room: a TUI must move the cursor to the
	// pane's top-left cell before writing Raw, and remove the picture
	// itself (Release, else by blanking its cells) when it no longer
	// belongs on the screen. False for in-band pictures (half-blocks, text,
	// kitty Unicode placeholders).
	AtCursor bool
}

// Encoder turns requests into pictures for one protocol. Implementations
// cache recent pictures by (image, size, window, overlay state) and the
// scaled image by (image, size), so a window change re-windows an
// already-scaled buffer. Encoders are safe for concurrent use.
type Encoder interface {
	Protocol() Protocol
	Encode(ctx context.Context, req Request) (Picture, error)
}

// NewEncoder returns the encoder for p, configured by caps (colour
// registers for sixel, true colour for blocks, cell size, tmux).
func NewEncoder(p Protocol, caps Caps) (Encoder, error) {
	e := &encoder{proto: p, caps: caps}
	switch p {
	case ProtocolSixel:
		e.encode = e.encodeSixel
	case ProtocolKitty:
		e.encode = e.encodeKitty
	case ProtocolITerm2:
		e.encode = e.encodeITerm2
	case ProtocolBlocks:
		e.encode = e.encodeBlocks
	case ProtocolText:
		e.encode = e.encodeText
	default:
		return nil, fmt.Errorf("unknown graphics protocol %q (want one of kitty, sixel, iterm2, blocks, text)", p)
	}
	return e, nil
}

// encoder is the one implementation: a protocol-specific back end behind a
// shared cache and layout.
type encoder struct {
	proto  Protocol
	caps   Caps
	encode func(ctx context.Context, req Request, g geometry) (Picture, error)

	mu     sync.Mutex
	pics   lru[string, Picture]
	scaled lru[scaleKey, []float32]
	sixel  sixelState
	// sixelOverride replaces the sixel profile (measurements only).
	sixelOverride *sixelProfile
	// kittyImage is the image id of direct kitty placements, set once.
	kittyOnce  sync.Once
	kittyImage int
}

type scaleKey struct {
	img  uint64 // Radiograph.identity
	w, h int
}

func (e *encoder) Protocol() Protocol { return e.proto }

// Encode implements Encoder.
func (e *encoder) Encode(ctx context.Context, req Request) (Picture, error) {
	if err := ctx.Err(); err != nil {
		return Picture{}, err
	}
	if req.Cols <= 0 || req.Rows <= 0 {
		return Picture{}, fmt.Errorf("render %s: no room (%dx%d cells)", e.proto, req.Cols, req.Rows)
	}
	if req.Image == nil && e.proto != ProtocolText {
		return Picture{}, fmt.Errorf("render %s: %w", e.proto, ErrNoImage)
	}
	if req.Image != nil && (req.Image.Width <= 0 || req.Image.Height <= 0 || len(req.Image.Pix) != req.Image.Width*req.Image.Height) {
		return Picture{}, fmt.Errorf("render %s: inconsistent radiograph %s", e.proto, req.Image.Source)
	}
	req = e.withDefaults(req)
	key := e.key(req)
	e.mu.Lock()
	defer e.mu.Unlock()
	if p, ok := e.pics.get(key); ok {
		return p, nil
	}
	var g geometry
	if req.Image != nil {
		g = e.layout(req)
	}
	g.key = key
	p, err := e.encode(ctx, req, g)
	if err != nil {
		return Picture{}, fmt.Errorf("render %s %s: %w", e.proto, sourceOf(req.Image), err)
	}
	p.Key = key
	e.pics.put(key, p, 8)
	return p, nil
}

// withDefaults fills the cell size from Caps, then DefaultCell.
func (e *encoder) withDefaults(req Request) Request {
	if !req.Cell.valid() {
		req.Cell = CellSize{W: e.caps.CellW, H: e.caps.CellH}
		if !req.Cell.valid() {
			req.Cell = DefaultCell
		}
	}
	return req
}

func sourceOf(r *radiograph.Radiograph) string {
	if r == nil {
		return ""
	}
	return r.Source
}

// key hashes everything that changes the output.
func (e *encoder) key(req Request) string {
	h := fnv.New64a()
	put := func(vs ...any) {
		for _, v := range vs {
			switch v := v.(type) {
			case string:
				h.Write([]byte(v))
				h.Write([]byte{0})
			case float64:
				_ = binary.Write(h, binary.LittleEndian, math.Float64bits(v))
			case int:
				_ = binary.Write(h, binary.LittleEndian, int64(v))
			case bool:
				if v {
					h.Write([]byte{1})
				} else {
					h.Write([]byte{0})
				}
			}
		}
	}
	var img uint64
	if req.Image != nil {
		img = req.Image.ID()
	}
	put(string(e.proto), int(img), req.Window.Center, req.Window.Width, req.ShowBoxes,
		req.Cols, req.Rows, req.Cell.W, req.Cell.H, req.MaxWidthPX, e.caps.ColorRegisters, e.caps.TrueColor,
		e.caps.InTmux && e.caps.TmuxPassthrough, e.caps.lean(), e.caps.KittyPlaceholders)
	if req.ShowBoxes || e.proto == ProtocolText {
		for _, o := range req.Overlays {
			put(o.Box.Y0, o.Box.X0, o.Box.Y1, o.Box.X1, string(o.Label), o.Urgent, o.Selected, o.Tag, o.Truth)
		}
	}
	if e.proto == ProtocolText {
		for _, f := range req.Findings {
			put(string(f.Label), f.Box != nil)
			if f.Box != nil {
				put(f.Box.Y0, f.Box.X0, f.Box.Y1, f.Box.X1)
			}
		}
	}
	return fmt.Sprintf("%s-%016x", e.proto, h.Sum64())
}

// geometry is the layout of a picture: the canvas in pixels and where the
// image lies in it. For the graphics protocols the canvas is the image; for
// half blocks it is whole cells, the image centred in them.
type geometry struct {
	key        string
	cols, rows int
	canvas     image.Rectangle
	img        image.Rectangle
}

// layout fits the image into the cells available, keeping its aspect ratio
// in physical terms. A canvas pixel is one screen pixel for the graphics
// protocols, and half a cell for blocks (1 wide, 2 tall per cell).
func (e *encoder) layout(req Request) geometry {
	cw, ch := req.Cell.W, req.Cell.H
	// Canvas pixels per cell, and the physical size of one canvas pixel.
	cpx, cpy := cw, ch
	pw, ph := 1.0, 1.0
	if e.proto == ProtocolBlocks {
		cpx, cpy = 1, 2
		pw, ph = float64(cw), float64(ch)/2
	}
	cellsX, cellsY := req.Cols, req.Rows
	if e.proto == ProtocolKitty && e.caps.KittyPlaceholders {
		// Placeholder cells address rows and columns with diacritics, of
		// which there are kittyMaxCells.
		cellsX, cellsY = min(cellsX, kittyMaxCells), min(cellsY, kittyMaxCells)
	}
	maxW, maxH := float64(cellsX)*float64(cw), float64(cellsY)*float64(ch)
	if req.MaxWidthPX > 0 && e.proto != ProtocolBlocks {
		maxW = math.Min(maxW, float64(req.MaxWidthPX))
	}
	// The bounds, in canvas pixels, whatever the request says.
	side, area := float64(MaxPictureSide), float64(MaxPicturePixels)
	if e.proto == ProtocolBlocks {
		side, area = math.Inf(1), 2*maxBlockCells
	}
	W, H := float64(req.Image.Width), float64(req.Image.Height)
	s := math.Min(maxW/W, maxH/H)
	s = math.Min(s, math.Min(side*pw/W, side*ph/H))
	if a := (W * s / pw) * (H * s / ph); a > area {
		s *= math.Sqrt(area / a)
	}
	iw := max(1, int(math.Floor(W*s/pw)))
	ih := max(1, int(math.Floor(H*s/ph)))
	cols := min(cellsX, (iw+cpx-1)/cpx)
	rows := min(cellsY, (ih+cpy-1)/cpy)
	if e.proto != ProtocolBlocks {
		// The canvas is the image: no letterbox pixels are sent. The
		// picture covers whole cells only partly at its right and bottom
		// edges; a caller centres it with the cursor, by cells.
		r := image.Rect(0, 0, iw, ih)
		return geometry{cols: cols, rows: rows, canvas: r, img: r}
	}
	canvas := image.Rect(0, 0, cols*cpx, rows*cpy)
	iw, ih = min(iw, canvas.Dx()), min(ih, canvas.Dy())
	off := image.Pt((canvas.Dx()-iw)/2, (canvas.Dy()-ih)/2)
	return geometry{cols: cols, rows: rows, canvas: canvas, img: image.Rectangle{Min: off, Max: off.Add(image.Pt(iw, ih))}}
}

// scaledPix returns the image resampled to w x h, cached (callers hold e.mu).
func (e *encoder) scaledPix(r *radiograph.Radiograph, w, h int) []float32 {
	k := scaleKey{r.ID(), w, h}
	if p, ok := e.scaled.get(k); ok {
		return p
	}
	p := r.Resample(w, h)
	e.scaled.put(k, p, 4)
	return p
}

// grayPalette is grays evenly spaced from black to white, then the overlay
// colours. percent rounds the greys to whole percent, as a sixel terminal
// will show them.
func grayPalette(grays int, percent bool) color.Palette {
	pal := make(color.Palette, 0, grays+numOverlayColors)
	for k := range grays {
		v := uint8(math.Round(float64(k) * 255 / float64(grays-1)))
		if percent {
			v = pctTo8(grayPercent(k, grays))
		}
		pal = append(pal, color.RGBA{R: v, G: v, B: v, A: 0xFF})
	}
	for _, p := range overlayPercent[1:] {
		pal = append(pal, color.RGBA{R: pctTo8(p[0]), G: pctTo8(p[1]), B: pctTo8(p[2]), A: 0xFF})
	}
	return pal
}

// grayPercent is grey k of n in whole percent.
func grayPercent(k, n int) int { return int(math.Round(float64(k) * 100 / float64(n-1))) }

// canvasFor draws the windowed image and its overlays into a paletted
// canvas whose first grays entries are the grey ramp.
func (e *encoder) canvasFor(req Request, g geometry, pal color.Palette, grays int, dither bool) *image.Paletted {
	dst := image.NewPaletted(g.canvas, pal)
	iw, ih := g.img.Dx(), g.img.Dy()
	src := e.scaledPix(req.Image, iw, ih)
	voi := req.Image.VOIMap(req.Window)
	parallelRows(ih, iw*ih, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			off := dst.PixOffset(g.img.Min.X, g.img.Min.Y+y)
			if dither {
				applyOrdered(voi, src[y*iw:(y+1)*iw], dst.Pix[off:off+iw], grays, y)
			} else {
				voi.Apply(src[y*iw:(y+1)*iw], dst.Pix[off:off+iw], grays)
			}
		}
	})
	if req.ShowBoxes {
		drawOverlays(dst, g.img, req.Overlays, grays)
	}
	return dst
}

// blankCells is rows lines of cols spaces.
func blankCells(cols, rows int) string {
	line := strings.Repeat(" ", cols)
	lines := make([]string, rows)
	for i := range lines {
		lines[i] = line
	}
	return strings.Join(lines, "\n")
}

// lru is a tiny most-recently-used cache; not safe for concurrent use.
type lru[K comparable, V any] struct {
	keys []K
	vals []V
}

func (c *lru[K, V]) get(k K) (V, bool) {
	for i, kk := range c.keys {
		if kk == k {
			v := c.vals[i]
			c.touch(i)
			return v, true
		}
	}
	var zero V
	return zero, false
}

func (c *lru[K, V]) touch(i int) {
	k, v := c.keys[i], c.vals[i]
	copy(c.keys[1:i+1], c.keys[:i])
	copy(c.vals[1:i+1], c.vals[:i])
	c.keys[0], c.vals[0] = k, v
}

func (c *lru[K, V]) put(k K, v V, capacity int) {
	c.keys = append([]K{k}, c.keys...)
	c.vals = append([]V{v}, c.vals...)
	if len(c.keys) > capacity {
		c.keys, c.vals = c.keys[:capacity], c.vals[:capacity]
	}
}
