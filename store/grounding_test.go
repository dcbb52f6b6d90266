package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

func TestGroundingOf(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := be.open(t)
		ptx := []schema.Finding{{Label: schema.Pneumothorax, Box: &schema.Box{Y0: 0.1, X0: 0.5, Y1: 0.4, X1: 0.9}}}
		put := func(key, item, model string, fs []schema.Finding, errText string) {
			require.NoError(t, s.PutStage(ctx, audit.StageRecord{Key: key, Stage: audit.StageGrounding, ItemID: item,
				Model: model, Findings: fs, Error: errText}))
		}
		put("k1", "b", "v1", nil, "timeout")
		put("k2", "b", "v1", ptx, "") // the later record wins
		put("k3", "a", "v1", nil, "")
		put("k4", "a", "v2", ptx, "")
		put("k5", "c", "v1", ptx, "")
		put("k6", "c", "v1", nil, "unparseable output")
		require.NoError(t, s.PutStage(ctx, audit.StageRecord{Key: "k7", Stage: audit.StageDraft, ItemID: "d", Model: "v1"}))

		type got struct {
			id  string
			n   int
			err string
		}
		var rows []got
		require.NoError(t, s.GroundingOf(ctx, "v1", func(id string, fs []schema.Finding, errText string) error {
			rows = append(rows, got{id, len(fs), errText})
			return nil
		}))
		require.Equal(t, []got{{"a", 0, ""}, {"b", 1, ""}, {"c", 0, "unparseable output"}}, rows)
		var none int
		require.NoError(t, s.GroundingOf(ctx, "v3", func(string, []schema.Finding, string) error { none++; return nil }))
		require.Zero(t, none)
	})
}
