package ollamatest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
)

// BenchmarkReplyLatency measures how long a streamed reply of about forty
// token chunks with a 40 ms simulated latency takes through the real api
// client, as reply-ms and the overshoot over the latency as over-%. The
// scheduler benchmarks compare wall times against latency bounds, so the
// server must not add its own overheads per chunk.
func BenchmarkReplyLatency(b *testing.B) {
	const latency = 40 * time.Millisecond
	content := strings.Repeat("tok ", 40)
	srv := ollamatest.NewServer(ollamatest.Model{Name: vision, Latency: latency,
		Respond: func(*api.ChatRequest) ollamatest.Reply { return ollamatest.Reply{Content: content} }})
	b.Cleanup(srv.Close)
	c := client(b, srv)
	var total time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := collect(b.Context(), c, chatReq(vision, true)); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
	}
	per := total / time.Duration(b.N)
	b.ReportMetric(float64(per)/float64(time.Millisecond), "reply-ms")
	b.ReportMetric(100*(float64(per)/float64(latency)-1), "over-%")
}
