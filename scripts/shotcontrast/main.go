// Command shotcontrast measures text contrast on a terminal screenshot by
// its pixels, not by assumed colours: for every character cell it takes
// the cell's most common colour as the background and, among the colours
// covering at least -min pixels, the one of highest contrast with it as
// the ink, then reports the WCAG contrast ratio of the lowest cells.
// Cells with many colours (a picture) are skipped.
//
//	go run ./scripts/shotcontrast -cols 160 -rows 48 shot.png
package main

import (
	"flag"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"sort"
	"strings"
)

type cell struct {
	x, y    int
	fg, bg  [3]uint8
	ratio   float64
	fgCount int
}

func main() {
	cols := flag.Int("cols", 160, "terminal width in cells")
	rows := flag.Int("rows", 48, "terminal height in cells")
	minPx := flag.Int("min", 4, "pixels an ink colour must cover")
	maxColours := flag.Int("max-colours", 24, "cells with more distinct colours are pictures, skipped")
	show := flag.Int("n", 8, "lowest cells to list")
	left := flag.Int("left", 0, "pixels left of the first column (a scroll bar)")
	cellW := flag.Int("cw", 0, "cell width in pixels (0: the width over -cols)")
	cellH := flag.Int("ch", 0, "cell height in pixels (0: the height over -rows)")
	ignore := flag.String("ignore", "", "colours RRGGBB,… that are not text (frame lines, banner edges): never an ink")
	skip := flag.String("skip", "", "cell rectangle X0,Y0,X1,Y1 to leave out (the picture), inclusive")
	flag.Parse()
	var sk [4]int
	if *skip != "" {
		if _, err := fmt.Sscanf(*skip, "%d,%d,%d,%d", &sk[0], &sk[1], &sk[2], &sk[3]); err != nil {
			fmt.Fprintln(os.Stderr, "shotcontrast: -skip X0,Y0,X1,Y1:", err)
			os.Exit(2)
		}
	} else {
		sk = [4]int{-1, -1, -1, -1}
	}
	for _, path := range flag.Args() {
		g := grid{cols: *cols, rows: *rows, left: *left, cw: *cellW, ch: *cellH, ignore: map[[3]uint8]bool{}}
		for _, h := range strings.Split(*ignore, ",") {
			var c [3]uint8
			if _, err := fmt.Sscanf(h, "%02X%02X%02X", &c[0], &c[1], &c[2]); err == nil {
				g.ignore[c] = true
			}
		}
		if err := measure(path, g, *minPx, *maxColours, *show, sk); err != nil {
			fmt.Fprintln(os.Stderr, "shotcontrast:", err)
			os.Exit(1)
		}
	}
}

// grid is where the cells are on the screenshot.
type grid struct {
	cols, rows, left, cw, ch int
	ignore                   map[[3]uint8]bool
}

func measure(path string, g grid, minPx, maxColours, show int, skip [4]int) error {
	cols, rows := g.cols, g.rows
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	b := img.Bounds()
	cw, ch := (b.Dx()-g.left)/cols, b.Dy()/rows
	if g.cw > 0 {
		cw = g.cw
	}
	if g.ch > 0 {
		ch = g.ch
	}
	var cells []cell
	for cy := range rows {
		for cx := range cols {
			if cx >= skip[0] && cx <= skip[2] && cy >= skip[1] && cy <= skip[3] {
				continue
			}
			if c, ok := measureCell(img, b.Min.X+g.left+cx*cw, b.Min.Y+cy*ch, cw, ch, minPx, maxColours, g.ignore); ok {
				c.x, c.y = cx, cy
				cells = append(cells, c)
			}
		}
	}
	sort.Slice(cells, func(i, j int) bool { return cells[i].ratio < cells[j].ratio })
	fmt.Printf("%s: %d text cells (cell %dx%d px)\n", path, len(cells), cw, ch)
	for _, c := range cells[:min(show, len(cells))] {
		fmt.Printf("  %.2f:1  cell %d,%d  ink #%02X%02X%02X on #%02X%02X%02X (%d px)\n",
			c.ratio, c.x, c.y, c.fg[0], c.fg[1], c.fg[2], c.bg[0], c.bg[1], c.bg[2], c.fgCount)
	}
	return nil
}

// measureCell finds a cell's background and ink; ok is false for a blank
// cell or a picture.
func measureCell(img image.Image, x0, y0, w, h, minPx, maxColours int, ignore map[[3]uint8]bool) (cell, bool) {
	hist := map[[3]uint8]int{}
	for y := y0; y < y0+h; y++ {
		for x := x0; x < x0+w; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			hist[[3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8)}]++
		}
	}
	if len(hist) < 2 || len(hist) > maxColours {
		return cell{}, false
	}
	var bg [3]uint8
	most := -1
	for c, n := range hist {
		if n > most {
			bg, most = c, n
		}
	}
	best := cell{bg: bg, ratio: -1}
	for c, n := range hist {
		if c == bg || n < minPx || ignore[c] || ignore[bg] {
			continue
		}
		if r := contrast(c, bg); r > best.ratio {
			best.fg, best.ratio, best.fgCount = c, r, n
		}
	}
	return best, best.ratio > 0
}

// contrast is the WCAG 2 contrast ratio of two sRGB colours.
func contrast(a, b [3]uint8) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(c [3]uint8) float64 {
	lin := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c[0]) + 0.7152*lin(c[1]) + 0.0722*lin(c[2])
}
