//go:build linux

package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/store"
)

const diskFullEnvDir = "CXR_STORE_DISKFULL_DIR"

// TestHelperDiskFull is not a test: it is the child process of
// TestErrorNamesDiskFull. In its own user and mount namespaces it mounts a
// 512 KiB tmpfs on the directory (room for the schema and a few notes),
// fills a store on it until a write fails, and prints what it saw.
func TestHelperDiskFull(t *testing.T) {
	dir := os.Getenv(diskFullEnvDir)
	if dir == "" {
		t.Skip("child process of TestErrorNamesDiskFull; runs only when re-executed by it")
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=512k"); err != nil {
		fmt.Println("skip: mount tmpfs:", err)
		return
	}
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(dir, "wl.cxr.db"))
	if err != nil {
		fmt.Println("open error:", err)
		return
	}
	text := strings.Repeat("synthetic note ", 200)
	saved := 0
	for i := 0; i < 10000; i++ {
		_, err = s.SaveNote(ctx, audit.Note{ItemID: fmt.Sprintf("a%d", i), Annotator: "rad1", Text: text})
		if err != nil {
			break
		}
		saved++
	}
	fmt.Printf("saved=%d\nis-disk-full=%v\nerror: %v\n", saved, errors.Is(err, store.ErrDiskFull), err)
	if saved > 0 {
		ns, rerr := s.Notes(ctx, "a0", "")
		fmt.Printf("first-note-kept=%v %v\n", rerr == nil && len(ns) == 1, rerr)
	}
}

// TestErrorNamesDiskFull: a write on a full disk fails with ErrDiskFull and
// says so, instead of "disk I/O error (4874)"; what was saved before stays.
func TestErrorNamesDiskFull(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperDiskFull$", "-test.count=1")
	cmd.Env = append(os.Environ(), diskFullEnvDir+"="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
	}
	out, err := cmd.CombinedOutput()
	if err != nil && strings.Contains(err.Error(), "operation not permitted") {
		t.Skipf("cannot make a user namespace here (%v): the full-disk test needs one", err)
	}
	require.NoError(t, err, "%s", out)
	if strings.Contains(string(out), "skip: ") {
		t.Skipf("%s", out)
	}
	t.Logf("%s", out)
	assert.Contains(t, string(out), "is-disk-full=true", "%s", out)
	assert.Contains(t, string(out), "no space left on the disk holding "+dir, "%s", out)
	assert.Contains(t, string(out), "first-note-kept=true", "%s", out)
	assert.NotContains(t, string(out), "saved=0", "%s", out)
}
