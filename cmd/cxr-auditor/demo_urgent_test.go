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
	pressUntilSaved(t, press, out, "i", "confirmed saved")
	_, err = press.Write([]byte("q"))
	require.NoError(t, err)
	require.NoError(t, <-ran, errOut.String())

	screen := out.String()
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

// pressUntilSaved presses key until the screen shows saved. A verdict key
// is ignored while the item's result is being served again from the
// cache (the demo serves every item again at start), and the screen then
// says "no verdict given" or "results not in yet": only then is it
// pressed again, so a press that was only slow is never repeated.
func pressUntilSaved(t *testing.T, press io.Writer, out *watchWriter, key, saved string) {
	t.Helper()
	done := out.waitFor(saved)
	for attempt := 0; attempt < 20; attempt++ {
		from := len(out.String())
		_, err := press.Write([]byte(key))
		require.NoError(t, err)
		deadline := time.After(10 * time.Second)
		for ignored := false; !ignored; {
			select {
			case <-done:
				return
			case <-deadline:
				ignored = true
			case <-time.After(10 * time.Millisecond):
				since := out.String()[from:]
				ignored = strings.Contains(since, "no verdict given") || strings.Contains(since, "results not in yet")
			}
		}
		time.Sleep(100 * time.Millisecond) // let the result come in
	}
	t.Fatalf("key %q never showed %q:\n%q", key, saved, tail(out.String(), 3000))
}
