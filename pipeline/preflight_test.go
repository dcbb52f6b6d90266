package pipeline

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/pipeline/ollamatest"
)

// logLines collects Config.Logf lines.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) logf(f string, a ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(f, a...))
}

func (l *logLines) count(sub string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.lines {
		if strings.Contains(s, sub) {
			n++
		}
	}
	return n
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// TestPreflight: before any model call, a grounding model without vision
// or a model missing everywhere is a *ModelError naming the model, the
// hosts and the capability, with a fix to paste; no /api/chat is sent,
// also when Run goes on regardless.
func TestPreflight(t *testing.T) {
	textOnly := testModels(0, 0, 1, "")
	textOnly[0].Capabilities = []string{"completion"}
	tests := []struct {
		name       string
		models     []ollamatest.Model
		capability string
		want       []string
	}{
		{"text-only grounding model", textOnly, "vision",
			[]string{groundModel, `no "vision" capability`, "it has: completion", "--grounding-model", "<new-name>"}},
		{"grounding model missing", testModels(0, 0, 1, "")[1:], "",
			[]string{"grounding model " + groundModel + " is not on any Ollama host", "OLLAMA_HOST=", "ollama create " + groundModel}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := schedServer(t, tt.models...)
			s, err := NewScheduler(baseConfig(nil, schedHost(t, srv.URL(), schedOptions())))
			require.NoError(t, err)
			err = s.Preflight(context.Background())
			var me *ModelError
			require.ErrorAs(t, err, &me)
			assert.Equal(t, audit.StageGrounding, me.Stage)
			assert.Equal(t, groundModel, me.Model)
			assert.Equal(t, []string{srv.URL()}, me.Hosts)
			assert.Equal(t, tt.capability, me.Capability)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.Contains(t, err.Error(), srv.URL())
			assert.Contains(t, err.Error(), "fix: "+me.Fix())

			// Run anyway: every item fails with the same words, no call.
			results, _ := runAllOn(t, s, makeItems(t, t.TempDir(), 2))
			for _, r := range results {
				require.Equal(t, audit.StatusError, r.Status)
				assert.Contains(t, r.Err, me.Model)
			}
			for _, m := range tt.models {
				assert.Zero(t, srv.Stats(m.Name).Requests, "no /api/chat to %s", m.Name)
			}
		})
	}

	t.Run("all well", func(t *testing.T) {
		srv := schedServer(t, testModels(0, 0, 1, "")...)
		s, err := NewScheduler(baseConfig(nil, schedHost(t, srv.URL(), schedOptions())))
		require.NoError(t, err)
		require.NoError(t, s.Preflight(context.Background()))
	})

	t.Run("no host answers: a host problem, not the model's", func(t *testing.T) {
		down := ollamatest.NewServer()
		url := down.URL()
		down.Close()
		opt := schedOptions()
		opt.Retries = 0
		s, err := NewScheduler(baseConfig(nil, schedHost(t, url, opt)))
		require.NoError(t, err)
		err = s.Preflight(context.Background())
		var hd *HostsDownError
		require.ErrorAs(t, err, &hd)
		assert.ErrorIs(t, err, ErrUnreachable)
		assert.NotErrorAs(t, err, new(*ModelError))
		assert.Contains(t, err.Error(), "no Ollama host answered: "+url)
		assert.NotContains(t, err.Error(), "not available")
		assert.Equal(t, 1, strings.Count(err.Error(), "no Ollama host answered"), "said once for both models")
	})
}

// TestModelErrorFix: the fix names the host only when it is not Ollama's
// default, never creates over an existing model name, and pulls the
// default draft model.
func TestModelErrorFix(t *testing.T) {
	missing := &ModelError{Stage: audit.StageGrounding, Model: "medgemma-cxr-grounding", Hosts: []string{defaultHostURL}}
	assert.Equal(t, "cxr-auditor doctor --modelfile grounding > Modelfile.grounding && ollama create medgemma-cxr-grounding -f Modelfile.grounding (edit its FROM line first: <path to your model>)", missing.Fix())
	missing.Hosts = []string{"http://gpu1:11434"}
	assert.Contains(t, missing.Fix(), "&& OLLAMA_HOST=http://gpu1:11434 ollama create medgemma-cxr-grounding")
	noVision := &ModelError{Stage: audit.StageGrounding, Model: "tiny", Hosts: []string{defaultHostURL}, Capability: "vision", Has: []string{"completion"}}
	assert.NotContains(t, noVision.Fix(), "ollama create tiny ", "never over the existing name")
	assert.Contains(t, noVision.Fix(), "ollama create '<new-name>'")
	draft := &ModelError{Stage: audit.StageDraft, Model: "nemotron-3-nano:4b", Hosts: []string{"http://gpu1:11434"}}
	assert.Equal(t, "OLLAMA_HOST=http://gpu1:11434 ollama pull nemotron-3-nano:4b", draft.Fix())
}

// ctxRunner is a sleepRunner whose models have a short context length and
// which records the options of each call and whether thinking was asked.
type ctxRunner struct {
	*sleepRunner
	thinking bool
	mu       sync.Mutex
	numCtx   []int
	think    []bool
}

func (r *ctxRunner) ModelInfo(ctx context.Context, model string) (ModelInfo, error) {
	info, err := r.sleepRunner.ModelInfo(ctx, model)
	info.ContextLength = 2048
	if r.thinking {
		info.Capabilities = append(info.Capabilities, "thinking")
	}
	return info, err
}

func (r *ctxRunner) ground(ctx context.Context, model string, opt Options, png []byte) (audit.StageRecord, error) {
	r.mu.Lock()
	r.numCtx = append(r.numCtx, opt.NumCtx)
	r.mu.Unlock()
	return r.sleepRunner.ground(ctx, model, opt, png)
}

func (r *ctxRunner) parseDraft(ctx context.Context, model string, opt Options, draft string, think bool) (audit.StageRecord, error) {
	r.mu.Lock()
	r.think = append(r.think, think)
	r.mu.Unlock()
	return r.sleepRunner.parseDraft(ctx, model, opt, draft, think)
}

// TestSchedulerNumCtxAboveContextLength: num_ctx 8192 on a model of 2048
// is lowered to 2048 (the server would cut it silently), warned once, and
// recorded in provenance.
func TestSchedulerNumCtxAboveContextLength(t *testing.T) {
	for _, thinking := range []bool{false, true} {
		t.Run(fmt.Sprint("thinking=", thinking), func(t *testing.T) {
			r := &ctxRunner{sleepRunner: newSleepRunner("fake://a", time.Millisecond, time.Millisecond), thinking: thinking}
			var logs logLines
			cfg := baseConfig(nil)
			cfg.Logf = logs.logf
			s, err := newScheduler(cfg, []stageRunner{r})
			require.NoError(t, err)
			require.NoError(t, s.Preflight(context.Background()))
			items := makeItems(t, t.TempDir(), 3)
			results, _ := runAllOn(t, s, items)
			for _, it := range items {
				res := results[it.ID]
				require.Equal(t, audit.StatusDone, res.Status, res.Err)
				assert.Contains(t, res.Grounding.Options, `"num_ctx":2048`)
				assert.Contains(t, res.Draft.Options, `"num_ctx":2048`)
			}
			for _, n := range r.numCtx {
				assert.Equal(t, 2048, n)
			}
			for _, th := range r.think {
				assert.Equal(t, thinking, th, "thinking asked only of a model that has it")
			}
			assert.Equal(t, 2, logs.count("num_ctx 8192 is more than the context length"), "once per model:\n%s", &logs)
		})
	}
}

// runAllOn runs items on s (not started) and returns the results by id.
func runAllOn(t *testing.T, s *Scheduler, items []audit.Item) (map[string]*audit.Result, []audit.Update) {
	t.Helper()
	results := map[string]*audit.Result{}
	var updates []audit.Update
	require.NoError(t, s.RunAll(context.Background(), items, func(u audit.Update) {
		updates = append(updates, u)
		if u.Result != nil {
			results[u.ItemID] = u.Result
		}
	}))
	return results, updates
}

func TestOptionCandidates(t *testing.T) {
	opt := DefaultOptions() // num_ctx 8192
	lowered := opt
	lowered.NumCtx = 2048
	tests := []struct {
		name, stored string
		want         []string
	}{
		{"same options", opt.Canonical(), []string{opt.Canonical()}},
		{"num_ctx lowered to the model's", lowered.Canonical(), []string{opt.Canonical(), lowered.Canonical()}},
		{"a larger num_ctx is not a lowering", `{"num_ctx":16384}`, []string{opt.Canonical()}},
		{"unreadable", `not json`, []string{opt.Canonical()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, optionCandidates(opt, tt.stored))
		})
	}
}
