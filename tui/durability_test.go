package tui

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// durabilityEnv names the store the child process of TestDurability uses.
const durabilityEnv = "CXR_TUI_DURABILITY_DB"

// durabilityConfig is the workstation both processes open: 4 synthetic
// items with cached results in the real store (their full results looked
// up through a pipeline that runs nothing), no images.
func durabilityConfig(st Store) Config {
	f := newFixture(4, 4)
	f.engine.done()
	cfg := f.config()
	cfg.Store, cfg.Imager = st, nil
	return cfg
}

// TestDurability: a verdict the UI shows as saved survives the process
// being killed at once (SIGKILL, no chance to flush or close), and the
// reopened workstation resumes at the first item still needing a verdict.
func TestDurability(t *testing.T) {
	if os.Getenv(durabilityEnv) != "" {
		t.Skip("running as the child")
	}
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "review.cxr.db")
	st, err := store.Open(ctx, db)
	require.NoError(t, err)
	for k := 0; k < 4; k++ {
		id := "case-000" + itoa(k+1)
		require.NoError(t, st.PutResult(ctx, audit.ResultRecord{ItemID: id, Report: resultFor(id, k).Report}))
	}
	require.NoError(t, st.Close())

	cmd := exec.Command(os.Args[0], "-test.run=^TestDurabilityChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), durabilityEnv+"="+db)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	killed := false
	t.Cleanup(func() {
		if !killed {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	sc := bufio.NewScanner(out)
	saved := ""
	for sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "SAVED "); ok {
			saved = id
			break
		}
	}
	require.Equal(t, "case-0001", saved, "the child reported the saved verdict")
	require.NoError(t, cmd.Process.Kill()) // SIGKILL: no deferred close, no flush
	_ = cmd.Wait()
	killed = true

	st, err = store.Open(ctx, db)
	require.NoError(t, err)
	defer st.Close()
	vs, err := st.Verdicts(ctx, "case-0001", "tester")
	require.NoError(t, err)
	require.Len(t, vs, 1)
	assert.Equal(t, audit.ImageRight, vs[0].Decision)
	assert.Equal(t, "pneumothorax/contradicted_by_image", vs[0].DisagreementKey)

	h := newHarness(t, durabilityConfig(st), 120, 40)
	assert.Equal(t, "case-0002", h.m.CurrentID(), "resumes at the first item needing a verdict")
	assert.True(t, h.m.data.adjudicated(0))
	h.key("k")
	assert.Contains(t, h.screen(), "image right saved ✓", "case-0001's verdict shows as saved after the restart")
}

// TestDurabilityChild is the child process of TestDurability: it saves a
// verdict through the real store, says so on stdout once the UI shows it
// saved, and waits to be killed.
func TestDurabilityChild(t *testing.T) {
	db := os.Getenv(durabilityEnv)
	if db == "" {
		t.Skip("only run by TestDurability")
	}
	st, err := store.Open(context.Background(), db)
	require.NoError(t, err)
	h := newHarness(t, durabilityConfig(st), 120, 40)
	require.Equal(t, "case-0001", h.m.CurrentID())
	h.key("i")
	e := h.m.data.mine["case-0001"]["pneumothorax/contradicted_by_image"]
	require.NotNil(t, e)
	require.Equal(t, stateSaved, e.state)
	require.Contains(t, h.screen(), "saved ✓")
	os.Stdout.WriteString("SAVED case-0001\n")
	select {} // wait for SIGKILL
}
