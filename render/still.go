package render

import (
	"context"
	"fmt"
)

// stillGrays is the grey ramp of Still's pictures, as the kitty and
// iTerm2 payloads have it.
const stillGrays = payloadGrays

// Still draws req's image, and its overlays when req.ShowBoxes, as a PNG
// file at most maxSide pixels a side (keeping the aspect ratio), with the
// grey ramp, outlines, tags and Okabe-Ito colours of the workstation's
// kitty and iTerm2 pictures: what the reviewer sees, for a report. It
// returns the PNG and its size; req.Cols, Rows and Cell are ignored.
func Still(ctx context.Context, req Request, maxSide int) (png []byte, w, h int, err error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, 0, err
	}
	if req.Image == nil {
		return nil, 0, 0, fmt.Errorf("still: %w", ErrNoImage)
	}
	if req.Image.Width <= 0 || req.Image.Height <= 0 || len(req.Image.Pix) != req.Image.Width*req.Image.Height {
		return nil, 0, 0, fmt.Errorf("still: inconsistent radiograph %s", req.Image.Source)
	}
	if maxSide <= 0 || maxSide > MaxPictureSide {
		return nil, 0, 0, fmt.Errorf("still: side %d px: want 1 to %d", maxSide, MaxPictureSide)
	}
	e := &encoder{proto: ProtocolITerm2}
	req.Cols, req.Rows, req.Cell, req.MaxWidthPX = maxSide, maxSide, CellSize{W: 1, H: 1}, 0
	g := e.layout(req)
	img := e.canvasFor(req, g, grayPalette(stillGrays, false), stillGrays, false)
	return appendPNG(nil, img, stillGrays), g.canvas.Dx(), g.canvas.Dy(), nil
}
