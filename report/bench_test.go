package report

import (
	"bytes"
	"context"
	"testing"
)

// BenchmarkReport100k builds and writes the report of two runs over
// 100,000 synthetic items with 50 pictures, with eval's default
// bootstrap (2,000 resamples): the size and time docs/performance.md
// gives (make bench).
func BenchmarkReport100k(b *testing.B) {
	in := withPhantom(b, fixture(100_000, 2, 21))
	in.Options.Bootstrap.Resamples = 2000
	in.MaxItems = 50
	size := 0
	for b.Loop() {
		doc, err := Build(context.Background(), in)
		if err != nil {
			b.Fatal(err)
		}
		var out bytes.Buffer
		if err := WriteHTML(&out, doc); err != nil {
			b.Fatal(err)
		}
		size = out.Len()
	}
	b.ReportMetric(float64(size), "bytes")
}
