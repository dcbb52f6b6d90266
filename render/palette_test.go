package render

import (
	"image/color"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseXColor(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want color.RGBA
		ok   bool
	}{
		{"rgb:ffff/ffff/ffff", color.RGBA{255, 255, 255, 255}, true},
		{"rgb:0000/0000/0000", color.RGBA{0, 0, 0, 255}, true},
		{"rgb:cdcd/0000/0000", color.RGBA{0xcd, 0, 0, 255}, true},
		{"rgb:ff/80/00", color.RGBA{0xff, 0x80, 0, 255}, true},
		{"rgb:f/8/0", color.RGBA{0xff, 0x88, 0, 255}, true},
		{"rgb:fff/000/888", color.RGBA{0xff, 0, 0x88, 255}, true},
		{"rgba:ffff/0000/0000/ffff", color.RGBA{0xff, 0, 0, 255}, true},
		{"#00cdcd", color.RGBA{0, 0xcd, 0xcd, 255}, true},
		{"#fff", color.RGBA{255, 255, 255, 255}, true},
		{" rgb:1010/2020/3030 ", color.RGBA{0x10, 0x20, 0x30, 255}, true},
		{"", color.RGBA{}, false},
		{"rgb:", color.RGBA{}, false},
		{"rgb:ffff/ffff", color.RGBA{}, false},
		{"rgb:ffff/ffff/ffff/ffff", color.RGBA{}, false},
		{"rgb:fffff/0/0", color.RGBA{}, false},
		{"rgb:gg/00/00", color.RGBA{}, false},
		{"rgb:/00/00", color.RGBA{}, false},
		{"rgb:+f/00/00", color.RGBA{}, false},
		{"#12345", color.RGBA{}, false},
		{"#", color.RGBA{}, false},
		{"white", color.RGBA{}, false},
		{"?", color.RGBA{}, false},
	} {
		got, ok := ParseXColor(tc.in)
		assert.Equal(t, tc.ok, ok, "%q", tc.in)
		assert.Equal(t, tc.want, got, "%q", tc.in)
	}
}

// TestParseRepliesPalette: the colour replies, ST- or BEL-terminated and
// mixed with the other replies and garbage, fill the palette; replies
// that are not colours are skipped.
func TestParseRepliesPalette(t *testing.T) {
	in := "\x1b]10;rgb:0000/0000/0000\x1b\\" + "junk\x1b]11;rgb:ffff/ffff/ffff\x07" +
		"\x1b]4;6;rgb:0000/ffff/ffff\x1b\\" + "\x1b]4;3;rgb:zz/00/00\x1b\\" + "\x1b]4;x;rgb:00/00/00\x1b\\" +
		"\x1b]4;999;rgb:00/00/00\x1b\\" + "\x1b]11;\x1b\\" + "\x1b]4;1;rgb:cd/00/00" + "\x1b[?62;4c"
	r := parseReplies([]byte(in))
	require.True(t, r.da1)
	assert.Equal(t, color.RGBA{0, 0, 0, 255}, r.palette.Fg)
	assert.Equal(t, color.RGBA{255, 255, 255, 255}, r.palette.Bg)
	assert.Equal(t, map[int]color.Color{6: color.RGBA{0, 255, 255, 255}}, r.palette.ANSI, "only the well-formed OSC 4 reply")
	assert.True(t, r.palette.Known())
	assert.False(t, parseReplies([]byte("\x1b[?62c")).palette.Known(), "no answer, no palette")
}

// TestProbeAsksColoursBeforeDA1: the colour queries go before the device
// attributes, whose reply ends the reading.
func TestProbeAsksColoursBeforeDA1(t *testing.T) {
	i := strings.Index(probe, "\x1b]11;?")
	require.GreaterOrEqual(t, i, 0)
	assert.Less(t, i, strings.Index(probe, "\x1b[c"))
	assert.Contains(t, probe, "\x1b]4;6;?")
}

// TestOuterPaletteFills: the outer terminal's colours (through tmux's
// passthrough) fill what tmux did not answer.
func TestOuterPaletteFills(t *testing.T) {
	c := Caps{Palette: Palette{Bg: color.RGBA{1, 1, 1, 255}}}
	c.addOuter(parseReplies([]byte("\x1b]11;rgb:ff/ff/ff\x1b\\\x1b]10;rgb:00/00/00\x1b\\\x1b]4;1;rgb:ff/00/00\x1b\\\x1b[?62;4c")))
	assert.Equal(t, color.RGBA{1, 1, 1, 255}, c.Palette.Bg)
	assert.Equal(t, color.RGBA{0, 0, 0, 255}, c.Palette.Fg)
	assert.Equal(t, color.RGBA{255, 0, 0, 255}, c.Palette.ANSI[1])
}

func FuzzParseXColor(f *testing.F) {
	for _, s := range []string{"rgb:ffff/0000/cdcd", "rgba:f/f/f/f", "#abc", "rgb:", "#", "rgb:1/2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := ParseXColor(s)
		if !ok && c != (color.RGBA{}) {
			t.Fatalf("%q: not a colour but %v", s, c)
		}
		if ok && c.A != 0xff {
			t.Fatalf("%q: alpha %d", s, c.A)
		}
	})
}

func FuzzPaletteReplies(f *testing.F) {
	f.Add("\x1b]11;rgb:ffff/ffff/ffff\x1b\\\x1b]4;6;rgb:0/f/f\x07\x1b[?62c")
	f.Add("\x1b]4;;\x1b]10;")
	f.Fuzz(func(t *testing.T, s string) {
		r := parseReplies([]byte(s))
		for n := range r.palette.ANSI {
			if n < 0 || n > 255 {
				t.Fatalf("index %d", n)
			}
		}
	})
}

// TestParseMltermReplies: the replies mlterm 3.9 sent to the colour
// queries and DA1 under term-shot (copied byte for byte).
func TestParseMltermReplies(t *testing.T) {
	in := "\x1b]10;rgb:0000/0000/0000\x1b\\\x1b]11;rgb:ffff/ffff/ffff\x1b\\\x1b]4;0;rgb:0000/0000/0000\x1b\\" +
		"\x1b]4;1;rgb:cdcd/0000/0000\x1b\\\x1b]4;3;rgb:cdcd/cdcd/0000\x1b\\\x1b]4;4;rgb:0000/0000/eeee\x1b\\" +
		"\x1b]4;6;rgb:0000/cdcd/cdcd\x1b\\\x1b]4;14;rgb:0000/ffff/ffff\x1b\\\x1b[?63;1;2;3;4;6;7;15;18;22;29c"
	r := parseReplies([]byte(in))
	require.True(t, r.da1)
	assert.True(t, r.sixel)
	assert.Equal(t, color.RGBA{255, 255, 255, 255}, r.palette.Bg)
	assert.Equal(t, color.RGBA{0, 0xcd, 0xcd, 255}, r.palette.ANSI[6])
	assert.Equal(t, color.RGBA{0, 0, 0xee, 255}, r.palette.ANSI[4])
	assert.Len(t, r.palette.ANSI, 6)
}
