package compare

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// requireSameReport holds a Live report to Evaluate's: equal but for the
// mean IoU values, which Live keeps in fixed point.
func requireSameReport(t *testing.T, want, got Report) {
	t.Helper()
	require.Equal(t, fmt.Sprint(want.Presence), fmt.Sprint(got.Presence))
	require.Equal(t, fmt.Sprint(want.UrgentRecall), fmt.Sprint(got.UrgentRecall))
	require.Equal(t, fmt.Sprint(want.MacroF1), fmt.Sprint(got.MacroF1))
	require.Equal(t, fmt.Sprint(want.Localization.Loose, want.Localization.Strict), fmt.Sprint(got.Localization.Loose, got.Localization.Strict))
	require.Equal(t, [3]int{want.Items, want.ParseFailures, want.Missing}, [3]int{got.Items, got.ParseFailures, got.Missing})
	for _, pair := range [][2]Estimate{{want.Localization.MeanIoU, got.Localization.MeanIoU}, {want.Localization.MeanIoUAny, got.Localization.MeanIoUAny}} {
		require.InDelta(t, pair[0].Value, pair[1].Value, 1e-9)
		require.Equal(t, pair[0].Low, pair[1].Low, "intervals use fixed point in both")
		require.Equal(t, pair[0].High, pair[1].High)
	}
}

// TestLiveFollowsEvaluate: after items arrive, change (a new result, a
// corrected truth) and leave, Live's figures are Evaluate's on the items
// as they stand.
func TestLiveFollowsEvaluate(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	items := cardSet(9, 60)
	opts := Options{Urgent: schema.DefaultUrgent(), Bootstrap: Bootstrap{Resamples: 150, Seed: 4, Level: 0.9}}
	live, err := NewLive(context.Background(), items[:20], opts)
	require.NoError(t, err)
	current := map[string]EvalItem{}
	order := []string{}
	for _, it := range items[:20] {
		current[it.ID] = it
		order = append(order, it.ID)
	}
	check := func() {
		t.Helper()
		var now []EvalItem
		for _, id := range order {
			if it, ok := current[id]; ok {
				now = append(now, it)
			}
		}
		require.Equal(t, len(now), live.Len())
		requireSameReport(t, evaluateWith(t, now, opts), live.Report())
	}
	check()
	for _, it := range items[20:] { // results arrive
		require.NoError(t, live.Put(it))
		current[it.ID] = it
		order = append(order, it.ID)
	}
	check()
	for range 15 { // truth corrections and reruns
		i := r.IntN(len(items))
		it := current[items[i].ID]
		it.Truth, it.Pred = it.Pred, it.Truth
		it.ParseFailed = r.IntN(5) == 0
		require.NoError(t, live.Put(it))
		current[it.ID] = it
	}
	check()
	require.True(t, live.Remove(items[5].ID))
	require.False(t, live.Remove(items[5].ID))
	require.False(t, live.Remove("nope"))
	delete(current, items[5].ID)
	check()
	require.NoError(t, live.Put(items[5]))
	current[items[5].ID] = items[5]
	check()
}

func TestLiveItemProtocolOnly(t *testing.T) {
	_, err := NewLive(context.Background(), nil, Options{Protocol: ProtocolCard})
	require.Error(t, err)
}
