package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/session"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// The demo's agreed nodule (synthetic phantom): no disagreement, yet the
// item is URGENT and offers its row to confirm; i confirms it, and the
// verdict is stored like every verdict.
func TestDemoUrgentAgreedConfirmRow(t *testing.T) {
	ctx := t.Context()
	d, err := session.StartDemo(ctx, session.DemoOptions{Dir: smallDemo(t, "demo-12-nodule-hedge"), Fast: true})
	require.NoError(t, err)
	t.Cleanup(d.Close)

	keys, press := io.Pipe()
	t.Cleanup(func() { press.Close() })
	out := newWatchWriter()
	row := out.waitFor("urgent · draft agrees: confirm")
	var errOut bytes.Buffer
	e := env{stdin: keys, stdout: out, stderr: &errOut, getenv: func(string) string { return "" }}
	cfg := d.Workstation(session.WorkstationConfig{Graphics: "text", Annotator: "tester"})
	cfg.Width, cfg.Height = 160, 40
	ran := make(chan error, 1)
	go func() { ran <- session.Workstation(ctx, e.session(), cfg) }()
	wait := func(seen <-chan struct{}, what string) {
		t.Helper()
		select {
		case <-seen:
		case err := <-ran:
			t.Fatalf("the workstation quit before showing %s: %v\n%s", what, err, errOut.String())
		}
	}
	wait(row, "the row to confirm")
	pressUntilStored(t, press, out, "i", d.DB, "demo-12-nodule-hedge")
	_, err = press.Write([]byte("q"))
	require.NoError(t, err)
	require.NoError(t, <-ran, errOut.String())

	screen := out.String()
	assert.Contains(t, screen, "saved ✓ demo-12-nodule-hedge nodule_mass: confirmed")
	assert.Contains(t, screen, "URGENT")
	assert.Contains(t, screen, "nodule_mass")
	assert.NotContains(t, screen, "own prompt", "the demo's replayed model needs no prompt warning")

	st, err := store.Open(ctx, d.DB, store.ReadOnly())
	require.NoError(t, err)
	defer st.Close()
	vs, err := st.Verdicts(ctx, "demo-12-nodule-hedge", "tester")
	require.NoError(t, err)
	require.Len(t, vs, 1)
	assert.Equal(t, "nodule_mass/urgent", vs[0].DisagreementKey)
	assert.Equal(t, audit.UrgentConfirm, vs[0].Kind)
	assert.Equal(t, audit.ImageRight, vs[0].Decision)
	rr, ok, err := st.GetResult(ctx, "demo-12-nodule-hedge")
	require.NoError(t, err)
	require.True(t, ok)
	assert.True(t, rr.Report.Urgent)
	assert.Empty(t, rr.Report.Disagreements)
}

// pressUntilStored presses key until the store at db holds tester's
// verdict on item. A verdict key is ignored while the item's result is
// being served again from the cache (the demo serves every item again at
// start), and the screen then says "no verdict given" or "results not in
// yet": only then is it pressed again, so a press that was only slow is
// never repeated. The store, not the screen, says when it is saved: the
// renderer writes only the cells that change, so a status's words may
// never reach the terminal in one piece.
func pressUntilStored(t *testing.T, press io.Writer, out *watchWriter, key, db, item string) {
	t.Helper()
	stored := func() bool {
		st, err := store.Open(t.Context(), db, store.ReadOnly())
		if err != nil {
			return false
		}
		defer st.Close()
		vs, err := st.Verdicts(t.Context(), item, "tester")
		return err == nil && len(vs) > 0
	}
	for attempt := 0; attempt < 6; attempt++ {
		from := len(out.String())
		_, err := press.Write([]byte(key))
		require.NoError(t, err)
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if stored() {
				return
			}
			if since := out.String()[from:]; strings.Contains(since, "no verdict given") || strings.Contains(since, "results not in yet") {
				time.Sleep(100 * time.Millisecond) // let the result come in
				break
			}
		}
	}
	t.Fatalf("key %q stored no verdict on %s:\n%q", key, item, tail(out.String(), 3000))
}
