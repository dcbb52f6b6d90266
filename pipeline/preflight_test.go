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
	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
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
			[]string{groundModel, `no "vision" capability`, "it has: completion", "--grounding-model " + groundModel + "-vision;", "ollama create " + groundModel + "-vision "}},
		{"grounding model missing", testModels(0, 0, 1, "")[1:], "",
			[]string{"grounding model " + groundModel + " is not on any Ollama host", "OLLAMA_HOST=", "ollama create " + groundModel}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := schedServer(t, tt.models...)
			var logs logLines
			cfg := baseConfig(nil, schedHost(t, srv.URL(), schedOptions()))
			cfg.Logf = logs.logf
			s, err := NewScheduler(cfg)
			require.NoError(t, err)
			err = s.Preflight(context.Background())
			var me *ollama.ModelError
			require.ErrorAs(t, err, &me)
			assert.Zero(t, logs.count("cannot serve"), "the refusal is said once, not first as a warning:\n%s", &logs)
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

	t.Run("one host of two lacks the model: warned, not refused", func(t *testing.T) {
		full := schedServer(t, testModels(0, 0, 1, "")...)
		partial := schedServer(t, testModels(0, 0, 1, "")[1:]...)
		var logs logLines
		cfg := baseConfig(nil, schedHost(t, full.URL(), schedOptions()), schedHost(t, partial.URL(), schedOptions()))
		cfg.Logf = logs.logf
		s, err := NewScheduler(cfg)
		require.NoError(t, err)
		require.NoError(t, s.Preflight(context.Background()))
		assert.Equal(t, 1, logs.count("host "+partial.URL()+" cannot serve "+groundModel), "%s", &logs)
	})

	t.Run("no host answers: a host problem, not the model's", func(t *testing.T) {
		down := ollamatest.NewServer()
		url := down.URL()
		down.Close()
		opt := schedOptions()
		opt.Retries = 0
		s, err := NewScheduler(baseConfig(nil, schedHost(t, url, opt)))
		require.NoError(t, err)
		var logs logLines
		s.logf = logs.logf
		err = s.Preflight(context.Background())
		assert.Zero(t, logs.count("cannot serve"), "said once, in the error:\n%s", &logs)
		var hd *ollama.HostsDownError
		require.ErrorAs(t, err, &hd)
		assert.ErrorIs(t, err, ollama.ErrUnreachable)
		assert.NotErrorAs(t, err, new(*ollama.ModelError))
		assert.Contains(t, err.Error(), "no Ollama host answered: "+url)
		assert.NotContains(t, err.Error(), "not available")
		assert.Equal(t, 1, strings.Count(err.Error(), "no Ollama host answered"), "said once for both models")
	})
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

func (r *ctxRunner) ModelInfo(ctx context.Context, model string) (ollama.ModelInfo, error) {
	info, err := r.sleepRunner.ModelInfo(ctx, model)
	info.ContextLength = 2048
	if r.thinking {
		info.Capabilities = append(info.Capabilities, "thinking")
	}
	return info, err
}

func (r *ctxRunner) GroundWith(ctx context.Context, model string, opt ollama.Options, png []byte) (audit.StageRecord, error) {
	r.mu.Lock()
	r.numCtx = append(r.numCtx, opt.NumCtx)
	r.mu.Unlock()
	return r.sleepRunner.GroundWith(ctx, model, opt, png)
}

func (r *ctxRunner) ParseDraftWith(ctx context.Context, model string, opt ollama.Options, draft string, think bool) (audit.StageRecord, error) {
	r.mu.Lock()
	r.think = append(r.think, think)
	r.mu.Unlock()
	return r.sleepRunner.ParseDraftWith(ctx, model, opt, draft, think)
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
	opt := ollama.DefaultOptions() // num_ctx 8192
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
