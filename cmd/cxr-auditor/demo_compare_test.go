package main

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/ollama/replay"
	"github.com/cxr-auditor/cxr-auditor/prompts"
	"github.com/cxr-auditor/cxr-auditor/session"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// TestDemoCompare: demo --compare runs the demo's two synthetic grounding
// models, opens on the first item where they differ (the effusion boxed
// apart), and a `B right` verdict is stored as a compare verdict of the
// two runs; `runs` lists both.
func TestDemoCompare(t *testing.T) {
	ctx := t.Context()
	dir := smallDemo(t, "demo-02-effusion", "demo-03-ptx-missed", "demo-06-consolidation")
	keys, press := io.Pipe()
	t.Cleanup(func() { press.Close() })
	out := newWatchWriter()
	first := out.waitFor("pleural_effusion apart")
	var errOut bytes.Buffer
	e := env{stdin: keys, stdout: out, stderr: &errOut, getenv: func(string) string { return "" }}
	ran := make(chan error, 1)
	go func() {
		ran <- session.RunDemo(ctx, e.session(), session.DemoOptions{Dir: dir, Fast: true, Compare: true},
			session.WorkstationConfig{Graphics: "text", Annotator: "tester", Width: 160, Height: 40})
	}()
	select {
	case <-first:
	case err := <-ran:
		t.Fatalf("the workstation quit before showing the first difference: %v\n%s", err, errOut.String())
	}
	db := dir + "/" + "worklist.cxr.db"
	judged := func() []audit.CompareVerdict {
		st, err := store.Open(ctx, db, store.ReadOnly())
		if err != nil {
			return nil
		}
		defer st.Close()
		vs, _ := st.CompareVerdicts(ctx)
		return vs
	}
	for try := 0; len(judged()) == 0; try++ {
		require.Less(t, try, 100, "the verdict was never stored:\n%s", errOut.String())
		_, err := press.Write([]byte("2"))
		require.NoError(t, err)
		time.Sleep(100 * time.Millisecond)
	}
	_, err := press.Write([]byte("q"))
	require.NoError(t, err)
	require.NoError(t, <-ran, errOut.String())

	vs := judged()
	require.Len(t, vs, 1)
	assert.Equal(t, "demo-02-effusion", vs[0].ItemID)
	assert.Equal(t, audit.PreferB, vs[0].Preference)
	assert.Equal(t, [2]string{prompts.DefaultGroundingModel, replay.SecondGroundingModel}, [2]string{vs[0].RunA, vs[0].RunB})
	assert.Equal(t, "pleural_effusion/moved/a0/b0", vs[0].DifferenceKey)

	r := invokeMain(t, "", "runs", "--db", db, "--json")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"name":"`+replay.SecondGroundingModel+`"`)
	assert.Contains(t, r.stdout, `"name":"`+prompts.DefaultGroundingModel+`"`)
}
