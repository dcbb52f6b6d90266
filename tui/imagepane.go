package tui

import (
	"math"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// imageShow is what the image pane shows.
type imageShow int

const (
	showNothing     imageShow = iota
	showPlaceholder           // a line of text in the middle ("loading image…")
	showError                 // the image could not be drawn
	showCells                 // an in-band picture (half-blocks, text, kitty placeholders)
	showReserved              // blank cells an out-of-band picture is written over
)

// imagePane draws the inside of the image pane: the in-band picture, or
// blank cells reserved for an out-of-band one, or what is going on.
type imagePane struct {
	st    ImageStyles
	show  imageShow
	text  string // the placeholder, the error (sanitized) or the picture's cells
	title string
}

// SetData sets what the pane shows and its title.
func (p *imagePane) SetData(show imageShow, text, title string) {
	p.show, p.text, p.title = show, text, title
}

// Title is the pane's title: the item, the window and the boxes' state.
func (p *imagePane) Title() string { return p.title }

// View draws width x height cells.
func (p *imagePane) View(width, height int) string {
	if width <= 0 || height <= 0 {
		return ""
	}
	switch p.show {
	case showPlaceholder:
		pad := strings.Repeat("\n", max(0, height/2))
		return pad + p.st.Placeholder.Render(centreLine(p.text, width))
	case showError:
		return p.st.Error.Render(wrapPlain("image: "+p.text, width, height))
	case showCells:
		lines := strings.Count(p.text, "\n") + 1
		return strings.Repeat("\n", max(0, (height-lines)/2)) + centreBlock(p.text, width)
	}
	return ""
}

// syncImagePane hands the image pane what to show for the current item.
func (m *Model) syncImagePane() {
	p := &m.panes.image
	it, ok := m.current()
	if !ok {
		p.SetData(showNothing, "", "image")
		return
	}
	tw := m.layout.Image.Inner().W - 3
	view := m.viewTitle(it.ID)
	rest := m.truthLegend(Sanitize(it.ID), view, tw) + view
	if res := m.data.rows.get(m.nav.cur).result; res != nil {
		if g, _ := salvagedStages(res); g {
			rest += salvageNote(Sanitize(it.ID), rest, tw)
		}
	}
	title := fitTitle(Sanitize(it.ID), m.idPrefix(), rest, tw)
	switch {
	case m.cfg.Imager == nil:
		p.SetData(showPlaceholder, "(no image renderer)", title)
	case m.img.err != nil && m.img.errFor == it.ID:
		p.SetData(showError, Sanitize(m.img.err.Error()), title)
	case m.img.pic == nil || m.img.picFor != it.ID:
		p.SetData(showPlaceholder, "loading image…", title)
	case m.img.pic.AtCursor:
		p.SetData(showReserved, "", title) // the picture is written out of band
	default:
		p.SetData(showCells, m.img.pic.Cells, title)
	}
}

// centreBlock indents every line of s so the block is centred in w cells.
func centreBlock(s string, w int) string {
	lines := strings.Split(s, "\n")
	bw := 0
	for _, l := range lines {
		bw = max(bw, ansi.StringWidth(l))
	}
	ind := strings.Repeat(" ", max(0, (w-bw)/2))
	for i, l := range lines {
		lines[i] = ind + l
	}
	return strings.Join(lines, "\n")
}

func centreLine(s string, w int) string {
	s = ansi.Truncate(s, w, "…")
	return strings.Repeat(" ", max(0, (w-ansi.StringWidth(s))/2)) + s
}

// viewTitle says how the image is shown: the window in the image's own
// units and its preset (once a picture says), the reviewer's changes
// (inverted, zoom) and whether boxes are off.
func (m *Model) viewTitle(itemID string) string {
	var t string
	v := m.look.view
	if pic := m.img.pic; pic != nil && m.img.picFor == itemID && pic.Window.Width > 0 {
		t += " · W " + num(pic.Window.Width) + " C " + num(pic.Window.Center)
		if name := pic.Window.Preset; name != "" {
			t += " " + name
		}
		if !v.Window.IsDefault() {
			t += "*" // adjusted by the reviewer
		}
	} else if v.Preset != PresetDefault || !v.Window.IsDefault() {
		t += " · " + v.Preset.String()
		if !v.Window.IsDefault() {
			t += "*"
		}
	}
	if v.Invert {
		t += " · inverted"
	}
	if v.Zoomed() {
		t += " · zoom " + strconv.FormatFloat(v.Zoom, 'f', 1, 64) + "×"
	}
	if !m.look.showBoxes {
		t += " · boxes off"
	}
	return t
}

// num formats a window value for the title: whole numbers from 100 up,
// three significant digits below.
func num(f float64) string {
	if math.Abs(f) >= 100 {
		return strconv.FormatFloat(math.Round(f), 'f', 0, 64)
	}
	return strconv.FormatFloat(f, 'g', 3, 64)
}

// salvageNotes are the image title's salvage warning, longest first.
var salvageNotes = []string{
	" · (!) findings salvaged: check them (r)",
	" · (!) findings salvaged (r)",
	" · (!) salvaged (r)",
	" · (!)",
}

// salvageNote picks the longest salvage warning that fits in a title of w
// cells beside rest and the id at its shortest (fitTitle keeps up to 12
// cells of it), so the warning is shortened whole instead of being cut
// off at the pane's edge.
func salvageNote(id, rest string, w int) string {
	idW := min(12, ansi.StringWidth(id))
	for _, n := range salvageNotes {
		if idW+ansi.StringWidth(rest)+ansi.StringWidth(n) <= w {
			return n
		}
	}
	return salvageNotes[len(salvageNotes)-1]
}
