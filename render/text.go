package render

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// encodeText lists what would be drawn: the image, its window, then each
// finding (numbered by its overlay's tag when it has one) with its box in normalized and original-pixel coordinates (for
// screen readers, logs, dumb terminals and pipes). Lines are wrapped to Cols;
// when they do not fit in Rows the last line says how many were left out.
func (e *encoder) encodeText(_ context.Context, req Request, _ geometry) (Picture, error) {
	var items []string
	if r := req.Image; r != nil {
		sw, sh := r.SourceSize()
		items = append(items, fmt.Sprintf("%s: %dx%d %s, window %s", nameOr(r.Source), sw, sh, r.Format, req.Window))
	}
	entries := textEntries(req)
	if len(entries) == 0 {
		items = append(items, "no findings")
	}
	for i, en := range entries {
		var b strings.Builder
		if en.tag != "" {
			// The tag the boxes carry elsewhere (the TUI's disagreement
			// number), so the listing and the other panes agree.
			fmt.Fprintf(&b, "[%s] %s", en.tag, en.label)
		} else {
			fmt.Fprintf(&b, "%d. %s", i+1, en.label)
		}
		if en.truth {
			b.WriteString(" [truth]")
		}
		if en.urgent {
			b.WriteString(" [URGENT]")
		}
		if en.selected {
			b.WriteString(" [selected]")
		}
		if en.box == nil {
			b.WriteString(": no box")
		} else {
			bx := *en.box
			fmt.Fprintf(&b, ": box y0=%.3f x0=%.3f y1=%.3f x1=%.3f", bx.Y0, bx.X0, bx.Y1, bx.X1)
			if r := req.Image; r != nil {
				sw, sh := r.SourceSize()
				fmt.Fprintf(&b, " = pixels x %d-%d, y %d-%d",
					int(math.Floor(bx.X0*float64(sw))), int(math.Ceil(bx.X1*float64(sw))),
					int(math.Floor(bx.Y0*float64(sh))), int(math.Ceil(bx.Y1*float64(sh))))
			}
		}
		items = append(items, b.String())
	}
	var lines []string
	for _, it := range items {
		lines = append(lines, strings.Split(ansi.Wrap(it, req.Cols, " "), "\n")...)
	}
	if len(lines) > req.Rows {
		more := fmt.Sprintf("... %d more lines", len(lines)-req.Rows+1)
		lines = append(lines[:req.Rows-1], ansi.Truncate(more, req.Cols, ""))
	}
	cols := 0
	for _, l := range lines {
		cols = max(cols, ansi.StringWidth(l))
	}
	return Picture{Cells: strings.Join(lines, "\n"), Cols: cols, Rows: len(lines)}, nil
}

func nameOr(s string) string {
	if s == "" {
		return "image"
	}
	return s
}

// textEntry is one line of the text listing.
type textEntry struct {
	label    schema.Label
	box      *schema.Box
	urgent   bool
	selected bool
	tag      string
	truth    bool
}

// textEntries lists req's findings, each with what its overlays say
// (urgent, selected, tag), then the truth's boxes; without findings, the
// overlays themselves.
func textEntries(req Request) []textEntry {
	var entries []textEntry
	if len(req.Findings) == 0 {
		for _, o := range req.Overlays {
			entries = append(entries, textEntry{label: o.Label, box: &o.Box, urgent: o.Urgent, selected: o.Selected, tag: o.Tag, truth: o.Truth})
		}
		return entries
	}
	for _, f := range req.Findings {
		en := textEntry{label: f.Label, box: f.Box}
		for _, o := range req.Overlays {
			if !o.Truth && o.Label == f.Label && (f.Box == nil || o.Box == *f.Box) {
				en.urgent = en.urgent || o.Urgent
				en.selected = en.selected || o.Selected
				if en.tag == "" {
					en.tag = o.Tag
				}
			}
		}
		entries = append(entries, en)
	}
	for _, o := range req.Overlays {
		if o.Truth {
			entries = append(entries, textEntry{label: o.Label, box: &o.Box, urgent: o.Urgent, selected: o.Selected, tag: o.Tag, truth: true})
		}
	}
	return entries
}
