package pipeline

import (
	"context"
	"strings"
	"testing"

	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
	"github.com/cxr-auditor/cxr-auditor/prompts"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Synthetic replies of models that narrate first.
const (
	narration   = "This chest radiograph shows a small right apical pneumothorax."
	ptxFindings = `[{"label":"pneumothorax","box_2d":[0.1,0.5,0.4,0.9],"confidence":0.8,"evidence":"visceral pleural line"}]`
)

// servedModels: a grounding model that answers prose until the corrective
// suffix asks again, and a draft model whose replies are always prose
// unless draftOK.
func servedModels(draftOK bool) []ollamatest.Model {
	suffix := prompts.Corrective().Text
	ground := func(req *api.ChatRequest) ollamatest.Reply {
		if strings.HasSuffix(req.Messages[len(req.Messages)-1].Content, suffix) {
			return ollamatest.Reply{Content: ptxFindings}
		}
		return ollamatest.Reply{Content: narration}
	}
	draft := func(*api.ChatRequest) ollamatest.Reply {
		if draftOK {
			return ollamatest.Reply{Content: `[{"label":"pneumothorax","status":"present","span":"Small right pneumothorax."}]`}
		}
		return ollamatest.Reply{Content: "I read the draft and it mentions a pneumothorax."}
	}
	return []ollamatest.Model{
		{Name: groundModel, Capabilities: []string{"completion", "vision"}, Respond: ground},
		{Name: draftModel, Capabilities: []string{"completion"}, Respond: draft},
	}
}

// The served ladder: prose first, JSON on the corrective retry; the run
// stores the second attempt's findings with both attempts on the record,
// and serves them from the store next time.
func TestSchedulerStoresTheCorrectiveAttempt(t *testing.T) {
	dir := t.TempDir()
	srv := schedServer(t, servedModels(true)...)
	st := openStore(t, dir)
	items := makeItems(t, dir, 1)
	host := schedHost(t, srv.URL(), schedOptions())

	res, _ := runAll(t, baseConfig(st, host), items)
	r := res[items[0].ID]
	require.Equal(t, audit.StatusDone, r.Status, r.Err)
	require.Len(t, r.Findings, 1)
	assert.Equal(t, "visceral pleural line", r.Findings[0].Evidence)
	require.Len(t, r.Grounding.Attempts, 2)
	assert.Equal(t, narration, r.Grounding.Attempts[0].Raw)
	assert.True(t, r.Grounding.Attempts[1].Corrective)
	assert.Equal(t, ollama.LadderKey(ollama.AttemptsServed, audit.StageGrounding, prompts.Corrective().Digest), r.Grounding.Ladder)
	assert.Equal(t, prompts.DraftSystem().Digest, r.Draft.SystemDigest)
	assert.Equal(t, provenanceOf(*r.Grounding).Key(), r.Grounding.Key, "the record names everything its key rests on")
	assert.True(t, r.Report.Urgent)
	assert.Equal(t, []audit.UrgentFinding{{Label: schema.Pneumothorax, Boxes: []schema.Box{{Y0: 0.1, X0: 0.5, Y1: 0.4, X1: 0.9}},
		DraftAgrees: true, DraftSpans: []string{"Small right pneumothorax."}}}, r.Report.UrgentFindings)

	stored, ok, err := st.GetStage(context.Background(), r.Grounding.Key)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, r.Grounding.Attempts, stored.Attempts, "both attempts in the store")
	assert.Equal(t, r.Findings, stored.Findings)

	calls := srv.Stats(groundModel).Served
	again, _ := runAll(t, baseConfig(st, host), items)
	assert.True(t, again[items[0].ID].Cached)
	assert.Equal(t, calls, srv.Stats(groundModel).Served, "served from the store")

	// The card's protocol keys apart and stores the failure of its one
	// greedy attempt.
	cfg := baseConfig(st, host)
	cfg.Attempts = ollama.AttemptsOne
	one, _ := runAll(t, cfg, items)
	o := one[items[0].ID]
	require.Equal(t, audit.StatusError, o.Status)
	assert.Contains(t, o.Err, "no usable findings list")
	assert.Empty(t, o.Grounding.Attempts)
	assert.Equal(t, narration, o.Grounding.Raw)
	assert.NotEqual(t, r.Grounding.Key, o.Grounding.Key)
	failed, ok, err := st.GetStage(context.Background(), o.Grounding.Key)
	require.NoError(t, err)
	require.True(t, ok, "a deterministic failure is stored and served")
	assert.Equal(t, narration, failed.Raw)
}

// A draft that never parses leaves the item audited on the image alone,
// urgent where the image says so, with a note; not failed.
func TestSchedulerDraftNeverParsesImageOnly(t *testing.T) {
	dir := t.TempDir()
	srv := schedServer(t, servedModels(false)...)
	st := openStore(t, dir)
	items := makeItems(t, dir, 1)
	s, err := NewScheduler(baseConfig(st, schedHost(t, srv.URL(), schedOptions())))
	require.NoError(t, err)
	var r *audit.Result
	require.NoError(t, s.RunAll(context.Background(), items, func(u audit.Update) {
		if u.Result != nil {
			r = u.Result
		}
	}))
	require.NotNil(t, r)
	require.Equal(t, audit.StatusDone, r.Status, "not failed")
	assert.Empty(t, r.Err)
	assert.True(t, strings.HasPrefix(r.Note, DraftUnreadNote+": "), r.Note)
	assert.Contains(t, r.Note, "no usable draft label list")
	require.NotNil(t, r.Report)
	assert.True(t, r.Report.ImageOnly)
	assert.True(t, r.Report.Urgent)
	assert.Empty(t, r.Report.Disagreements, "nobody knows what the draft says")
	require.Len(t, r.Report.UrgentFindings, 1)
	assert.False(t, r.Report.UrgentFindings[0].DraftAgrees)
	require.Len(t, r.Draft.Attempts, 2, "the draft's two attempts")
	assert.Equal(t, 2, srv.Stats(draftModel).Served)

	stored, ok, err := st.GetResult(context.Background(), items[0].ID)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Empty(t, stored.Error)
	assert.True(t, stored.Report.ImageOnly)

	// The workstation's fast path reads it back the same.
	got, ok := s.Lookup(context.Background(), items[0])
	require.True(t, ok)
	assert.Equal(t, r.Report, got.Report)
	assert.Equal(t, r.Note, got.Note)
}
