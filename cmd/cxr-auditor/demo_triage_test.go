package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/session"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// The triage flow on the demo with its disputed truth (synthetic
// phantoms, hand-written truth): urgent misses first finds demo-12's
// missed pneumothorax; x marks the truth wrong and X takes it out; on
// demo-04 the truth lacks the nodule the model found: x, then c takes the
// model's box into the truth. The metrics pane shows the corrected
// figures; export --truth writes the corrected truth, and eval
// --corrected gives the same figures as eval on that file.
func TestDemoTriageFlow(t *testing.T) {
	ctx := t.Context()
	d, err := session.StartDemo(ctx, session.DemoOptions{Dir: smallDemo(t, "demo-04-nodule-denied", "demo-12-nodule-hedge"), Fast: true})
	require.NoError(t, err)
	t.Cleanup(d.Close)
	disputed, err := filepath.Abs(filepath.Join(demoDir, "truth-disputed.jsonl"))
	require.NoError(t, err)

	keys, press := io.Pipe()
	t.Cleanup(func() { press.Close() })
	out := newWatchWriter()
	var errOut bytes.Buffer
	e := env{stdin: keys, stdout: out, stderr: &errOut, getenv: func(string) string { return "" }}
	cfg := d.Workstation(session.WorkstationConfig{Graphics: "text", Annotator: "tester"})
	cfg.Truth = disputed
	cfg.Width, cfg.Height = 160, 40
	ran := make(chan error, 1)
	go func() { ran <- session.Workstation(ctx, e.session(), cfg) }()
	waitForResults(t, d.DB, 2, ran, &errOut)
	time.Sleep(200 * time.Millisecond) // the results reach the screen too

	pressKeys(t, press, "t", "O") // truth view, urgent misses first
	pressUntil(t, press, out, d.DB, "x", func(st *store.Store) bool {
		return hasVerdict(st, "demo-12-nodule-hedge", "truth:pneumothorax/missed/t1/p-", audit.TruthWrong)
	})
	pressUntil(t, press, out, d.DB, "X", func(st *store.Store) bool { return corrected(st, "demo-12-nodule-hedge") })
	pressKeys(t, press, "j")
	pressUntil(t, press, out, d.DB, "x", func(st *store.Store) bool {
		return hasVerdict(st, "demo-04-nodule-denied", "truth:nodule_mass/spurious/t-/p0", audit.TruthWrong)
	})
	pressUntil(t, press, out, d.DB, "c", func(st *store.Store) bool { return corrected(st, "demo-04-nodule-denied") })
	metrics := out.waitFor("2 of 2 items with truth scored")
	pressKeys(t, press, "M")
	select {
	case <-metrics:
	case <-time.After(20 * time.Second):
		t.Fatalf("no metrics pane:\n%q", tail(out.String(), 3000))
	}
	pressKeys(t, press, "q")
	require.NoError(t, <-ran, errOut.String())

	dir := t.TempDir()
	exported := filepath.Join(dir, "corrected.jsonl")
	se := env{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, getenv: func(string) string { return "" }}.session()
	require.NoError(t, session.Export(ctx, se, session.ExportConfig{Truth: disputed, DB: d.DB, Out: exported}))
	body, err := os.ReadFile(exported)
	require.NoError(t, err)
	assert.Contains(t, string(body), `"corrections":2`)
	assert.Contains(t, string(body), `{"id":"demo-04-nodule-denied","findings":[{"label":"nodule_mass"`)
	assert.Contains(t, string(body), `{"id":"demo-12-nodule-hedge","findings":[{"label":"nodule_mass"`)
	assert.NotContains(t, string(body), `"demo-12-nodule-hedge","findings":[{"label":"nodule_mass","box_2d":[0.3398,0.3036,0.3827,0.3564]},{"label":"pneumothorax"`)

	evalJSON := func(f session.EvalConfig) string {
		var stdout bytes.Buffer
		ee := env{stdout: &stdout, stderr: &bytes.Buffer{}, getenv: func(string) string { return "" }}.session()
		f.Runs, f.DB, f.Protocol, f.IoU, f.Resamples, f.Seed, f.Level, f.JSON = []string{"medgemma-cxr-grounding"}, d.DB, "item", 0.3, 200, 1, 0.95, true
		require.NoError(t, session.Eval(context.Background(), ee, f))
		return stdout.String()
	}
	fromStore := evalJSON(session.EvalConfig{Truth: disputed, Corrected: true})
	assert.JSONEq(t, evalJSON(session.EvalConfig{Truth: exported}), fromStore, "eval --corrected agrees with the exported truth")
	assert.NotEqual(t, evalJSON(session.EvalConfig{Truth: disputed}), fromStore)
}

// pressKeys writes each key, a little apart.
func pressKeys(t *testing.T, press io.Writer, keys ...string) {
	t.Helper()
	for _, k := range keys {
		_, err := press.Write([]byte(k))
		require.NoError(t, err)
		time.Sleep(100 * time.Millisecond)
	}
}

// pressUntil presses key until done says the store at db holds what it
// should, pressing again (at most six times) only when a press changed
// nothing within its wait (a key given while the item's result is being
// served again does nothing).
func pressUntil(t *testing.T, press io.Writer, out *watchWriter, db, key string, done func(*store.Store) bool) {
	t.Helper()
	says := func() bool {
		st, err := store.Open(t.Context(), db, store.ReadOnly())
		if err != nil {
			return false
		}
		defer st.Close()
		return done(st)
	}
	for attempt := 0; attempt < 6; attempt++ {
		_, err := press.Write([]byte(key))
		require.NoError(t, err)
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if says() {
				return
			}
		}
	}
	t.Fatalf("key %q stored nothing:\n%q", key, tail(out.String(), 3000))
}

// hasVerdict reports whether tester's current verdict on item's key is d.
func hasVerdict(st *store.Store, item, key string, d audit.Decision) bool {
	vs, err := st.Verdicts(context.Background(), item, "tester")
	if err != nil {
		return false
	}
	for _, v := range vs {
		if v.DisagreementKey == key && v.Decision == d {
			return true
		}
	}
	return false
}

// corrected reports whether item's truth has a correction.
func corrected(st *store.Store, item string) bool {
	_, ok, err := st.TruthCorrectionOf(context.Background(), item)
	return err == nil && ok
}
