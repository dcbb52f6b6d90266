package render

import (
	"bytes"
	"context"
	"encoding/base64"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/ansi/kitty"
)

// kittyMaxCells is how many rows (and columns) Unicode placeholders can
// address: one per row/column diacritic in kitty's table.
const kittyMaxCells = 297

// kittyID derives the image id from the picture key: 24 bits, so the
// placeholder cells can carry it as a true-colour foreground, never 0.
func kittyID(key string) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32()&0xFFFFFF) | 1
}

// encodeKitty transmits the canvas as PNG (a=t, quiet) and creates a
// virtual placement (U=1) of Cols x Rows cells; the picture appears where
// the placeholder cells are printed, so it scrolls and diffs like text.
func (e *encoder) encodeKitty(_ context.Context, req Request, g geometry) (Picture, error) {
	img := e.canvasFor(req, g, grayPalette(payloadGrays, false), payloadGrays, false)
	id := kittyID(g.key)
	// The PNG is encoded by appendPNG (filtered grey, or paletted with
	// boxes) rather than by kitty.EncodeGraphics; the chunking follows the
	// protocol: base64 in pieces of at most kitty.MaxChunkSize, m=1 on all
	// but the last, the keys on the first only.
	payload := base64.StdEncoding.EncodeToString(appendPNG(nil, img, payloadGrays))
	var raw bytes.Buffer
	first := (&kitty.Options{Action: kitty.Transmit, ID: id, Format: kitty.PNG, Quiet: 2}).Options()
	for i := 0; i < len(payload) || i == 0; i += kitty.MaxChunkSize {
		chunk := payload[i:min(i+kitty.MaxChunkSize, len(payload))]
		more := "m=0"
		if i+kitty.MaxChunkSize < len(payload) {
			more = "m=1"
		}
		opts := []string{"q=2", more}
		if i == 0 {
			opts = append(first, more)
		}
		raw.Write(e.passthrough([]byte(ansi.KittyGraphics([]byte(chunk), opts...))))
	}
	put := &kitty.Options{Action: kitty.Put, ID: id, VirtualPlacement: true, Columns: g.cols, Rows: g.rows, Quiet: 2}
	raw.Write(e.passthrough([]byte(ansi.KittyGraphics(nil, put.Options()...))))
	del := &kitty.Options{Action: kitty.Delete, Delete: kitty.DeleteID, DeleteResources: true, ID: id, Quiet: 2}
	return Picture{
		Release: e.passthrough([]byte(ansi.KittyGraphics(nil, del.Options()...))),
		Cells:   kittyPlaceholders(id, g.cols, g.rows), Raw: raw.Bytes(),
		Cols: g.cols, Rows: g.rows, WidthPX: g.canvas.Dx(), HeightPX: g.canvas.Dy(),
	}, nil
}

// kittyPlaceholders is rows lines of cols placeholder cells, each naming its
// row and column with diacritics, coloured with the image id.
func kittyPlaceholders(id, cols, rows int) string {
	fg := "\x1b[38;2;" + strconv.Itoa(id>>16&0xFF) + ";" + strconv.Itoa(id>>8&0xFF) + ";" + strconv.Itoa(id&0xFF) + "m"
	var b strings.Builder
	for r := range rows {
		if r > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(fg)
		for c := range cols {
			b.WriteRune(kitty.Placeholder)
			b.WriteRune(kitty.Diacritic(r))
			b.WriteRune(kitty.Diacritic(c))
		}
		b.WriteString("\x1b[39m")
	}
	return b.String()
}
