package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A worklist row with bytes PostgreSQL refuses in text (a NUL, or bytes
// that are not UTF-8) is reported and skipped on PostgreSQL as on SQLite:
// the other items run (one such row once aborted the whole run on
// PostgreSQL, 0 of 51 done).
func TestRunBadBytesEveryBackend(t *testing.T) {
	for _, share := range []string{"auto", "off"} {
		t.Run("share "+share, func(t *testing.T) { testRunBadBytes(t, share) })
	}
}

func testRunBadBytes(t *testing.T, share string) {
	forEachStore(t, func(t *testing.T, loc string) {
		dir := t.TempDir()
		srv := runServer(t)
		var b strings.Builder
		b.WriteString("id,image,draft\n")
		for i := range 4 {
			writeRunImage(t, filepath.Join(dir, fmt.Sprintf("c%d.png", i)), i)
		}
		b.WriteString("case-0,c0.png,Case 0. No pneumothorax.\n")
		b.WriteString("case-1,c1.png,Case 1. bad \xff\xfe bytes.\n")
		b.WriteString("case-2,c2.png,Case 2. a NUL \x00 here.\n")
		b.WriteString("case-\xff3,c3.png,Case 3. an id not UTF-8.\n")
		wl := filepath.Join(dir, "wl.csv")
		require.NoError(t, os.WriteFile(wl, []byte(b.String()), 0o644))
		r := invokeMain(t, "", runArgs(srv, wl, "--db", loc, "--out", filepath.Join(dir, "out.jsonl"), "--share", share)...)
		assert.NotContains(t, r.stderr, "invalid byte sequence", "the run was not aborted")
		if strings.HasPrefix(loc, "postgres") {
			assert.Equal(t, 2, r.code, r.stderr)
			assert.Contains(t, r.stderr, `item "case-1": field draft: bytes that are not UTF-8 at byte 12`)
			assert.Contains(t, r.stderr, `item "case-2": field draft: a NUL byte at byte 14`)
			assert.Contains(t, r.stderr, `item "case-\xff3": field id: bytes that are not UTF-8 at byte 5`)
			assert.Contains(t, r.stderr, "1 of 1 items: 1 done, 0 failed")
			assert.Contains(t, r.stderr, "3 worklist row(s) skipped")
			return
		}
		assert.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stderr, "4 of 4 items: 4 done, 0 failed", "SQLite stores the bytes as given")
		out, err := os.ReadFile(filepath.Join(dir, "out.jsonl"))
		require.NoError(t, err)
		assert.Equal(t, []string{"case-0", "case-1", "case-2", "case-\xff3"}, exactIDs(t, string(out)), "run --out")
		ex := invokeMain(t, "", "export", "--db", loc)
		require.Equal(t, 0, ex.code, ex.stderr)
		assert.ElementsMatch(t, []string{"case-0", "case-1", "case-2", "case-\xff3"}, exactIDs(t, ex.stdout), "export")
	})
}

// exactIDs reads each JSONL line's id as its bytes: id_base64 when the
// line has one (an id that is not UTF-8), else id.
func exactIDs(t *testing.T, jsonl string) []string {
	t.Helper()
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(jsonl), "\n") {
		var v struct {
			ID       string `json:"id"`
			IDBase64 string `json:"id_base64"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &v), line)
		if v.IDBase64 == "" {
			ids = append(ids, v.ID)
			continue
		}
		b, err := base64.StdEncoding.DecodeString(v.IDBase64)
		require.NoError(t, err)
		ids = append(ids, string(b))
	}
	return ids
}
