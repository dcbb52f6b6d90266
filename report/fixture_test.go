package report

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/radiograph"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// fixture is a synthetic evaluation: n items with random truth, and runs
// that find most of it with jittered boxes. Deterministic for a seed.
func fixture(n, runs int, seed uint64) Input {
	rng := rand.New(rand.NewPCG(seed, 7))
	labels := schema.PositiveLabels()
	box := func() *schema.Box {
		y, x := 0.1+0.5*rng.Float64(), 0.1+0.5*rng.Float64()
		return &schema.Box{Y0: y, X0: x, Y1: y + 0.1 + 0.2*rng.Float64(), X1: x + 0.1 + 0.2*rng.Float64()}
	}
	in := Input{Title: "synthetic", Version: "test", Now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Options: compare.Options{Urgent: []schema.Label{schema.Pneumothorax, schema.NoduleMass},
			Bootstrap: compare.Bootstrap{Resamples: 200, Seed: 1, Level: 0.95}}}
	for i := range n {
		it := Item{ID: fmt.Sprintf("item-%05d", i), Draft: "synthetic draft"}
		for _, l := range labels {
			if rng.Float64() < 0.25 {
				it.Truth = append(it.Truth, schema.Finding{Label: l, Box: box()})
			}
		}
		in.Items = append(in.Items, it)
	}
	for r := range runs {
		run := Run{Name: fmt.Sprintf("model-%c", 'a'+r), Preds: make([][]schema.Finding, n),
			Info: RunInfo{Model: fmt.Sprintf("model-%c", 'a'+r), ModelDigest: "sha256:0123456789abcdef", PromptDigest: "fedcba9876543210"}}
		for i, it := range in.Items {
			for _, f := range it.Truth {
				if rng.Float64() < 0.8-0.1*float64(r) {
					b := *f.Box
					d := 0.08 * rng.Float64()
					b.Y0, b.Y1 = b.Y0+d, b.Y1+d
					run.Preds[i] = append(run.Preds[i], schema.Finding{Label: f.Label, Box: &b})
				}
			}
			if rng.Float64() < 0.1 {
				run.Preds[i] = append(run.Preds[i], schema.Finding{Label: labels[rng.IntN(len(labels))], Box: box()})
			}
		}
		in.Runs = append(in.Runs, run)
	}
	return in
}

// withPhantom gives every item the same synthetic phantom image.
func withPhantom(t testing.TB, in Input) Input {
	path := "../testdata/phantoms/phantom-normal.png"
	for i := range in.Items {
		in.Items[i].Image = path
	}
	in.LoadImage = func(ctx context.Context, p string) (*radiograph.Radiograph, error) {
		return radiograph.Load(ctx, p, radiograph.LoadOptions{DrawWidth: ThumbSide, DrawHeight: ThumbSide})
	}
	return in
}

// verdictsFor gives two readers' verdicts on the first items.
func verdictsFor(in Input, k int) []audit.Verdict {
	var out []audit.Verdict
	at := time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)
	for i := range min(k, len(in.Items)) {
		for j, who := range []string{"alice", "bob"} {
			d := audit.ImageRight
			if (i+j)%3 == 0 {
				d = audit.DraftRight
			}
			out = append(out, audit.Verdict{ItemID: in.Items[i].ID, DisagreementKey: "k", Label: schema.Pneumothorax,
				Kind: audit.MissedInDraft, Decision: d, Annotator: who, At: at.Add(time.Duration(i*40+j) * time.Second)})
		}
	}
	return out
}

func buildDoc(t testing.TB, in Input) *Doc {
	t.Helper()
	doc, err := Build(context.Background(), in)
	require.NoError(t, err)
	return doc
}
