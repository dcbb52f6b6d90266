package render

import (
	"context"
	"image"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// markGrid draws the marks as text, "." where the picture shows.
func markGrid(marks [][]*cellMark) []string {
	var out []string
	for _, row := range marks {
		var b strings.Builder
		for _, m := range row {
			if m == nil {
				b.WriteByte('.')
			} else {
				b.WriteString(m.glyph)
			}
		}
		out = append(out, b.String())
	}
	return out
}

func TestCellMarks(t *testing.T) {
	img := image.Rect(0, 0, 10, 12) // 10 x 6 cells
	box := schema.Box{Y0: 2.0 / 12, X0: 0.1, Y1: 10.0 / 12, X1: 0.7}
	tests := []struct {
		name string
		ovs  []Overlay
		want []string
	}{
		{"light outline with its tag", []Overlay{{Box: box, Label: schema.PleuralEffusion, Tag: "1"}}, []string{
			"..........",
			".┌1───┐...",
			".│....│...",
			".│....│...",
			".└────┘...",
			"..........",
		}},
		{"urgent is double", []Overlay{{Box: box, Label: schema.Pneumothorax, Urgent: true}}, []string{
			"..........",
			".╔════╗...",
			".║....║...",
			".║....║...",
			".╚════╝...",
			"..........",
		}},
		{"selected is heavy and on top", []Overlay{
			{Box: schema.Box{Y0: 0, X0: 0, Y1: 0.5, X1: 0.5}, Label: schema.NoduleMass, Selected: true, Tag: "2"},
			{Box: box, Label: schema.PleuralEffusion, Tag: "1"},
		}, []string{
			"┏2━━┓.....",
			"┃┌1─┃─┐...",
			"┗━━━┛.│...",
			".│....│...",
			".└────┘...",
			"..........",
		}},
		{"dashed and dotted strokes break the edges", []Overlay{
			{Box: schema.Box{Y0: 0, X0: 0, Y1: 0.5, X1: 0.5}, Label: schema.NoduleMass, Stroke: StrokeDashed, Tag: "B"},
			{Box: box, Label: schema.PleuralEffusion, Stroke: StrokeDotted, Urgent: true},
		}, []string{
			"┌B╌╌┐.....",
			"╎┌┈┈┈┈┐...",
			"└┊╌╌┘.┊...",
			".┊....┊...",
			".└┈┈┈┈┘...",
			"..........",
		}},
		{"narrow box: tag on the corner; one cell", []Overlay{
			{Box: schema.Box{Y0: 0, X0: 0.8, Y1: 0.5, X1: 0.9}, Label: schema.Cardiomegaly, Tag: "12"},
			{Box: schema.Box{Y0: 10.0 / 12, X0: 0, Y1: 11.0 / 12, X1: 0.1}, Label: schema.LungOpacity},
		}, []string{
			"........12",
			"........│.",
			"........┴.",
			"..........",
			"..........",
			"+.........",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, markGrid(cellMarks(tt.ovs, img, 10, 6)))
		})
	}
}

// TestBlocksThinOutlines: on a half-block picture a box is one glyph wide
// (not a bar of whole cells over the anatomy), carries its tag, and every
// line keeps the picture's width.
func TestBlocksThinOutlines(t *testing.T) {
	r := loadPhantom(t, "phantom-ptx-mono1.dcm")
	enc, err := NewEncoder(ProtocolBlocks, Caps{TrueColor: true})
	require.NoError(t, err)
	ov := Overlay{Box: schema.Box{Y0: 0.1, X0: 0.1, Y1: 0.4, X1: 0.45}, Label: schema.Pneumothorax, Urgent: true, Selected: true, Tag: "1"}
	pic, err := enc.Encode(context.Background(), Request{Image: r, Window: r.DefaultWindow, Overlays: []Overlay{ov}, ShowBoxes: true, Cols: 60, Rows: 30})
	require.NoError(t, err)
	lines := strings.Split(pic.Cells, "\n")
	require.Len(t, lines, pic.Rows)
	for _, l := range lines {
		assert.Equal(t, pic.Cols, ansi.StringWidth(l))
	}
	plain := strings.Split(ansi.Strip(pic.Cells), "\n")
	var top, sides int
	for _, l := range plain {
		if strings.Contains(l, "╔1") {
			top++
		}
		if strings.Count(l, "║") == 2 {
			sides++
		}
	}
	assert.Equal(t, 1, top, "the top edge with the tag")
	assert.Greater(t, sides, 3, "interior rows show the picture between two thin edges")
	assert.Contains(t, pic.Cells, "\x1b[0;1;38;2;0;0;0;48;2;", "the tag is black on the label colour")

	off, err := enc.Encode(context.Background(), Request{Image: r, Window: r.DefaultWindow, Overlays: []Overlay{ov}, Cols: 60, Rows: 30})
	require.NoError(t, err)
	assert.NotContains(t, ansi.Strip(off.Cells), "║", "no boxes when they are off")
}

// TestStrokeRect: a dashed outline paints less than a solid one and more
// than a dotted one, every corner painted.
func TestStrokeRect(t *testing.T) {
	count := func(s Stroke) int {
		m := image.NewPaletted(image.Rect(0, 0, 60, 60), nil)
		r := image.Rect(5, 5, 55, 45)
		strokeRect(m, r, 2, 1, s)
		for _, p := range []image.Point{r.Min, {r.Max.X - 1, r.Min.Y}, {r.Min.X, r.Max.Y - 1}, {r.Max.X - 1, r.Max.Y - 1}} {
			assert.Equal(t, uint8(1), m.ColorIndexAt(p.X, p.Y), "stroke %d corner %v", s, p)
		}
		n := 0
		for _, v := range m.Pix {
			if v == 1 {
				n++
			}
		}
		return n
	}
	solid, dashed, dotted := count(StrokeSolid), count(StrokeDashed), count(StrokeDotted)
	assert.Greater(t, solid, dashed)
	assert.Greater(t, dashed, dotted)
	assert.Positive(t, dotted)
}
