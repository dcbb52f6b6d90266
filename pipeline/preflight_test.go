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
	"github.com/cxr-auditor/cxr-auditor/prompts"
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
			var me *ModelError
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
		var hd *HostsDownError
		require.ErrorAs(t, err, &hd)
		assert.ErrorIs(t, err, ErrUnreachable)
		assert.NotErrorAs(t, err, new(*ModelError))
		assert.Contains(t, err.Error(), "no Ollama host answered: "+url)
		assert.NotContains(t, err.Error(), "not available")
		assert.Equal(t, 1, strings.Count(err.Error(), "no Ollama host answered"), "said once for both models")
	})
}

// TestModelErrorFix: the fix is doctor's line (prompts.ImportCommand): the
// host named only when it is not Ollama's default, the source a marked
// placeholder, never "ollama create" over a name the host has, and a pull
// for the default draft model.
func TestModelErrorFix(t *testing.T) {
	const from = "<path-to-your-safetensors-folder>"
	tests := []struct {
		name    string
		err     ModelError
		want    string
		newName string
	}{
		{
			name: "missing on the default host",
			err:  ModelError{Stage: audit.StageGrounding, Model: "medgemma-cxr-grounding", Hosts: []string{prompts.DefaultHost}},
			want: "cxr-auditor doctor --modelfile grounding --from " + from + " > Modelfile.grounding && ollama create medgemma-cxr-grounding -f Modelfile.grounding",
		},
		{
			name: "missing on another host",
			err:  ModelError{Stage: audit.StageGrounding, Model: "medgemma-cxr-grounding", Hosts: []string{"http://gpu1:11434", "http://gpu2:11434"}},
			want: "cxr-auditor doctor --modelfile grounding --from " + from + " > Modelfile.grounding && OLLAMA_HOST=http://gpu1:11434 ollama create medgemma-cxr-grounding -f Modelfile.grounding",
		},
		{
			name:    "no vision: a new name",
			err:     ModelError{Stage: audit.StageGrounding, Model: "tiny", Hosts: []string{prompts.DefaultHost}, Capability: "vision", Has: []string{"completion"}},
			want:    "cxr-auditor doctor --modelfile grounding --from " + from + " > Modelfile.grounding && ollama create tiny-vision -f Modelfile.grounding",
			newName: "tiny-vision",
		},
		{
			name: "no vision: the new name is taken too",
			err: ModelError{Stage: audit.StageGrounding, Model: "tiny", Hosts: []string{"http://gpu1:11434"}, Capability: "vision", Has: []string{"completion"},
				Taken: []string{"tiny:latest", "tiny-vision:latest", "TINY-VISION-2"}},
			want:    "cxr-auditor doctor --modelfile grounding --from " + from + " > Modelfile.grounding && OLLAMA_HOST=http://gpu1:11434 ollama create tiny-vision-3 -f Modelfile.grounding",
			newName: "tiny-vision-3",
		},
		{
			name: "default draft model: pulled",
			err:  ModelError{Stage: audit.StageDraft, Model: prompts.DefaultDraftModel, Hosts: []string{"http://gpu1:11434"}},
			want: "OLLAMA_HOST=http://gpu1:11434 ollama pull " + prompts.DefaultDraftModel,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.err.Fix())
			assert.NotContains(t, tt.err.Fix(), "edit its FROM line")
			assert.True(t, strings.HasSuffix(tt.err.Error(), "; fix: "+tt.want), tt.err.Error())
			if tt.newName != "" {
				assert.Equal(t, tt.newName, tt.err.NewName())
				assert.Contains(t, tt.err.Error(), "--grounding-model "+tt.newName+";")
			}
		})
	}
}

func TestFreeModelName(t *testing.T) {
	assert.Equal(t, "m-vision", FreeModelName("m-vision", nil))
	assert.Equal(t, "m-vision-2", FreeModelName("m-vision", []string{"m-vision:latest"}))
	assert.Equal(t, "m-vision", FreeModelName("m-vision", []string{"m-vision:q4"}), "another tag is another name")
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
