package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/cxr-auditor/cxr-auditor/internal/termtext"
	"github.com/cxr-auditor/cxr-auditor/radiograph"
	"github.com/cxr-auditor/cxr-auditor/render"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/session"
)

const renderDescription = `Draw IMAGE (PNG, 16-bit PNG, JPEG or DICOM) with its finding boxes on
stdout, the way img2sixel or chafa do.

--protocol auto (the default) asks the terminal on /dev/tty what it supports
when stdout is a terminal, and picks kitty, sixel, iterm2, then half-blocks;
when stdout is not a terminal it writes the text listing unless --protocol
(or CXR_AUDITOR_GRAPHICS) names another. The size defaults to the
terminal's, less two rows; --width caps the picture's width in pixels.

Boxes come from --findings: a file of model output or JSON findings
([{"label":..., "box_2d":[y0,x0,y1,x1]}], also a {"findings": [...]} object
such as a line of testdata/phantoms/truth.jsonl), read with the tolerant
parser. Colours are Okabe-Ito per label; --urgent labels get a double
outline.`

const renderExample = `
cxr-auditor render testdata/phantoms/phantom-ptx-mono1.dcm --findings f.json
cxr-auditor render scan.png --protocol sixel --width 1024 --window 2000,3800 > scan.six`

// renderFlags are the parsed options of the render command.
type renderFlags struct {
	findings, protocol, window string
	urgent                     *labelsFlag
	cols, rows, width          int
	noBoxes                    bool
	quality                    *qualityFlag
}

func newRenderCmd(e env) *cobra.Command {
	var f renderFlags
	cmd := &cobra.Command{
		Use:               "render IMAGE",
		Short:             "draw an image with boxes for the terminal",
		Long:              renderDescription,
		Example:           renderExample,
		Args:              exactArgs(1, "want exactly one IMAGE"),
		ValidArgsFunction: completeImage,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRender(cmd.Context(), e, f, args[0])
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.findings, "findings", "", "findings file (model output or JSON) whose boxes to draw")
	fl.StringVar(&f.protocol, "protocol", "auto", "auto, kitty, sixel, iterm2, blocks or text")
	fl.IntVar(&f.cols, "cols", 0, "width in terminal cells (default: the terminal's)")
	fl.IntVar(&f.rows, "rows", 0, "height in terminal cells (default: the terminal's, less two)")
	fl.IntVar(&f.width, "width", 0, "maximum picture width in pixels (instead of --cols/--rows)")
	fl.StringVar(&f.window, "window", "", "window as CENTER,WIDTH in modality units (default: the image's own, or automatic)")
	fl.BoolVar(&f.noBoxes, "no-boxes", false, "draw the image without boxes")
	f.quality = addQualityFlag(cmd)
	f.urgent = addUrgentFlag(cmd, "urgent (can't-miss) LABELS, comma-separated, drawn with a double outline")
	_ = cmd.RegisterFlagCompletionFunc("findings", completeJSON)
	_ = cmd.RegisterFlagCompletionFunc("protocol", completeWords(graphicsProtocols...))
	_ = cmd.RegisterFlagCompletionFunc("window", cobra.NoFileCompletions)
	return cmd
}

// runRender implements `cxr-auditor render IMAGE`.
func runRender(ctx context.Context, e env, f renderFlags, image string) error {
	if f.width > 0 && (f.cols > 0 || f.rows > 0) {
		return fmt.Errorf("%w: --width excludes --cols/--rows", errUsage)
	}
	if f.cols < 0 || f.rows < 0 || f.width < 0 {
		return fmt.Errorf("%w: sizes must be positive", errUsage)
	}
	urgent := f.urgent.labels
	var win *radiograph.Window
	if f.window != "" {
		w, err := radiograph.ParseWindow(f.window)
		if err != nil {
			return fmt.Errorf("%w: --window: %v", errUsage, err)
		}
		win = &w
	}
	if _, err := render.Choose(render.Caps{}, f.protocol); err != nil {
		return fmt.Errorf("%w: --protocol: %v", errUsage, err)
	}

	if err := session.CheckInput(image); err != nil {
		return err
	}
	quality, err := pictureQuality(e, f.quality)
	if err != nil {
		return err
	}
	var findings []schema.Finding
	if f.findings != "" {
		raw, name, err := readInput(e, f.findings)
		if err != nil {
			return err
		}
		findings, _, err = schema.ExtractFindings(string(raw))
		if err != nil {
			return fmt.Errorf("%s: no findings recoverable: %w", name, err)
		}
	}

	caps, proto, err := renderCaps(ctx, e, f.protocol)
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
	cols, rows := renderSize(e, f, caps, proto)
	// Decode no finer than the picture needs: the decoder averages pixel
	// blocks while it reads rows, which is cheaper than scaling afterwards.
	opt := radiograph.LoadOptions{}
	switch proto {
	case render.ProtocolText:
		opt.DrawWidth, opt.DrawHeight = 1, 1 // only the size and format are shown
	case render.ProtocolSixel, render.ProtocolKitty, render.ProtocolITerm2:
		cw, ch := cellSize(caps)
		opt.DrawWidth, opt.DrawHeight = cols*cw, rows*ch
		if f.width > 0 {
			opt.DrawWidth = f.width
		}
	}
	img, err := radiograph.Load(ctx, image, opt)
	if err != nil {
		return err
	}
	for _, n := range img.Notes {
		fmt.Fprintf(e.stderr, "note: %s: %s\n", termtext.Line(image), termtext.Line(n))
	}
	req := render.Request{
		Image: img, Window: img.DefaultWindow, ShowBoxes: !f.noBoxes,
		Overlays: overlaysFor(findings, urgent), Findings: findings,
		Cols: cols, Rows: rows, MaxWidthPX: f.width,
	}
	if win != nil {
		req.Window = *win
	}
	pic, err := enc.Encode(ctx, req)
	if err != nil {
		return err
	}
	return writePicture(e.stdout, proto, caps.KittyPlaceholders, pic)
}

// renderCaps decides the protocol: a named one is used as is; auto probes
// /dev/tty when stdout is a terminal and falls back to text otherwise.
func renderCaps(ctx context.Context, e env, flagProto string) (render.Caps, render.Protocol, error) {
	// Off a terminal only the link matters from the environment: a pipe
	// gets the text listing unless a protocol is named.
	ec := render.EnvCaps(e.getenv)
	caps := render.Caps{Remote: ec.Remote, Quality: ec.Quality, KittyPlaceholders: ec.KittyPlaceholders}
	if isTerminal(e.stdout) {
		tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
		if err == nil {
			defer tty.Close()
			caps, err = render.DetectTTY(ctx, tty, e.getenv, render.DefaultDetectTimeout)
			if err != nil {
				return caps, "", fmt.Errorf("detect terminal graphics: %w", err)
			}
		}
	} else if p := strings.TrimSpace(e.getenv(render.EnvGraphics)); p != "" {
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
func renderSize(e env, f renderFlags, caps render.Caps, proto render.Protocol) (cols, rows int) {
	tc, tr := 80, 24
	if fd, ok := e.stdout.(*os.File); ok && isTerminal(e.stdout) {
		if w, h, err := term.GetSize(int(fd.Fd())); err == nil && w > 0 && h > 2 {
			// Leave a row for the newline after the picture and one for
			// the shell prompt, so the top does not scroll away.
			tc, tr = w, h-2
		}
	}
	if f.width > 0 {
		if proto == render.ProtocolText {
			return tc, 1000
		}
		cw, ch := cellSize(caps)
		if proto == render.ProtocolBlocks {
			// A half-block cell is one pixel wide.
			cw = 1
		}
		cols = int(math.Ceil(float64(f.width) / float64(cw)))
		return cols, render.MaxPictureSide/ch + 1
	}
	cols, rows = f.cols, f.rows
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
