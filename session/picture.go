package session

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"golang.org/x/term"

	"github.com/cxr-auditor/cxr-auditor/internal/termtext"
	"github.com/cxr-auditor/cxr-auditor/radiograph"
	"github.com/cxr-auditor/cxr-auditor/render"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// RenderConfig is what Render draws and how; the render command fills it
// from its flags.
type RenderConfig struct {
	// Image is the file to draw; Findings a file of findings (or model
	// output, "-" for stdin) whose boxes to draw, "" for none.
	Image, Findings string
	// Protocol is auto or a protocol name; Window CENTER,WIDTH ("": the
	// image's own).
	Protocol, Window string
	// Urgent labels are drawn with a double outline.
	Urgent []schema.Label
	// Cols and Rows are the cells to draw in (0: the terminal's); Width
	// caps the picture's width in pixels instead.
	Cols, Rows, Width int
	NoBoxes           bool
	// Quality is the --picture-quality flag ("": the environment's).
	Quality render.Quality
}

// Render draws the image with its finding boxes on stdout for a scrolling
// terminal, the way img2sixel or chafa do: the render command.
func Render(ctx context.Context, env Env, f RenderConfig) error {
	win, err := f.check()
	if err != nil {
		return err
	}
	if err := CheckInput(f.Image); err != nil {
		return err
	}
	quality, err := PictureQuality(f.Quality, env.Getenv)
	if err != nil {
		return err
	}
	var findings []schema.Finding
	if f.Findings != "" {
		if findings, err = ReadFindings(env, f.Findings); err != nil {
			return err
		}
	}
	caps, proto, err := renderCaps(ctx, env, f.Protocol)
	if err != nil {
		return err
	}
	if quality != "" {
		caps.Quality = quality
	}
	enc, err := render.NewEncoder(proto, caps)
	if err != nil {
		return err
	}
	cols, rows := renderSize(env, f, caps, proto)
	img, err := radiograph.Load(ctx, f.Image, loadOptions(f, caps, proto, cols, rows))
	if err != nil {
		return err
	}
	for _, n := range img.Notes {
		fmt.Fprintf(env.Stderr, "note: %s: %s\n", termtext.Line(f.Image), termtext.Line(n))
	}
	req := render.Request{
		Image: img, Window: img.DefaultWindow, ShowBoxes: !f.NoBoxes,
		Overlays: overlaysFor(findings, f.Urgent), Findings: findings,
		Cols: cols, Rows: rows, MaxWidthPX: f.Width,
	}
	if win != nil {
		req.Window = *win
	}
	pic, err := enc.Encode(ctx, req)
	if err != nil {
		return err
	}
	return writePicture(env.Stdout, proto, caps.KittyPlaceholders, pic)
}

// check refuses sizes, a window or a protocol that cannot be, as usage
// errors naming the flag, and returns the window asked for (nil: the
// image's own).
func (f RenderConfig) check() (*radiograph.Window, error) {
	if f.Width > 0 && (f.Cols > 0 || f.Rows > 0) {
		return nil, fmt.Errorf("%w: --width excludes --cols/--rows", ErrUsage)
	}
	if f.Cols < 0 || f.Rows < 0 || f.Width < 0 {
		return nil, fmt.Errorf("%w: sizes must be positive", ErrUsage)
	}
	var win *radiograph.Window
	if f.Window != "" {
		w, err := radiograph.ParseWindow(f.Window)
		if err != nil {
			return nil, fmt.Errorf("%w: --window: %v", ErrUsage, err)
		}
		win = &w
	}
	if _, err := render.Choose(render.Caps{}, f.Protocol); err != nil {
		return nil, fmt.Errorf("%w: --protocol: %v", ErrUsage, err)
	}
	return win, nil
}

// loadOptions decode no finer than the picture needs: the decoder
// averages pixel blocks while it reads rows, which is cheaper than
// scaling afterwards.
func loadOptions(f RenderConfig, caps render.Caps, proto render.Protocol, cols, rows int) radiograph.LoadOptions {
	opt := radiograph.LoadOptions{}
	switch proto {
	case render.ProtocolText:
		opt.DrawWidth, opt.DrawHeight = 1, 1 // only the size and format are shown
	case render.ProtocolSixel, render.ProtocolKitty, render.ProtocolITerm2:
		cw, ch := cellSize(caps)
		opt.DrawWidth, opt.DrawHeight = cols*cw, rows*ch
		if f.Width > 0 {
			opt.DrawWidth = f.Width
		}
		// The encoder fits the picture into this same box, so a grid
		// made to fit it is drawn as it is, with no second scaling.
		opt.Fit = true
	}
	return opt
}

// renderCaps decides the protocol: a named one is used as is; auto probes
// /dev/tty when stdout is a terminal and falls back to text otherwise.
func renderCaps(ctx context.Context, env Env, flagProto string) (render.Caps, render.Protocol, error) {
	// Off a terminal only the link matters from the environment: a pipe
	// gets the text listing unless a protocol is named.
	ec := render.EnvCaps(env.Getenv)
	caps := render.Caps{Remote: ec.Remote, Quality: ec.Quality, KittyPlaceholders: ec.KittyPlaceholders}
	if isTerminal(env.Stdout) {
		tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
		if err == nil {
			defer tty.Close()
			caps, err = render.DetectTTY(ctx, tty, env.Getenv, render.DefaultDetectTimeout)
			if err != nil {
				return caps, "", fmt.Errorf("detect terminal graphics: %w", err)
			}
		}
	} else if p := strings.TrimSpace(env.Getenv(render.EnvGraphics)); p != "" {
		proto, err := render.Choose(caps, p)
		if err != nil {
			return caps, "", fmt.Errorf("%s: %w", render.EnvGraphics, err)
		}
		caps.Protocol = proto
	}
	proto, err := render.Choose(caps, flagProto)
	return caps, proto, err
}

// renderSize returns the cells to draw in: the flags, else the terminal's
// size less two rows, else 80x24. With --width the height is left open (the
// encoder bounds every picture) and the width is just enough cells for the
// pixels.
func renderSize(env Env, f RenderConfig, caps render.Caps, proto render.Protocol) (cols, rows int) {
	tc, tr := 80, 24
	if fd, ok := env.Stdout.(*os.File); ok && isTerminal(env.Stdout) {
		if w, h, err := term.GetSize(int(fd.Fd())); err == nil && w > 0 && h > 2 {
			// Leave a row for the newline after the picture and one for
			// the shell prompt, so the top does not scroll away.
			tc, tr = w, h-2
		}
	}
	if f.Width > 0 {
		if proto == render.ProtocolText {
			return tc, 1000
		}
		cw, ch := cellSize(caps)
		if proto == render.ProtocolBlocks {
			// A half-block cell is one pixel wide.
			cw = 1
		}
		cols = int(math.Ceil(float64(f.Width) / float64(cw)))
		return cols, render.MaxPictureSide/ch + 1
	}
	cols, rows = f.Cols, f.Rows
	if cols == 0 {
		cols = tc
	}
	if rows == 0 {
		rows = tr
		if proto == render.ProtocolText {
			rows = 1000 // a listing is not limited to one screen
		}
	}
	return cols, rows
}

// cellSize is the terminal's cell size, or render.DefaultCell.
func cellSize(caps render.Caps) (w, h int) {
	if caps.CellW > 0 && caps.CellH > 0 && caps.CellW <= 256 && caps.CellH <= 512 {
		return caps.CellW, caps.CellH
	}
	return render.DefaultCell.W, render.DefaultCell.H
}

// overlaysFor makes one overlay per finding with a box, tagged "N LABEL".
func overlaysFor(fs []schema.Finding, urgent []schema.Label) []render.Overlay {
	var out []render.Overlay
	for i, f := range fs {
		if f.Box == nil {
			continue
		}
		out = append(out, render.Overlay{
			Box: *f.Box, Label: f.Label, Urgent: slices.Contains(urgent, f.Label),
			Tag: fmt.Sprintf("%d %s", i+1, render.ShortLabel(f.Label)),
		})
	}
	return out
}

// writePicture writes the picture for a scrolling terminal: out-of-band
// images are followed by a newline (the terminal moved the cursor below
// them); kitty virtual placements are followed by their placeholder cells. A
// direct kitty placement leaves the cursor where it is and does not scroll,
// so its rows are printed first (scrolling as needed), then the cursor goes
// back up to place the picture, then below it.
func writePicture(w io.Writer, proto render.Protocol, placeholders bool, pic render.Picture) error {
	var err error
	write := func(b []byte) {
		if err == nil {
			_, err = w.Write(b)
		}
	}
	if proto == render.ProtocolKitty && !placeholders {
		write([]byte(pic.Cells))
		write([]byte("\r"))
		if pic.Rows > 1 {
			write([]byte(ansi.CursorUp(pic.Rows - 1)))
		}
		write(pic.Raw)
		if pic.Rows > 1 {
			write([]byte(ansi.CursorDown(pic.Rows - 1)))
		}
		write([]byte("\n"))
		if err != nil {
			return fmt.Errorf("write picture: %w", err)
		}
		return nil
	}
	write(pic.Raw)
	switch proto {
	case render.ProtocolSixel, render.ProtocolITerm2:
		write([]byte("\n"))
	case render.ProtocolText:
		// The listing names the file: outside text.
		write([]byte(termtext.Text(pic.Cells)))
		write([]byte("\n"))
	default:
		write([]byte(pic.Cells))
		write([]byte("\n"))
	}
	if err != nil {
		return fmt.Errorf("write picture: %w", err)
	}
	return nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
