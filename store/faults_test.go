package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// The store's files hold report text and verdicts: only their owner may
// read them.
func TestFilesCreated0600(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "wl.cxr.db")
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	s, err := store.Open(ctx, path)
	require.NoError(t, err)
	defer s.Close()
	_, err = s.SaveVerdict(ctx, audit.Verdict{ItemID: "a1", DisagreementKey: "k", Decision: audit.Unsure, Annotator: "r"})
	require.NoError(t, err)
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		require.NoError(t, err, p)
		assert.Equal(t, fs.FileMode(0o600), fi.Mode().Perm(), p)
	}
}

func TestInUseAndRemoveInProcess(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "wl.cxr.db")

	inUse, err := store.InUse(path)
	require.NoError(t, err)
	assert.False(t, inUse, "a missing store is not in use")
	require.NoError(t, store.Remove(path), "a missing store is not an error")

	for _, opts := range [][]store.Option{nil, {store.ReadOnly()}} {
		s, err := store.Open(ctx, path, opts...)
		require.NoError(t, err)
		inUse, err = store.InUse(path)
		require.NoError(t, err)
		assert.True(t, inUse)
		err = store.Remove(path)
		require.ErrorIs(t, err, store.ErrInUse)
		assert.FileExists(t, path)
		require.NoError(t, s.Close())
	}
	inUse, err = store.InUse(path)
	require.NoError(t, err)
	assert.False(t, inUse, "closed")
	require.NoError(t, store.Remove(path))
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		assert.NoFileExists(t, p)
	}

	csv := filepath.Join(dir, "wl.csv")
	require.NoError(t, os.WriteFile(csv, []byte("id,image\n"), 0o644))
	require.ErrorIs(t, store.Remove(csv), store.ErrNotStore)
	assert.FileExists(t, csv, "not a store: left alone")
}

// TestInUseAcrossProcesses: a store another process has open is in use
// (demo --fresh must not delete it) until that process dies, even by
// SIGKILL.
func TestInUseAcrossProcesses(t *testing.T) {
	skipDurability(t)
	path := filepath.Join(t.TempDir(), "wl.cxr.db")
	cmd, lines := startChild(t, path, "one", "held")
	require.True(t, lines.Scan(), "child said nothing")
	require.Equal(t, "saved 0", lines.Text())

	inUse, err := store.InUse(path)
	require.NoError(t, err)
	assert.True(t, inUse, "open in the child")
	err = store.Remove(path)
	require.ErrorIs(t, err, store.ErrInUse)
	assert.Contains(t, err.Error(), "another cxr-auditor session has it open")
	assert.FileExists(t, path)

	kill9(t, cmd)
	inUse, err = store.InUse(path)
	require.NoError(t, err)
	assert.False(t, inUse, "the kernel dropped the dead child's lock")
	require.NoError(t, store.Remove(path))
	assert.NoFileExists(t, path)
}

// A store whose write lock another program holds fails with ErrLocked
// after the busy timeout, saying so.
func TestErrorNamesLock(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "wl.cxr.db")
	s, err := store.Open(ctx, path, store.WithBusyTimeout(50*time.Millisecond))
	require.NoError(t, err)
	defer s.Close()

	other, err := openRaw(path)
	require.NoError(t, err)
	defer other.Close()
	tx, err := other.Begin()
	require.NoError(t, err)
	_, err = tx.Exec("INSERT INTO events (at, kind) VALUES ('2026-01-01T00:00:00.000000000Z', 'held')")
	require.NoError(t, err)
	defer tx.Rollback() //nolint:errcheck

	_, err = s.SaveVerdict(ctx, audit.Verdict{ItemID: "a1", DisagreementKey: "k", Decision: audit.Unsure, Annotator: "r"})
	require.ErrorIs(t, err, store.ErrLocked)
	assert.Contains(t, err.Error(), "another process holds a write transaction open")
	assert.Contains(t, err.Error(), path)
}

// openRaw opens the file with the SQLite driver directly, as another
// program would (not through the store).
func openRaw(path string) (*sql.DB, error) {
	return sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
}

// childAs runs the test named run in a new process with env, as the user
// nobody when the tests run as root (root ignores file permissions), else
// as the current user. It returns the child's output and error.
func childAs(t *testing.T, run string, env ...string) (string, error) {
	t.Helper()
	bin := os.Args[0]
	cmd := exec.Command(bin, "-test.run=^"+run+"$", "-test.count=1", "-test.v")
	if os.Geteuid() == 0 {
		// nobody must be able to run a copy of the test binary.
		dir := nobodyDir(t)
		cp := filepath.Join(dir, "store.test")
		copyFile(t, bin, cp, 0o755)
		cmd = exec.Command(cp, "-test.run=^"+run+"$", "-test.count=1", "-test.v")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
		env = append(env, "HOME="+dir, "GOCOVERDIR=")
	}
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// nobody is the uid and gid the permission tests drop to when run as root.
const nobody = 65534

// nobodyDir makes a fresh directory that nobody may use (and owns, when
// the tests run as root).
func nobodyDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "cxr-store-perm-")
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				_ = os.Chmod(p, 0o755)
			}
			return nil
		})
		_ = os.RemoveAll(dir)
	})
	require.NoError(t, os.Chmod(dir, 0o755))
	if os.Geteuid() == 0 {
		require.NoError(t, os.Chown(dir, nobody, nobody))
	}
	return dir
}

func copyFile(t *testing.T, src, dst string, mode fs.FileMode) {
	t.Helper()
	in, err := os.Open(src)
	require.NoError(t, err)
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	require.NoError(t, err)
	_, err = io.Copy(out, in)
	require.NoError(t, err)
	require.NoError(t, out.Close())
}

// chownAll gives dir and everything in it to nobody when running as root.
func chownAll(t *testing.T, dir string) {
	t.Helper()
	if os.Geteuid() != 0 {
		return
	}
	require.NoError(t, filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Chown(p, nobody, nobody)
	}))
}

const permEnvDB, permEnvOp = "CXR_STORE_PERM_DB", "CXR_STORE_PERM_OP"

// TestHelperPerm is not a test: it is the child process of the permission
// tests. It performs CXR_STORE_PERM_OP on the store and prints "ok" and
// the outcome, or "error:" and the error.
func TestHelperPerm(t *testing.T) {
	path := os.Getenv(permEnvDB)
	if path == "" {
		t.Skip("child process of the permission tests; runs only when re-executed by them")
	}
	ctx := context.Background()
	err := func() error {
		switch op := os.Getenv(permEnvOp); op {
		case "export":
			s, err := store.Open(ctx, path, store.ReadOnly())
			if err != nil {
				return err
			}
			defer s.Close()
			var b bytes.Buffer
			if err := s.Export(ctx, &b, "csv"); err != nil {
				return err
			}
			fmt.Printf("ok rows=%d\n", strings.Count(b.String(), "\n"))
		case "write":
			s, err := store.Open(ctx, path)
			if err != nil {
				return err
			}
			defer s.Close()
			if _, err := s.SaveVerdict(ctx, audit.Verdict{ItemID: "a1", DisagreementKey: "k", Decision: audit.Unsure, Annotator: "r"}); err != nil {
				return err
			}
			fmt.Println("ok saved")
		default:
			return fmt.Errorf("unknown op %q", op)
		}
		return nil
	}()
	if err != nil {
		fmt.Printf("error: %v\nis-readonly=%v\n", err, errors.Is(err, store.ErrReadOnlyStore))
	}
}

// permFixture makes a store with two items in a directory nobody may use,
// closed (so its -wal and -shm are gone, as after a finished review).
func permFixture(t *testing.T) (dir, path string) {
	t.Helper()
	ctx := context.Background()
	dir = nobodyDir(t)
	path = filepath.Join(dir, "wl.cxr.db")
	s, err := store.Open(ctx, path)
	require.NoError(t, err)
	require.NoError(t, s.PutItems(ctx, []audit.ItemRecord{{ID: "a1", Image: "a1.png"}, {ID: "a2", Image: "a2.png", Seq: 1}}))
	_, err = s.SaveVerdict(ctx, audit.Verdict{ItemID: "a1", DisagreementKey: "pneumothorax/missed_in_draft", Decision: audit.ImageRight, Annotator: "rad1"})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	chownAll(t, dir)
	return dir, path
}

// TestExportReadOnly: export works from a folder the user cannot write
// (WAL would need to create -shm there) and from a read-only file; a
// read-write open of them fails naming the cause.
func TestExportReadOnly(t *testing.T) {
	skipDurability(t)
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir, path string)
		wantErr string
	}{
		{"read-only folder", func(t *testing.T, dir, _ string) { require.NoError(t, os.Chmod(dir, 0o555)) }, "folder"},
		{"read-only file", func(t *testing.T, _, path string) { require.NoError(t, os.Chmod(path, 0o400)) }, "the file is read-only for this user (mode 0400)"},
		{"both", func(t *testing.T, dir, path string) {
			require.NoError(t, os.Chmod(path, 0o400))
			require.NoError(t, os.Chmod(dir, 0o555))
		}, "read-only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, path := permFixture(t)
			tt.setup(t, dir, path)
			out, err := childAs(t, "TestHelperPerm", permEnvDB+"="+path, permEnvOp+"=export")
			require.NoError(t, err, out)
			require.Contains(t, out, "ok rows=3", "header and two items\n%s", out)

			out, err = childAs(t, "TestHelperPerm", permEnvDB+"="+path, permEnvOp+"=write")
			require.NoError(t, err, out)
			assert.Contains(t, out, "error: ", out)
			assert.Contains(t, out, "is-readonly=true", out)
			assert.Contains(t, out, tt.wantErr, out)
		})
	}
}
