package render

import (
	"context"
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/ansi/kitty"
)

// kittyMaxCells is how many rows (and columns) Unicode placeholders can
// address: one per row/column diacritic in kitty's table.
const kittyMaxCells = 297

// kittyID derives an image id from a key: 24 bits, so the placeholder
// cells can carry it as a true-colour foreground, never 0.
func kittyID(key string) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32()&0xFFFFFF) | 1
}

// kittyEncoders numbers encoders for their direct-placement image ids.
var kittyEncoders atomic.Uint64

// kittyPlacement is the placement id of direct placements: with one image
// id per encoder, placing again with the same ids replaces the picture.
const kittyPlacement = 1

// encodeKitty transmits the canvas as PNG. Where the terminal supports
// Unicode placeholders (Caps.KittyPlaceholders) it creates a virtual
// placement (U=1) of Cols x Rows cells, and the picture appears where the
// placeholder cells (Picture.Cells) are printed, so it scrolls and diffs
// like text. Elsewhere (kitty before 0.28, and terminals not known to have
// placeholders) it places the image directly at the cursor (AtCursor),
// scaled to Cols x Rows cells, without moving the cursor or scrolling,
// under one image and placement id per encoder: each new picture deletes
// and replaces the previous one, and Release deletes it.
func (e *encoder) encodeKitty(_ context.Context, req Request, g geometry) (Picture, error) {
	img := e.canvasFor(req, g, grayPalette(payloadGrays, false), payloadGrays, false)
	payload := base64.StdEncoding.EncodeToString(appendPNG(nil, img, payloadGrays))
	pic := Picture{Cols: g.cols, Rows: g.rows, WidthPX: g.canvas.Dx(), HeightPX: g.canvas.Dy()}
	if e.caps.KittyPlaceholders {
		id := kittyID(g.key)
		raw := e.kittyChunks(payload, (&kitty.Options{Action: kitty.Transmit, ID: id, Format: kitty.PNG, Quiet: 2}).Options())
		put := &kitty.Options{Action: kitty.Put, ID: id, VirtualPlacement: true, Columns: g.cols, Rows: g.rows, Quiet: 2}
		raw = append(raw, e.passthrough([]byte(ansi.KittyGraphics(nil, put.Options()...)))...)
		pic.Raw, pic.Cells, pic.Release = raw, kittyPlaceholders(id, g.cols, g.rows), e.kittyDelete(id)
		return pic, nil
	}
	id := e.kittyDirectID()
	raw := e.kittyDelete(id)
	// c= and r= scale the picture to exactly its cells, so it fits the room
	// Cells reserve whatever cell size the terminal really has.
	first := &kitty.Options{Action: kitty.TransmitAndPut, ID: id, PlacementID: kittyPlacement, Format: kitty.PNG,
		Columns: g.cols, Rows: g.rows, DoNotMoveCursor: true, Quiet: 2}
	raw = append(raw, e.kittyChunks(payload, first.Options())...)
	pic.Raw, pic.Cells, pic.Release, pic.AtCursor = raw, blankCells(g.cols, g.rows), e.kittyDelete(id), true
	return pic, nil
}

// kittyDirectID is this encoder's image id for direct placements, unlikely
// to collide with another process's in the same terminal.
func (e *encoder) kittyDirectID() int {
	e.kittyOnce.Do(func() {
		e.kittyImage = kittyID(fmt.Sprintf("direct-%d-%d", os.Getpid(), kittyEncoders.Add(1)))
	})
	return e.kittyImage
}

// kittyDelete deletes an image, its placements and its data (quietly: a
// missing image is no error).
func (e *encoder) kittyDelete(id int) []byte {
	del := &kitty.Options{Action: kitty.Delete, Delete: kitty.DeleteID, DeleteResources: true, ID: id, Quiet: 2}
	return e.passthrough([]byte(ansi.KittyGraphics(nil, del.Options()...)))
}

// kittyChunks sends a base64 payload in pieces of at most
// kitty.MaxChunkSize, m=1 on all but the last, the keys on the first only.
func (e *encoder) kittyChunks(payload string, first []string) []byte {
	var raw []byte
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
		raw = append(raw, e.passthrough([]byte(ansi.KittyGraphics([]byte(chunk), opts...)))...)
	}
	return raw
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

// kittyVersion reads kitty's XTVERSION reply, "kitty(0.26.5)".
var kittyVersion = regexp.MustCompile(`^kitty\((\d+)\.(\d+)`)

// placeholdersFor reports whether a terminal, named by its XTVERSION reply,
// is known to draw kitty Unicode placeholders: kitty from 0.28 (they came
// in 0.28.0; 0.26.5 rejects U=1 as "invalid key character: 0x55") and
// Ghostty. Anything else, including no reply, is not.
func placeholdersFor(terminal string) bool {
	t := strings.ToLower(strings.TrimSpace(terminal))
	if m := kittyVersion.FindStringSubmatch(t); m != nil {
		major, _ := strconv.Atoi(m[1])
		minor, _ := strconv.Atoi(m[2])
		return major > 0 || minor >= 28
	}
	return strings.HasPrefix(t, "ghostty")
}
