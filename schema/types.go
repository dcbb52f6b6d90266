package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// BoxFormat names the only box convention used anywhere in cxr-auditor:
// [y0, x0, y1, x1], normalized to [0,1], y by image height, x by image width,
// origin at the top-left corner of the original (unpadded) image.
const BoxFormat = "normalized_y0x0y1x1"

// Box is an axis-aligned rectangle in BoxFormat. A well-formed Box has
// 0 <= Y0 < Y1 <= 1 and 0 <= X0 < X1 <= 1. It marshals to and from the JSON
// array [y0, x0, y1, x1].
type Box struct {
	Y0, X0, Y1, X1 float64
}

// Valid reports whether b is well formed: finite, inside [0,1], positive area.
func (b Box) Valid() bool {
	for _, v := range []float64{b.Y0, b.X0, b.Y1, b.X1} {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > 1 {
			return false
		}
	}
	return b.Y1 > b.Y0 && b.X1 > b.X0
}

// Area returns the box's area in normalized units (0 for a degenerate box).
func (b Box) Area() float64 {
	h, w := b.Y1-b.Y0, b.X1-b.X0
	if h <= 0 || w <= 0 {
		return 0
	}
	return h * w
}

// IoU returns the intersection over union of b and o, in [0,1]. Two
// degenerate boxes have IoU 0.
func (b Box) IoU(o Box) float64 {
	iy0, ix0 := math.Max(b.Y0, o.Y0), math.Max(b.X0, o.X0)
	iy1, ix1 := math.Min(b.Y1, o.Y1), math.Min(b.X1, o.X1)
	inter := Box{iy0, ix0, iy1, ix1}.Area()
	union := b.Area() + o.Area() - inter
	if union <= 0 {
		return 0
	}
	return inter / union
}

// MarshalJSON encodes b as [y0, x0, y1, x1].
func (b Box) MarshalJSON() ([]byte, error) {
	return json.Marshal([4]float64{b.Y0, b.X0, b.Y1, b.X1})
}

// UnmarshalJSON decodes [y0, x0, y1, x1]. It is strict (exactly four finite
// numbers, already normalized and well formed); tolerant recovery of model
// output is the job of ExtractFindings, not of this method.
//
// It scans the array itself rather than going through encoding/json's
// reflection: stores and exports decode hundreds of thousands of boxes, and
// this is several times faster.
func (b *Box) UnmarshalJSON(data []byte) error {
	var a [4]float64
	rest := bytes.TrimSpace(data)
	if len(rest) < 2 || rest[0] != '[' || rest[len(rest)-1] != ']' {
		return fmt.Errorf("box_2d: want a JSON array [y0,x0,y1,x1], got %.40q", data)
	}
	rest = rest[1 : len(rest)-1]
	n := 0
	for more := len(bytes.TrimSpace(rest)) > 0; more; {
		var part []byte
		if i := bytes.IndexByte(rest, ','); i >= 0 {
			part, rest = rest[:i], rest[i+1:]
		} else {
			part, more = rest, false
		}
		if n == 4 {
			return fmt.Errorf("box_2d: want 4 numbers [y0,x0,y1,x1], got more")
		}
		part = bytes.TrimSpace(part)
		v, err := strconv.ParseFloat(string(part), 64)
		if err != nil || !json.Valid(part) {
			return fmt.Errorf("box_2d: element %d: %q is not a number", n, part)
		}
		a[n] = v
		n++
	}
	if n != 4 {
		return fmt.Errorf("box_2d: want 4 numbers [y0,x0,y1,x1], got %d", n)
	}
	nb := Box{a[0], a[1], a[2], a[3]}
	if !nb.Valid() {
		return fmt.Errorf("box_2d: %v is not a well-formed %s box", a, BoxFormat)
	}
	*b = nb
	return nil
}

// Finding is one label grounded in the image, with an optional box. A nil
// Box means the label was kept without a location (the model gave null, or
// its box was unusable).
//
// Confidence and Evidence are what a model trained on the project's pinned
// prompt says beside each finding: its confidence in [0,1] and a short
// phrase. They are kept to be shown and exported; the comparator ignores
// them, as the served app does. Records stored before they existed have
// neither.
type Finding struct {
	Label      Label    `json:"label"`
	Box        *Box     `json:"box_2d,omitempty"`
	Confidence *float64 `json:"confidence,omitempty"`
	Evidence   string   `json:"evidence,omitempty"`
}

// DraftLabel is one label parsed from a draft impression: what the draft says
// about it and the verbatim phrase it rests on.
type DraftLabel struct {
	Label  Label  `json:"label"`
	Status Status `json:"status"`
	Span   string `json:"span"`
}

// Diagnostic is one note from a tolerant parser: something salvaged,
// normalized, or dropped, and why. Diagnostics are for people (--explain, the
// TUI raw-output view), not for control flow.
type Diagnostic struct {
	// Kind is a short machine-friendly tag such as "dropped_label",
	// "truncated", "deduplicated", "rescaled_box", "dropped_box".
	Kind string `json:"kind"`
	// Message says what happened in words, naming the offending value.
	Message string `json:"message"`
}

// Diagnostics is what a tolerant parse noticed along the way.
type Diagnostics struct {
	// Salvaged is true when the output was not clean, complete JSON in the
	// expected shape and something had to be recovered (truncation, prose,
	// fences, repairs). A salvaged result is usable but worth a second look.
	Salvaged bool `json:"salvaged"`
	// Notes lists every repair and every drop, in the order they happened.
	Notes []Diagnostic `json:"notes,omitempty"`
}
