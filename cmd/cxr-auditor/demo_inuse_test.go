package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/session"
	"github.com/cxr-auditor/cxr-auditor/store"
	"github.com/cxr-auditor/cxr-auditor/worklist"
)

// TestDemoFreshRefusesAStoreInUse: demo --fresh leaves the demo's store
// alone while a session has it open, in this process or in another one (a
// real review process in a pty), and deletes it once that session is gone
// (--fresh once deleted a store another session had open).
func TestDemoFreshRefusesAStoreInUse(t *testing.T) {
	ctx := t.Context()
	dir := smallDemo(t, "demo-07-unsupported")
	wlPath := filepath.Join(dir, session.DemoWorklist)
	db := filepath.Join(dir, "worklist.cxr.db")
	wl, err := worklist.Load(ctx, wlPath, worklist.AllowOutsidePaths())
	require.NoError(t, err)
	demoStore(t, db, audit.ItemRecord{ID: wl.Items[0].ID, Image: wl.Items[0].ImagePath})

	// Open in this process.
	st, err := store.Open(ctx, db)
	require.NoError(t, err)
	_, err = session.StartDemo(ctx, session.DemoOptions{Dir: dir, Fast: true, Fresh: true})
	require.ErrorIs(t, err, store.ErrInUse)
	assert.Contains(t, err.Error(), "refusing to delete "+db+" while another session has it open")
	require.NoError(t, st.Close())
	assert.FileExists(t, db)

	// Open in another process: a review of the demo worklist.
	srv := runServer(t)
	cmd := exec.Command(binary(t), "review", wlPath, "--db", db, "--allow-outside-paths", "--ollama", srv.URL(), "--graphics", "text",
		"--grounding-model", runGroundModel, "--draft-model", runDraftModel)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	require.NoError(t, err)
	defer tty.Close()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	var screen syncBuffer
	go func() { _, _ = copyAll(&screen, tty) }()
	require.Eventually(t, func() bool { return strings.Contains(screen.String(), "demo-07") }, time.Minute, 50*time.Millisecond)

	r := invokeMain(t, "", "demo", "--dir", dir, "--fresh", "--fast", "--graphics", "text")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "while another session has it open")
	assert.FileExists(t, db)

	_, err = tty.Write([]byte("q"))
	require.NoError(t, err)
	assert.Equal(t, 0, waitExit(t, cmd))
	d, err := session.StartDemo(ctx, session.DemoOptions{Dir: dir, Fast: true, Fresh: true})
	require.NoError(t, err)
	d.Close()
	assert.NoFileExists(t, db, "deleted once no session has it open")
}
