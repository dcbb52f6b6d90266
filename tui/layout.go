package tui

// MinWidth and MinHeight are the smallest terminal the workstation draws
// in; below them it shows "terminal too small" instead.
const (
	MinWidth  = 60
	MinHeight = 18
)

// MinMainHeight is the smallest height left to the panes when the help
// screen is below them.
const MinMainHeight = 12

// wideWidth is the width from which the disagreement and draft panes move
// to a column of their own beside the image.
const wideWidth = 110

// statusLines is the height of the status bar: progress and hosts, then
// the message line.
const statusLines = 2

// Rect is a rectangle of terminal cells: X, Y of the top-left cell (0-based)
// and the size W x H.
type Rect struct{ X, Y, W, H int }

// Inner returns r without its one-cell border.
func (r Rect) Inner() Rect {
	return Rect{X: r.X + 1, Y: r.Y + 1, W: max(0, r.W-2), H: max(0, r.H-2)}
}

// Empty reports whether r has no cells.
func (r Rect) Empty() bool { return r.W <= 0 || r.H <= 0 }

// Layout is where each pane goes on the screen. Pane rectangles include
// their border.
type Layout struct {
	// Width and Height are the terminal's size.
	Width, Height int
	// TooSmall is true below MinWidth x MinHeight; no pane is placed then.
	TooSmall bool
	// Wide is true when disagreements and draft form a column beside the
	// image; otherwise the disagreements sit beside the image and the draft
	// spans the bottom.
	Wide                                  bool
	Worklist, Image, Disagreements, Draft Rect
	Status, Help                          Rect
}

// ComputeLayout places the panes for a width x height terminal with a help
// area of helpLines lines (1 for the short help; more when the full help is
// open, clamped so the panes keep a usable height). It is a pure function.
func ComputeLayout(width, height, helpLines int) Layout {
	l := Layout{Width: width, Height: height}
	if width < MinWidth || height < MinHeight {
		l.TooSmall = true
		return l
	}
	helpLines = min(max(1, helpLines), height-statusLines-MinMainHeight)
	mainH := height - statusLines - helpLines

	wlW := min(max(width/5, 18), 30)
	rest := width - wlW
	l.Worklist = Rect{X: 0, Y: 0, W: wlW, H: mainH}

	if width >= wideWidth {
		l.Wide = true
		sideW := min(max(rest*2/5, 36), 64)
		imgW := rest - sideW
		l.Image = Rect{X: wlW, Y: 0, W: imgW, H: mainH}
		disH := max(mainH*2/5, 6)
		l.Disagreements = Rect{X: wlW + imgW, Y: 0, W: sideW, H: disH}
		l.Draft = Rect{X: wlW + imgW, Y: disH, W: sideW, H: mainH - disH}
	} else {
		draftH := min(max(mainH/3, 5), 10)
		topH := mainH - draftH
		// An image cell is about twice as tall as wide: a square picture of
		// topH-2 rows needs 2*(topH-2) columns.
		imgW := min(rest/2, 2*(topH-2)+2)
		l.Image = Rect{X: wlW, Y: 0, W: imgW, H: topH}
		l.Disagreements = Rect{X: wlW + imgW, Y: 0, W: rest - imgW, H: topH}
		l.Draft = Rect{X: wlW, Y: topH, W: rest, H: draftH}
	}
	l.Status = Rect{X: 0, Y: mainH, W: width, H: statusLines}
	l.Help = Rect{X: 0, Y: mainH + statusLines, W: width, H: helpLines}
	return l
}
