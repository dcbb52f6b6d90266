package schema

import (
	"strings"
	"testing"
)

func cleanFindings(n int) string {
	var b strings.Builder
	b.WriteString("[")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"label":"nodule_mass","box_2d":[0.1,0.1,0.`)
		b.WriteByte(byte('2' + i%8))
		b.WriteString(`,0.2]}`)
	}
	b.WriteString("]")
	return b.String()
}

func cleanDraft(n int) string {
	var b strings.Builder
	b.WriteString("[")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"label":"pneumothorax","status":"present","span":"phrase `)
		b.WriteByte(byte('a' + i%26))
		b.WriteString(`"}`)
	}
	b.WriteString("]")
	return b.String()
}

// BenchmarkExtractFindings measures a clean 10-entry answer and degenerate
// looping output of 64 KiB and 256 KiB; the time of the last two grows with
// the input's length, not its square.
func BenchmarkExtractFindings(b *testing.B) {
	cases := []struct{ name, raw string }{
		{"clean10", cleanFindings(10)},
		{"degenerate64KiB", degenerate(degenerateFinding, 64<<10)},
		{"degenerate256KiB", degenerate(degenerateFinding, 256<<10)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.raw)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := ExtractFindings(c.raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkExtractDraftLabels is BenchmarkExtractFindings for draft labels.
func BenchmarkExtractDraftLabels(b *testing.B) {
	cases := []struct{ name, raw string }{
		{"clean10", cleanDraft(10)},
		{"degenerate64KiB", degenerate(degenerateDraft, 64<<10)},
		{"degenerate256KiB", degenerate(degenerateDraft, 256<<10)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.raw)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := ExtractDraftLabels(c.raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
