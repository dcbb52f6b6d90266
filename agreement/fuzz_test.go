package agreement

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// ratingsFromBytes turns fuzz input into ratings: each 3 bytes pick an item
// (8), a label and kind (5×4), a reader (5) and a category (4, plus an
// occasional out-of-vocabulary one). Duplicates are kept here; the fuzz
// body drops them unless mode says not to, so invalid input is tried too.
func ratingsFromBytes(data []byte) []Rating {
	labels, kinds := schema.PositiveLabels(), audit.Kinds()
	cats := append(DecisionCategories(), "maybe")
	var rs []Rating
	for i := 0; i+2 < len(data); i += 3 {
		a, b, c := data[i], data[i+1], data[i+2]
		l, k := labels[int(b)%len(labels)], kinds[int(b/5)%len(kinds)]
		cat := cats[int(c)%4]
		if c == 255 {
			cat = cats[4]
		}
		rs = append(rs, Rating{
			ItemID:   fmt.Sprintf("i%d", a%8),
			Key:      string(l) + "/" + string(k),
			Label:    l,
			Kind:     k,
			Reader:   fmt.Sprintf("r%d", (c/4)%5),
			Category: cat,
		})
	}
	return rs
}

// FuzzAgreement: whatever the ratings, Measure never panics; it either
// returns a wrapped sentinel error or a report whose figures are finite and
// in range, whose tables add up, and which marshals to JSON and CSV.
func FuzzAgreement(f *testing.F) {
	f.Add([]byte{}, uint8(0))
	f.Add([]byte{0, 0, 0, 0, 0, 4}, uint8(0))                             // two readers agree
	f.Add([]byte{0, 0, 0, 0, 0, 5, 1, 0, 4, 1, 0, 1}, uint8(1))           // disagreement, Cohen
	f.Add([]byte{0, 0, 0, 0, 0, 4, 0, 0, 9, 1, 3, 2, 1, 3, 7}, uint8(2))  // three readers
	f.Add([]byte{0, 0, 0, 0, 0, 0}, uint8(16))                            // the same reader twice
	f.Add([]byte{0, 0, 255, 0, 0, 4}, uint8(0))                           // unknown category
	f.Add([]byte{1, 2, 3, 1, 2, 7, 2, 2, 3, 2, 2, 11, 3, 7, 0}, uint8(3)) // min readers 3
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		opts := Options{Method: []KappaMethod{MethodAuto, MethodCohen, MethodFleiss}[mode%3]}
		if mode&4 != 0 && opts.Method != MethodCohen {
			opts.MinReaders = 3
		}
		if mode&8 != 0 {
			opts.Level = 0.5
		}
		rs := ratingsFromBytes(data)
		if mode&16 == 0 {
			// Mostly keep one rating per reader and unit, so long inputs
			// reach the statistics instead of the duplicate check.
			seen := map[[3]string]bool{}
			kept := rs[:0]
			for _, r := range rs {
				if k := [3]string{r.ItemID, r.Key, r.Reader}; !seen[k] {
					seen[k] = true
					kept = append(kept, r)
				}
			}
			rs = kept
		}
		rep, err := Measure(rs, opts)
		if err != nil {
			if !errorsIsAny(err, ErrInvalidRating, ErrInvalidOptions) {
				t.Fatalf("unwrapped error: %v", err)
			}
			return
		}
		checkReport(t, rep)
	})
}

func errorsIsAny(err error, targets ...error) bool {
	for _, target := range targets {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

func checkReport(t *testing.T, rep Report) {
	t.Helper()
	in := func(what string, p *float64, lo, hi float64) {
		if p == nil {
			return
		}
		v := *p
		if math.IsNaN(v) || math.IsInf(v, 0) || v < lo-1e-12 || v > hi+1e-12 {
			t.Fatalf("%s = %v, want finite in [%v, %v]", what, v, lo, hi)
		}
	}
	require.Len(t, rep.Groups, 10)
	for _, g := range rep.Groups {
		name := g.By + "/" + g.Name
		in(name+" observed", g.ObservedAgreement, 0, 1)
		in(name+" expected", g.ExpectedAgreement, 0, 1)
		k := g.Kappa
		in(name+" kappa", k.Value, -1, 1)
		in(name+" se", k.SE, 0, math.MaxFloat64)
		in(name+" ci low", k.Low, -1, 1)
		in(name+" ci high", k.High, -1, 1)
		if (k.Value == nil) != (k.Undefined != "") {
			t.Fatalf("%s: value %v with reason %q", name, k.Value, k.Undefined)
		}
		if (k.Low == nil) != (k.High == nil) || (k.Low != nil && (k.SE == nil || *k.Low > *k.High)) {
			t.Fatalf("%s: interval %v..%v, SE %v", name, k.Low, k.High, k.SE)
		}
		if k.Value != nil && k.Low == nil && k.NoCI == "" {
			t.Fatalf("%s: no interval and no reason", name)
		}
		if rep.Method == MethodCohen && k.Low != nil && (*k.Low > *k.Value || *k.High < *k.Value) {
			t.Fatalf("%s: Wald interval %v..%v misses kappa %v", name, *k.Low, *k.High, *k.Value)
		}
		if g.Unanimous > g.Units || (g.Units == 0) != (g.ObservedAgreement == nil) {
			t.Fatalf("%s: units %d unanimous %d", name, g.Units, g.Unanimous)
		}
		for _, c := range g.Confusion {
			total, diag, off := 0, 0, 0
			for i, row := range c.Counts {
				for j, n := range row {
					total += n
					if i == j {
						diag += n
					}
				}
			}
			for _, cell := range c.Disagreements {
				if cell.A == cell.B || cell.Count != len(cell.Units) || cell.Count == 0 {
					t.Fatalf("%s: bad cell %+v", name, cell)
				}
				off += cell.Count
			}
			if total != c.Units || diag+off != total {
				t.Fatalf("%s %s-%s: total %d diag %d off %d units %d", name, c.ReaderA, c.ReaderB, total, diag, off, c.Units)
			}
			in(name+" pair agreement", c.Agreement, 0, 1)
		}
	}
	if _, err := json.Marshal(rep); err != nil {
		t.Fatalf("json: %v", err)
	}
	var buf bytes.Buffer
	if err := rep.WriteCSV(&buf); err != nil {
		t.Fatalf("csv: %v", err)
	}
	if _, err := csv.NewReader(&buf).ReadAll(); err != nil {
		t.Fatalf("csv read back: %v", err)
	}
	if err := rep.WriteText(io.Discard); err != nil {
		t.Fatalf("text: %v", err)
	}
}
