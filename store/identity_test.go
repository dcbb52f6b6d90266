package store_test

import (
	"bufio"
	"context"
	"encoding/json"
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

// TestWriteRefusedWhenFileGoes: another process deletes the store (rm
// cases.cxr.db*), moves it away or copies another store over it while it
// is open. The next verdict, note and result are refused with
// ErrStoreReplaced, not reported saved into a file nobody can open; what
// was refused is in the rescue file beside the path; and the store stays
// refused (SQLite alone wrote on into the deleted file and said saved).
func TestWriteRefusedWhenFileGoes(t *testing.T) {
	for _, tt := range []struct {
		name string
		do   func(t *testing.T, path string) []string
	}{
		{"rm", func(t *testing.T, path string) []string {
			return []string{"sh", "-c", `rm -f "$1" "$1-wal" "$1-shm"`, "sh", path}
		}},
		{"mv away", func(t *testing.T, path string) []string {
			return []string{"mv", path, path + ".old"}
		}},
		{"replaced", func(t *testing.T, path string) []string {
			other := filepath.Join(t.TempDir(), "other.cxr.db")
			o, err := store.Open(context.Background(), other)
			require.NoError(t, err)
			require.NoError(t, o.Close())
			return []string{"mv", other, path}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "cases.cxr.db")
			s, err := store.Open(ctx, path)
			require.NoError(t, err)
			defer s.Close()
			v := audit.Verdict{ItemID: "a", DisagreementKey: "effusion/missed_in_draft", Decision: audit.ImageRight, Annotator: "rad1"}
			_, err = s.SaveVerdict(ctx, v)
			require.NoError(t, err)
			require.NoError(t, s.Check())

			args := tt.do(t, path)
			out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
			require.NoError(t, err, string(out))

			v.ItemID = "b"
			_, err = s.SaveVerdict(ctx, v)
			require.ErrorIs(t, err, store.ErrStoreReplaced)
			assert.Contains(t, err.Error(), s.RescuePath())
			_, err = s.SaveNote(ctx, audit.Note{ItemID: "b", Annotator: "rad1", Text: "look again"})
			require.ErrorIs(t, err, store.ErrStoreReplaced)
			err = s.PutOutcome(ctx, nil, audit.ResultRecord{ItemID: "b", Report: &audit.Report{}})
			require.ErrorIs(t, err, store.ErrStoreReplaced)
			_, _, err = s.UndoLastVerdict(ctx, "rad1")
			require.ErrorIs(t, err, store.ErrStoreReplaced)
			require.ErrorIs(t, s.Check(), store.ErrStoreReplaced)
			assert.Equal(t, 3, s.RescuedCount())

			kinds := readRescue(t, s.RescuePath())
			assert.Equal(t, []string{"verdict", "note", "outcome"}, kinds)
		})
	}
}

// TestWriteRefusedAfterFileRestored: once the file went, putting a file
// back at the path does not make the open store writable again (its
// connection still points at the old file).
func TestWriteRefusedAfterFileRestored(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cases.cxr.db")
	s, err := store.Open(ctx, path)
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, exec.Command("mv", path, path+".old").Run())
	_, err = s.SaveNote(ctx, audit.Note{ItemID: "a", Annotator: "rad1", Text: "x"})
	require.ErrorIs(t, err, store.ErrStoreReplaced)
	require.NoError(t, exec.Command("mv", path+".old", path).Run())
	_, err = s.SaveNote(ctx, audit.Note{ItemID: "a", Annotator: "rad1", Text: "x"})
	require.ErrorIs(t, err, store.ErrStoreReplaced, "refused once, refused for good")
}

func readRescue(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var kinds []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r store.Rescued
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r), sc.Text())
		assert.True(t, strings.HasSuffix(r.Store, "cases.cxr.db"))
		assert.Contains(t, r.Reason, "deleted or replaced")
		kinds = append(kinds, r.Kind)
	}
	require.NoError(t, sc.Err())
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	return kinds
}
