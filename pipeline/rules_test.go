package pipeline

import (
	"testing"

	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/labeler"
	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// TestSchedulerRulesDraft: with the rules as the draft stage no host is
// asked about a draft model (the server has none) and no draft is sent;
// the record carries "rules" and the rule set's digest; a second run serves
// it from the store; another rule set reads the drafts again.
func TestSchedulerRulesDraft(t *testing.T) {
	srv := schedServer(t, testModels(0, 0, 2, "")[0]) // the grounding model only
	st := openStore(t, t.TempDir())
	items := makeItems(t, t.TempDir(), 3)
	cfg := baseConfig(st, schedHost(t, srv.URL(), schedOptions()))
	cfg.DraftModel = RulesDraftModel

	s, err := NewScheduler(cfg)
	require.NoError(t, err)
	require.NoError(t, s.Preflight(t.Context()), "no draft model is needed")

	rs, err := labeler.Default()
	require.NoError(t, err)
	results, _ := runAll(t, cfg, items)
	require.Len(t, results, 3)
	for _, it := range items {
		r := results[it.ID]
		require.Equal(t, audit.StatusDone, r.Status, r.Err)
		require.Equal(t, RulesDraftModel, r.Draft.Model)
		require.Equal(t, rs.Digest(), r.Draft.ModelDigest)
		require.Equal(t, rs.Digest(), r.Draft.PromptDigest)
		require.Equal(t, []schema.DraftLabel{{Label: schema.Pneumothorax, Status: schema.StatusAbsent, Span: "No pneumothorax"}}, r.DraftLabels)
		require.Empty(t, r.Report.DraftDoubts, "no third opinion on the rules themselves")
		require.Equal(t, audit.ContradictedByImage, r.Report.Disagreements[0].Kind)
	}
	for _, req := range srv.Requests() {
		for _, m := range req.Messages {
			require.NotEmpty(t, m.Images, "only grounding calls reach the server")
		}
	}

	again, _ := runAll(t, cfg, items)
	for _, it := range items {
		assert.True(t, again[it.ID].Cached, "served from the store")
		assert.Equal(t, results[it.ID].Draft.Key, again[it.ID].Draft.Key)
	}

	other, err := labeler.Compile(map[string]string{"a.rules": "mention pneumothorax: pneumothorax\n"})
	require.NoError(t, err)
	cfg.Rules = other
	changed, _ := runAll(t, cfg, items)
	for _, it := range items {
		r := changed[it.ID]
		assert.False(t, r.Cached, "another rule set reads the draft again")
		assert.NotEqual(t, results[it.ID].Draft.Key, r.Draft.Key)
		assert.Equal(t, schema.StatusPresent, r.DraftLabels[0].Status, "these rules know no negation")
	}
}

// TestSchedulerThirdOpinionFlagsInvertedNegation: the fake server's draft
// model reads "No pneumothorax." as a pneumothorax present; the rules read
// it absent. The result carries the doubt, the rules reading, and marks the
// disagreement (unsupported by an image that shows no pneumothorax) as
// resting only on the doubtful reading.
func TestSchedulerThirdOpinionFlagsInvertedNegation(t *testing.T) {
	inverted := func(req *api.ChatRequest) ollamatest.Reply {
		for _, m := range req.Messages {
			if len(m.Images) > 0 {
				return ollamatest.Reply{Content: `[{"label":"nodule_mass","box_2d":[0.0,0.1,0.1,0.2]}]`}
			}
		}
		return ollamatest.Reply{Content: `[{"label":"pneumothorax","status":"present","span":"No pneumothorax."}]`}
	}
	models := testModels(0, 0, 2, "")
	models[0].Respond, models[1].Respond = inverted, inverted
	srv := schedServer(t, models...)
	items := makeItems(t, t.TempDir(), 1)
	results, _ := runAll(t, baseConfig(nil, schedHost(t, srv.URL(), schedOptions())), items)
	rep := results[items[0].ID].Report
	require.NotNil(t, rep)
	require.Equal(t, []audit.DraftDoubt{{Label: schema.Pneumothorax,
		Model: schema.StatusPresent, ModelSpans: []string{"No pneumothorax."},
		Rules: schema.StatusAbsent, RulesSpans: []string{"No pneumothorax"}}}, rep.DraftDoubts)
	require.Equal(t, []schema.DraftLabel{{Label: schema.Pneumothorax, Status: schema.StatusAbsent, Span: "No pneumothorax"}}, rep.RuleLabels)
	var ptx *audit.Disagreement
	for i := range rep.Disagreements {
		if rep.Disagreements[i].Label == schema.Pneumothorax {
			ptx = &rep.Disagreements[i]
		} else {
			assert.False(t, rep.Disagreements[i].DraftInDoubt, "the nodule the draft misses is not in doubt")
		}
	}
	require.NotNil(t, ptx)
	assert.Equal(t, audit.UnsupportedByImage, ptx.Kind)
	assert.True(t, ptx.DraftInDoubt)
}
