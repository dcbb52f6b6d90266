package agreement

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// benchRatings is a study of items with three disagreements each, every
// unit rated by readers (a fixed seed, so every run measures the same data).
func benchRatings(items int, readers []string) []Rating {
	rng := rand.New(rand.NewPCG(7, 11))
	labels, kinds, cats := schema.PositiveLabels(), audit.Kinds(), DecisionCategories()
	var rs []Rating
	for i := range items {
		for d := range 3 {
			l, k := labels[(i+d)%len(labels)], kinds[(i+2*d)%len(kinds)]
			truth := rng.IntN(len(cats))
			for _, r := range readers {
				c := truth
				if rng.IntN(4) == 0 { // readers agree about three times in four
					c = rng.IntN(len(cats))
				}
				rs = append(rs, Rating{ItemID: fmt.Sprintf("cxr-%05d", i), Key: string(l) + "/" + string(k),
					Label: l, Kind: k, Reader: r, Category: cats[c]})
			}
		}
	}
	return rs
}

func BenchmarkAgreement(b *testing.B) {
	for _, bc := range []struct {
		name    string
		readers []string
		items   int
	}{
		{"cohen/2000items", []string{"alice", "bob"}, 2000},
		{"fleiss/2000items/4readers", []string{"alice", "bob", "carol", "dave"}, 2000},
		// A million verdicts: 166,667 items x 3 disagreements x 2 readers.
		{"cohen/1Mverdicts", []string{"alice", "bob"}, 166_667},
		{"fleiss/1Mverdicts/4readers", []string{"alice", "bob", "carol", "dave"}, 83_334},
	} {
		rs := benchRatings(bc.items, bc.readers)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			start := cpuTime()
			for b.Loop() {
				if _, err := Measure(rs, Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric((cpuTime()-start).Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}

// cpuTime is the process's user and system time so far: on a shared
// machine it is steadier than the wall time (the collector's work on the
// second core is in it too).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
