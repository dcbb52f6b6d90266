package main

import (
	"github.com/spf13/cobra"

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
	session.RenderConfig
	urgent  *labelsFlag
	quality *qualityFlag
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
			f.Image, f.Urgent, f.Quality = args[0], f.urgent.labels, f.quality.q
			return session.Render(cmd.Context(), e.session(), f.RenderConfig)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.Findings, "findings", "", "findings file (model output or JSON) whose boxes to draw")
	fl.StringVar(&f.Protocol, "protocol", "auto", "auto, kitty, sixel, iterm2, blocks or text")
	fl.IntVar(&f.Cols, "cols", 0, "width in terminal cells (default: the terminal's)")
	fl.IntVar(&f.Rows, "rows", 0, "height in terminal cells (default: the terminal's, less two)")
	fl.IntVar(&f.Width, "width", 0, "maximum picture width in pixels (instead of --cols/--rows)")
	fl.StringVar(&f.Window, "window", "", "window as CENTER,WIDTH in modality units (default: the image's own, or automatic)")
	fl.BoolVar(&f.NoBoxes, "no-boxes", false, "draw the image without boxes")
	f.quality = addQualityFlag(cmd)
	f.urgent = addUrgentFlag(cmd, "urgent (can't-miss) LABELS, comma-separated, drawn with a double outline")
	_ = cmd.RegisterFlagCompletionFunc("findings", completeJSON)
	_ = cmd.RegisterFlagCompletionFunc("protocol", completeWords(graphicsProtocols...))
	_ = cmd.RegisterFlagCompletionFunc("window", cobra.NoFileCompletions)
	return cmd
}
