// Command shotcontrast measures text contrast on a terminal screenshot by
// its pixels, not by assumed colours. Each character cell's most common
// colour is its background. A cell where one colour covers -core pixels
// or more shows a glyph's core: that colour, the highest-contrast one
// covering -min pixels, is a solid ink of that background. A thin glyph
// (`/`, `,`, `•`) has no pixel of its ink, only anti-aliased blends of
// ink and background: it is measured at the solid ink its pixels are a
// blend of (the least contrasting one that explains them), not at its
// blends, which would put the floor near 2:1 for any ink. A cell whose
// pixels no solid ink explains is reported at its own highest-contrast
// colour and marked. Cells with many colours (a picture) are skipped.
//
//	go run ./scripts/shotcontrast -cols 160 -rows 48 shot.png
package main

import (
	"flag"
	"fmt"
	"image/png"
	"os"
	"sort"
	"strings"
)

func main() {
	cols := flag.Int("cols", 160, "terminal width in cells")
	rows := flag.Int("rows", 48, "terminal height in cells")
	minPx := flag.Int("min", 4, "pixels a colour must cover to be a cell's ink")
	coreMin := flag.Int("core", 8, "pixels of one ink that make a glyph's core")
	maxColours := flag.Int("max-colours", 64, "cells with more distinct colours are pictures, skipped")
	show := flag.Int("n", 8, "lowest cells to list")
	left := flag.Int("left", 0, "pixels left of the first column (a scroll bar, a margin)")
	top := flag.Int("top", 0, "pixels above the first row (a margin)")
	cellW := flag.Int("cw", 0, "cell width in pixels (0: the width over -cols)")
	cellH := flag.Int("ch", 0, "cell height in pixels (0: the height over -rows)")
	ignore := flag.String("ignore", "", "colours RRGGBB,… that are not text (frame lines): a cell whose strongest colour is one of them is skipped")
	skip := flag.String("skip", "", "cell rectangle X0,Y0,X1,Y1 to leave out (the picture), inclusive")
	only := flag.String("only", "", "cell rectangle X0,Y0,X1,Y1 to report on (one pane, one line), inclusive; solid inks are still found on the whole screen")
	flag.Parse()
	g := grid{cols: *cols, rows: *rows, left: *left, top: *top, cw: *cellW, ch: *cellH, ignore: map[rgb]bool{}}
	for _, r := range []struct {
		name, v string
		to      *[4]int
		none    [4]int
	}{{"skip", *skip, &g.skip, [4]int{-1, -1, -1, -1}}, {"only", *only, &g.only, [4]int{0, 0, *cols, *rows}}} {
		*r.to = r.none
		if r.v == "" {
			continue
		}
		if _, err := fmt.Sscanf(r.v, "%d,%d,%d,%d", &r.to[0], &r.to[1], &r.to[2], &r.to[3]); err != nil {
			fmt.Fprintf(os.Stderr, "shotcontrast: -%s X0,Y0,X1,Y1: %v\n", r.name, err)
			os.Exit(2)
		}
	}
	for _, h := range strings.Split(*ignore, ",") {
		var c rgb
		if _, err := fmt.Sscanf(h, "%02X%02X%02X", &c[0], &c[1], &c[2]); err == nil {
			g.ignore[c] = true
		}
	}
	o := opts{minPx: *minPx, coreMin: *coreMin, maxColours: *maxColours}
	for _, path := range flag.Args() {
		if err := report(path, g, o, *show); err != nil {
			fmt.Fprintln(os.Stderr, "shotcontrast:", err)
			os.Exit(1)
		}
	}
}

// report measures one screenshot and prints the lowest cells and every
// ink found.
func report(path string, g grid, o opts, show int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	ms := within(measure(scan(img, g, o), o), g.only)
	fmt.Printf("%s: %d text cells\n", path, len(ms))
	for _, m := range ms[:min(show, len(ms))] {
		fmt.Printf("  %.2f:1  cell %d,%d  ink #%02X%02X%02X on #%02X%02X%02X%s\n",
			m.ratio, m.x, m.y, m.ink[0], m.ink[1], m.ink[2], m.bg[0], m.bg[1], m.bg[2], note(m))
	}
	type pair struct{ ink, bg rgb }
	count, thin := map[pair]int{}, map[pair]int{}
	for _, m := range ms {
		count[pair{m.ink, m.bg}]++
		if m.thin {
			thin[pair{m.ink, m.bg}]++
		}
	}
	pairs := make([]pair, 0, len(count))
	for p := range count {
		pairs = append(pairs, p)
	}
	sort.Slice(pairs, func(i, j int) bool { return contrast(pairs[i].ink, pairs[i].bg) < contrast(pairs[j].ink, pairs[j].bg) })
	fmt.Println("  inks:")
	for _, p := range pairs {
		fmt.Printf("    %.2f:1  #%02X%02X%02X on #%02X%02X%02X  %d cells (%d thin)\n",
			contrast(p.ink, p.bg), p.ink[0], p.ink[1], p.ink[2], p.bg[0], p.bg[1], p.bg[2], count[p], thin[p])
	}
	return nil
}

// within keeps the cells inside the rectangle r (inclusive).
func within(ms []measured, r [4]int) []measured {
	out := ms[:0:0]
	for _, m := range ms {
		if m.x >= r[0] && m.x <= r[2] && m.y >= r[1] && m.y <= r[3] {
			out = append(out, m)
		}
	}
	return out
}

func note(m measured) string {
	switch {
	case m.unexplained:
		return "  (no solid ink explains its pixels: its own colour)"
	case m.thin:
		return "  (thin glyph: its blends' solid ink)"
	}
	return ""
}
