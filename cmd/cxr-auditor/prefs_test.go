package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/session"
)

// TestUrgentFirstRemembered: s in one session is how the next one opens
// (urgent-first was once forgotten between sessions).
func TestUrgentFirstRemembered(t *testing.T) {
	ctx := t.Context()
	cfgDir := t.TempDir()
	prefs := filepath.Join(cfgDir, "cxr-auditor", "workstation.json")
	dir := smallDemo(t, "demo-01-normal", "demo-03-ptx-missed")
	d, err := session.StartDemo(ctx, session.DemoOptions{Dir: dir, Fast: true})
	require.NoError(t, err)
	t.Cleanup(d.Close)

	session := func(keys string) {
		t.Helper()
		in, press := io.Pipe()
		defer press.Close()
		out := newWatchWriter()
		shown := out.waitFor("RESEARCH USE ONLY")
		var errOut bytes.Buffer
		e := env{stdin: in, stdout: out, stderr: &errOut, getenv: func(k string) string {
			if k == "XDG_CONFIG_HOME" {
				return cfgDir
			}
			return ""
		}}
		cfg := d.Workstation(session.WorkstationConfig{Graphics: "text", Annotator: "tester"})
		cfg.Width, cfg.Height = 160, 40
		ran := make(chan error, 1)
		go func() { ran <- session.Workstation(ctx, e.session(), cfg) }()
		select {
		case <-shown:
		case err := <-ran:
			t.Fatalf("the workstation quit early: %v\n%s", err, errOut.String())
		}
		_, err := press.Write([]byte(keys + "q"))
		require.NoError(t, err)
		require.NoError(t, <-ran, errOut.String())
	}

	session("")
	assert.NoFileExists(t, prefs, "nothing to remember yet")
	session("s")
	assert.True(t, urgentFirstSaved(t, prefs), "urgent-first remembered")
	// Opened urgent-first, s turns it off: only a session that opened with
	// it on can leave it off.
	session("s")
	assert.False(t, urgentFirstSaved(t, prefs), "the second session opened urgent-first")
}

// urgentFirstSaved reads urgent_first from the preferences file at path.
func urgentFirstSaved(t *testing.T, path string) bool {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var p struct {
		UrgentFirst bool `json:"urgent_first"`
	}
	require.NoError(t, json.Unmarshal(b, &p))
	return p.UrgentFirst
}
