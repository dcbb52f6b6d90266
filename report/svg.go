package report

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// okabeIto is the Okabe-Ito colour-blind-safe palette, in the order
// series take it (blue, orange, bluish green, vermillion, reddish purple,
// sky blue, yellow), the same colours the workstation's boxes use.
var okabeIto = []string{"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442"}

// The chart's frame, in SVG user units.
const (
	svgW, svgH                    = 720.0, 300.0
	padL, padR, padTop, padBottom = 56.0, 12.0, 34.0, 58.0
)

// SVG draws f as an inline SVG element. Every text in it is escaped. The
// root carries the plot area's pixel bounds (data-top, data-bottom) and
// its value range (data-ymin, data-ymax), and every bar its value and the
// id of the table cell holding it (data-value, data-cell), so a reader or
// a test can check each bar's height against the table.
func SVG(f *Figure) string {
	var b strings.Builder
	esc := html.EscapeString
	id := esc(f.ID)
	top, bottom := padTop, svgH-padBottom
	span := f.YMax - f.YMin
	if !(span > 0) {
		span = 1
	}
	y := func(v float64) float64 { return bottom - (v-f.YMin)/span*(bottom-top) }
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" id="%s" class="chart" viewBox="0 0 %g %g" width="%g" height="%g" role="img" aria-labelledby="%s-t %s-d" data-top="%g" data-bottom="%g" data-ymin="%s" data-ymax="%s">`,
		id, svgW, svgH, svgW, svgH, id, id, top, bottom, fnum(f.YMin), fnum(f.YMax))
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, esc(f.Title), id, esc(f.Alt))
	b.WriteString(`<rect x="0" y="0" width="720" height="300" fill="#fff"/>`)
	writeAxis(&b, f, y, top, bottom)
	writeLegend(&b, f.Series)
	writeBars(&b, f, y)
	b.WriteString(`</svg>`)
	return b.String()
}

// writeAxis draws the y grid with its ticks, the zero line and the y
// label.
func writeAxis(b *strings.Builder, f *Figure, y func(float64) float64, top, bottom float64) {
	// An even count when the range spans zero puts a tick on it.
	ticks := 5
	if f.YMin < 0 {
		ticks = 4
	}
	for k := 0; k <= ticks; k++ {
		v := f.YMin + (f.YMax-f.YMin)*float64(k)/float64(ticks)
		yy := y(v)
		fmt.Fprintf(b, `<line x1="%g" x2="%g" y1="%.2f" y2="%.2f" stroke="#ccc" stroke-width="0.5"/>`, padL, svgW-padR, yy, yy)
		fmt.Fprintf(b, `<text x="%g" y="%.2f" font-size="10" text-anchor="end" dominant-baseline="middle">%s</text>`, padL-4, yy, tick(v))
	}
	if f.YMin < 0 && f.YMax > 0 {
		fmt.Fprintf(b, `<line class="zero" x1="%g" x2="%g" y1="%.2f" y2="%.2f" stroke="#000" stroke-width="1"/>`, padL, svgW-padR, y(0), y(0))
	}
	fmt.Fprintf(b, `<line x1="%g" x2="%g" y1="%g" y2="%g" stroke="#000"/>`, padL, padL, top, bottom)
	fmt.Fprintf(b, `<text x="12" y="%g" font-size="11" text-anchor="middle" transform="rotate(-90 12 %g)">%s</text>`,
		(top+bottom)/2, (top+bottom)/2, html.EscapeString(f.YLabel))
}

// writeLegend draws a swatch and the name of each series along the top.
func writeLegend(b *strings.Builder, series []string) {
	x := padL
	for i, s := range series {
		name := s
		if r := []rune(name); len(r) > 40 {
			name = string(r[:39]) + "…"
		}
		fmt.Fprintf(b, `<rect x="%g" y="8" width="12" height="12" fill="%s" stroke="#222" stroke-width="0.5"/>`, x, okabeIto[i%len(okabeIto)])
		fmt.Fprintf(b, `<text x="%g" y="18" font-size="11">%s</text>`, x+16, html.EscapeString(name))
		x += 28 + 6.5*float64(len([]rune(name)))
	}
}

// writeBars draws each group's bars, their error bars and the group names.
func writeBars(b *strings.Builder, f *Figure, y func(float64) float64) {
	if len(f.Groups) == 0 {
		return
	}
	gw := (svgW - padL - padR) / float64(len(f.Groups))
	base := math.Min(math.Max(0, f.YMin), f.YMax)
	for gi, g := range f.Groups {
		x0 := padL + gw*float64(gi)
		bw := gw * 0.8 / float64(max(1, len(g.Bars)))
		for k, bar := range g.Bars {
			x := x0 + gw*0.1 + bw*float64(k)
			if math.IsNaN(bar.Value) {
				fmt.Fprintf(b, `<text x="%.2f" y="%.2f" font-size="9" text-anchor="middle">n/a</text>`, x+bw/2, y(base)-3)
				continue
			}
			v := math.Min(math.Max(bar.Value, f.YMin), f.YMax)
			y0, y1 := y(base), y(v)
			fmt.Fprintf(b, `<rect class="bar" x="%.2f" y="%.3f" width="%.2f" height="%.3f" fill="%s" stroke="#222" stroke-width="0.5" data-value="%s" data-cell="%s" data-series="%d"><title>%s</title></rect>`,
				x, math.Min(y0, y1), bw, math.Abs(y1-y0), okabeIto[bar.Series%len(okabeIto)], fnum(bar.Value), html.EscapeString(bar.Cell), bar.Series,
				html.EscapeString(f.Series[bar.Series]+", "+g.Name+": "+fnum(bar.Value)))
			if !math.IsNaN(bar.Low) && !math.IsNaN(bar.High) {
				cx, lo, hi := x+bw/2, y(math.Max(bar.Low, f.YMin)), y(math.Min(bar.High, f.YMax))
				fmt.Fprintf(b, `<path class="err" d="M%.2f %.2fV%.2fM%.2f %.2fh%.2fM%.2f %.2fh%.2f" stroke="#000" stroke-width="1.2" fill="none" data-low="%s" data-high="%s"/>`,
					cx, lo, hi, cx-bw/4, lo, bw/2, cx-bw/4, hi, bw/2, fnum(bar.Low), fnum(bar.High))
			}
		}
		writeGroupName(b, g.Name, x0+gw/2)
	}
}

// writeGroupName writes a group's name under its bars, on two lines when
// it is long (split at the underscore nearest its middle).
func writeGroupName(b *strings.Builder, name string, cx float64) {
	lines := []string{name}
	if len(name) > 14 {
		best := -1
		for i, r := range name {
			if r == '_' && (best < 0 || abs(i-len(name)/2) < abs(best-len(name)/2)) {
				best = i
			}
		}
		if best > 0 {
			lines = []string{name[:best+1], name[best+1:]}
		}
	}
	for i, l := range lines {
		fmt.Fprintf(b, `<text x="%.2f" y="%g" font-size="10" text-anchor="middle">%s</text>`, cx, svgH-padBottom+14+12*float64(i), html.EscapeString(l))
	}
}

func abs(i int) int { return max(i, -i) }

// fnum is a value as the data attributes hold it: shortest exact form.
func fnum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// tick is an axis label: as few places as the value needs, at most 2.
func tick(v float64) string {
	if math.Abs(v) < 1e-12 {
		return "0"
	}
	return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64)
}
