package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPrefsFile(t *testing.T) {
	dir := t.TempDir()
	assert.Equal(t, filepath.Join(dir, "cfg", "cxr-auditor", "workstation.json"),
		prefsPath(env{getenv: func(k string) string {
			return map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "cfg"), "HOME": "/h"}[k]
		}}))
	assert.Equal(t, filepath.Join("/h", ".config", "cxr-auditor", "workstation.json"),
		prefsPath(env{getenv: func(k string) string { return map[string]string{"HOME": "/h"}[k] }}))
	assert.Empty(t, prefsPath(env{getenv: func(string) string { return "" }}), "nowhere to remember")

	path := filepath.Join(dir, "cfg", "cxr-auditor", "workstation.json")
	p, err := loadPrefs(path)
	require.NoError(t, err, "a missing file is the defaults")
	assert.False(t, p.UrgentFirst)
	require.NoError(t, savePrefs(path, workstationPrefs{UrgentFirst: true}))
	p, err = loadPrefs(path)
	require.NoError(t, err)
	assert.True(t, p.UrgentFirst)

	require.NoError(t, os.WriteFile(path, []byte("{urgent"), 0o600))
	p, err = loadPrefs(path)
	require.ErrorContains(t, err, path, "a bad file is named")
	assert.False(t, p.UrgentFirst, "and the defaults are used")

	require.NoError(t, os.Remove(path))
	require.NoError(t, os.Mkdir(path, 0o700))
	_, err = loadPrefs(path)
	require.ErrorContains(t, err, path, "a folder where the file should be")
}

// TestUrgentFirstRemembered: s in one session is how the next one opens
// (issue 9: urgent-first was not remembered across sessions).
func TestUrgentFirstRemembered(t *testing.T) {
	ctx := t.Context()
	cfgDir := t.TempDir()
	prefs := filepath.Join(cfgDir, "cxr-auditor", "workstation.json")
	dir := smallDemo(t, "demo-01-normal", "demo-03-ptx-missed")
	f := demoFlags{dir: dir, fast: true, graphics: "text", annotator: "tester"}
	d, err := startDemo(ctx, f)
	require.NoError(t, err)
	t.Cleanup(d.close)

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
		cfg := demoWorkstation(d, f)
		cfg.width, cfg.height = 160, 40
		ran := make(chan error, 1)
		go func() { ran <- openWorkstation(ctx, e, cfg) }()
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
	p, err := loadPrefs(prefs)
	require.NoError(t, err)
	assert.True(t, p.UrgentFirst, "urgent-first remembered")
	// Opened urgent-first, s turns it off: only a session that opened with
	// it on can leave it off.
	session("s")
	p, err = loadPrefs(prefs)
	require.NoError(t, err)
	assert.False(t, p.UrgentFirst, "the second session opened urgent-first")
}
