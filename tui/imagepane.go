package tui

import (
	"math"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// flushDelay is how long after a frame an out-of-band picture is written:
// long enough for the renderer to have drawn the frame that reserved its
// cells (Bubble Tea renders at 60 fps).
const flushDelay = 40 * time.Millisecond

// imageState tracks the picture of the image pane: what was asked for,
// what came back, and whether an out-of-band picture is on the screen.
type imageState struct {
	reqKey string // key of the request in flight or satisfied
	gen    int    // generation of the latest request
	pic    *Picture
	picFor string // item the picture shows
	picKey string // request key the picture answers
	err    error
	errFor string

	rect     Rect   // inner rect of the pane the picture is placed in
	visible  bool   // the pane is on screen (no dialog or too-small view over it)
	onScreen bool   // an out-of-band (AtCursor) picture may be on the terminal
	release  []byte // removes the picture on screen by its id (kitty); nil: blank its cells
	sent     bool   // the current picture was written at rect
	flushing bool   // an imageFlushMsg is pending
	// beside is what the panes left and right of the picture showed, row
	// by row, when it was written (imagerepair.go).
	beside [][2]string
}

// invalidate forgets where the picture is (after a resize the layout
// changes and the terminal repaints), so it is sent again. Pixels drawn
// over cells (sixel, iTerm2) are gone with the repaint; a kitty image
// placed at a cell outlives it, so it stays on record as on screen and
// syncImage deletes it.
func (s *imageState) invalidate() {
	s.sent = false
	if s.release == nil {
		s.onScreen = false
	}
	s.rect = Rect{}
	s.visible = false
}

// wipe removes the out-of-band picture on screen: by its id where the
// terminal keeps one (kitty), else by blanking rect, or by a full repaint
// when rect is empty (the pane moved: the old block is not known to be
// where the new one is).
func (s *imageState) wipe(rect Rect) tea.Cmd {
	rel := s.release
	s.onScreen, s.release, s.sent = false, nil, false
	switch {
	case rel != nil:
		return tea.Raw(string(rel))
	case rect.Empty():
		return tea.ClearScreen
	}
	return tea.Raw(clearBlock(rect))
}

// imageRect returns the inner rectangle of the image pane and whether the
// pane is on screen.
func (m *Model) imageRect() (Rect, bool) {
	covered := m.mode == modeRaw || m.mode == modeBlocked || (m.mode == modeHelp && m.panes.helpCovers)
	if m.layout.TooSmall || m.width == 0 || covered || m.nav.cur < 0 || m.cfg.Imager == nil {
		return Rect{}, false
	}
	r := m.layout.Image.Inner()
	return r, !r.Empty()
}

// imageRequest builds the request for the current item in rect.
func (m *Model) imageRequest(rect Rect) ImageRequest {
	it, _ := m.current()
	return ImageRequest{ItemID: it.ID, Path: it.ImagePath, Cols: rect.W, Rows: rect.H, Overlays: m.overlays(), View: m.look.view}
}

// overlays returns the boxes to draw on the current item: every grounded
// finding once the full result is known, else the disagreements' boxes.
// The selected disagreement's boxes are marked Selected; boxes are tagged
// with their disagreement's number.
func (m *Model) overlays() []Overlay {
	if !m.look.showBoxes || m.nav.cur < 0 {
		return nil
	}
	ds := m.disagreements()
	tag := map[string]string{}
	selected := ""
	for j, d := range ds {
		if _, ok := tag[string(d.Label)]; !ok {
			tag[string(d.Label)] = strconv.Itoa(j + 1)
		}
		if j == m.nav.dis {
			selected = string(d.Label)
		}
	}
	var out []Overlay
	if res := m.data.rows[m.nav.cur].result; res != nil && len(res.Findings) > 0 {
		for _, f := range res.Findings {
			if f.Box == nil {
				continue
			}
			out = append(out, Overlay{Box: *f.Box, Label: f.Label, Urgent: m.data.urgent[f.Label],
				Selected: string(f.Label) == selected, Tag: tag[string(f.Label)]})
		}
		return out
	}
	for j, d := range ds {
		for _, b := range d.Boxes {
			out = append(out, Overlay{Box: b, Label: d.Label, Urgent: d.Urgent || m.data.urgent[d.Label],
				Selected: j == m.nav.dis, Tag: strconv.Itoa(j + 1)})
		}
	}
	return out
}

// overlaysSettled reports whether the current item's boxes are known for
// now: the saved results are loaded and no full result is on its way.
func (m *Model) overlaysSettled() bool {
	if m.cfg.Store != nil && !m.data.loaded {
		return false
	}
	return !m.data.rows[m.nav.cur].detailPending
}

// key identifies a request: equal keys give equal pictures.
func (r ImageRequest) key() string {
	var b strings.Builder
	b.WriteString(r.ItemID)
	b.WriteByte(0)
	b.WriteString(r.Path)
	b.WriteByte(0)
	b.WriteString(strconv.Itoa(r.Cols) + "x" + strconv.Itoa(r.Rows))
	v := r.View
	b.WriteString(" v" + strconv.Itoa(int(v.Preset)) + "," + strconv.FormatFloat(v.Window.Width, 'g', 6, 64) + "," +
		strconv.FormatFloat(v.Window.Brightness, 'g', 6, 64) + "," + strconv.FormatBool(v.Invert))
	if v.Zoomed() {
		b.WriteString(" z" + strconv.FormatFloat(v.Zoom, 'g', 6, 64) + "," + strconv.FormatFloat(v.CenterX, 'g', 6, 64) + "," +
			strconv.FormatFloat(v.CenterY, 'g', 6, 64))
	}
	for _, o := range r.Overlays {
		b.WriteString(" " + string(o.Label) + o.Tag)
		if o.Urgent {
			b.WriteByte('!')
		}
		if o.Selected {
			b.WriteByte('*')
		}
		b.WriteString(strconv.FormatFloat(o.Box.Y0, 'g', 6, 64) + "," + strconv.FormatFloat(o.Box.X0, 'g', 6, 64) + "," +
			strconv.FormatFloat(o.Box.Y1, 'g', 6, 64) + "," + strconv.FormatFloat(o.Box.X1, 'g', 6, 64))
	}
	return b.String()
}

// syncImage brings the image in line with the state after every update:
// it asks for a new picture when the item, the pane, the overlays or the
// window changed; wipes an out-of-band picture that no longer belongs on
// the screen; and schedules writing the current one one tick after the
// frame.
func (m *Model) syncImage() tea.Cmd {
	var cmds []tea.Cmd
	rect, visible := m.imageRect()
	s := &m.img
	if s.onScreen && (!visible || rect != s.rect) {
		// The pane moved, shrank or was covered: pixels outside the new
		// block would linger where the renderer sees blank cells, and a
		// kitty image would stay over whatever covers the pane.
		cmds = append(cmds, s.wipe(Rect{}))
	}
	if visible != s.visible || rect != s.rect {
		s.rect, s.visible, s.sent = rect, visible, false
	}
	if !visible {
		return tea.Batch(cmds...)
	}
	it, _ := m.current()
	if s.onScreen && s.picFor != it.ID {
		// Never leave another item's image on the screen while the new one
		// is drawn.
		cmds = append(cmds, s.wipe(rect))
	}
	if !m.overlaysSettled() {
		// The boxes are about to change (results or findings loading):
		// draw once they are known rather than twice.
		return tea.Batch(cmds...)
	}
	req := m.imageRequest(rect)
	if k := req.key(); k != s.reqKey {
		s.reqKey = k
		s.gen++
		cmds = append(cmds, encodeImage(m.ctx, m.cfg.Imager, req, s.gen))
	}
	if s.pic != nil && len(s.pic.Raw) > 0 && s.picFor == req.ItemID && !s.sent && !s.flushing {
		s.flushing = true
		cmds = append(cmds, tea.Tick(m.timing.flushDelay, func(time.Time) tea.Msg { return imageFlushMsg{} }))
	}
	return tea.Batch(cmds...)
}

// handleImage keeps the picture of the latest request and drops the rest.
func (m *Model) handleImage(msg imageEncodedMsg) tea.Cmd {
	if msg.gen != m.img.gen {
		return nil // the reviewer moved on
	}
	if msg.err != nil {
		m.img.err, m.img.errFor = msg.err, msg.itemID
		m.img.pic, m.img.picFor = nil, ""
		return nil
	}
	pic := msg.pic
	m.img.pic, m.img.picFor, m.img.picKey, m.img.err = &pic, msg.itemID, m.img.reqKey, nil
	m.img.sent = false
	return nil
}

// handleFlush writes the out-of-band picture at the pane, if it is still
// the one to show. It needs no generation: at most one flush is pending
// (flushing), and whatever picture of the current item is on hand when it
// fires is the one to write, even if a newer one (say, another window) is
// being encoded.
func (m *Model) handleFlush(imageFlushMsg) tea.Cmd {
	s := &m.img
	s.flushing = false
	it, ok := m.current()
	if !ok || !s.visible || s.pic == nil || s.picFor != it.ID || s.sent || len(s.pic.Raw) == 0 {
		return nil
	}
	s.sent = true
	if !s.pic.AtCursor {
		// Kitty with placeholders: the transmission only; the placeholders
		// in the view place the picture.
		return tea.Raw(string(s.pic.Raw))
	}
	s.onScreen, s.release = true, s.pic.Release
	if s.release == nil {
		s.beside = m.besideRows(s.rect)
	}
	return tea.Raw(placePicture(s.rect, s.pic))
}

// placePicture is the out-of-band write: save the cursor, start a
// synchronized update, blank the pane's block (so a smaller sixel picture
// leaves nothing of the previous one), move the cursor to the cell where
// the picture, centred in the block, starts, draw it there (a kitty
// picture replaces the previous one by its id), end the synchronized
// update and restore the cursor.
func placePicture(rect Rect, pic *Picture) string {
	var b strings.Builder
	b.Grow(len(pic.Raw) + rect.H*(rect.W+12) + 64)
	b.WriteString(ansi.SaveCursor)
	b.WriteString(ansi.SetModeSynchronizedOutput)
	writeBlank(&b, rect)
	x := rect.X + max(0, (rect.W-pic.Cols)/2)
	y := rect.Y + max(0, (rect.H-pic.Rows)/2)
	b.WriteString(ansi.CursorPosition(x+1, y+1))
	b.Write(pic.Raw)
	b.WriteString(ansi.ResetModeSynchronizedOutput)
	b.WriteString(ansi.RestoreCursor)
	return b.String()
}

// clearBlock blanks rect out of band (removing a picture the renderer does
// not know about).
func clearBlock(rect Rect) string {
	var b strings.Builder
	b.WriteString(ansi.SaveCursor)
	b.WriteString(ansi.SetModeSynchronizedOutput)
	writeBlank(&b, rect)
	b.WriteString(ansi.ResetModeSynchronizedOutput)
	b.WriteString(ansi.RestoreCursor)
	return b.String()
}

func writeBlank(b *strings.Builder, rect Rect) {
	b.WriteString(ansi.ResetStyle)
	spaces := strings.Repeat(" ", rect.W)
	for y := 0; y < rect.H; y++ {
		b.WriteString(ansi.CursorPosition(rect.X+1, rect.Y+y+1))
		b.WriteString(spaces)
	}
}

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
	title := Sanitize(it.ID) + m.viewTitle(it.ID)
	if res := m.data.rows[m.nav.cur].result; res != nil {
		if g, _ := salvagedStages(res); g {
			title += " · (!) findings salvaged: check them (r)"
		}
	}
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
