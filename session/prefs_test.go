package session

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPrefsFile(t *testing.T) {
	dir := t.TempDir()
	assert.Equal(t, filepath.Join(dir, "cfg", "cxr-auditor", "workstation.json"),
		prefsPath(Env{Getenv: func(k string) string {
			return map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "cfg"), "HOME": "/h"}[k]
		}}))
	assert.Equal(t, filepath.Join("/h", ".config", "cxr-auditor", "workstation.json"),
		prefsPath(Env{Getenv: func(k string) string { return map[string]string{"HOME": "/h"}[k] }}))
	assert.Empty(t, prefsPath(Env{Getenv: func(string) string { return "" }}), "nowhere to remember")

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
