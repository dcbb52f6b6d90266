package tui

import (
	"strconv"
	"strings"

	"github.com/cxr-auditor/cxr-auditor/render"
)

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
	if m.cmp != nil {
		return m.compareOverlays()
	}
	if m.truth.on && m.data.hasTruth(m.nav.cur) {
		return m.truthOverlays()
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
	if res := m.data.rows.get(m.nav.cur).result; res != nil && len(res.Findings) > 0 {
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
	return !m.data.rows.get(m.nav.cur).detailPending
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
		if o.Stroke != render.StrokeSolid {
			b.WriteString("~" + strconv.Itoa(int(o.Stroke)))
		}
		if o.Truth {
			b.WriteByte('T')
		}
		b.WriteString(strconv.FormatFloat(o.Box.Y0, 'g', 6, 64) + "," + strconv.FormatFloat(o.Box.X0, 'g', 6, 64) + "," +
			strconv.FormatFloat(o.Box.Y1, 'g', 6, 64) + "," + strconv.FormatFloat(o.Box.X1, 'g', 6, 64))
	}
	return b.String()
}
