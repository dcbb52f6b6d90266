package labeler

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkLabel reads every draft of the corpus (dev and held-out) in
// turn; b.N counts drafts, so drafts/s is 1e9 / ns/op (docs/labeler.md).
func BenchmarkLabel(b *testing.B) {
	rs, err := Default()
	require.NoError(b, err)
	var drafts []string
	for _, p := range []string{"../testdata/drafts/dev.jsonl", "../testdata/drafts/heldout.jsonl"} {
		f, err := os.Open(p)
		require.NoError(b, err)
		cases, err := ReadCases(f)
		f.Close()
		require.NoError(b, err)
		for _, c := range cases {
			drafts = append(drafts, c.Draft)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		_ = rs.Label(drafts[i%len(drafts)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "drafts/s")
}
