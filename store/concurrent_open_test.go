package store_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// Environment of the opener child process.
const (
	openerEnvDB = "CXR_STORE_OPENER_DB"
)

// TestHelperOpener is not a test: it is the child process of
// TestConcurrentOpen. It waits for a byte on stdin (so that every child
// opens at the same moment), opens the store read-write, writes one verdict
// and exits 0, or prints the error and exits 3.
func TestHelperOpener(t *testing.T) {
	path := os.Getenv(openerEnvDB)
	if path == "" {
		t.Skip("child process of TestConcurrentOpen; runs only when re-executed by it")
	}
	var b [1]byte
	_, _ = os.Stdin.Read(b[:])
	ctx := context.Background()
	s, err := store.Open(ctx, path)
	if err == nil {
		_, err = s.SaveVerdict(ctx, audit.Verdict{ItemID: "a1", DisagreementKey: "pneumothorax/missed_in_draft",
			Decision: audit.ImageRight, Annotator: fmt.Sprintf("pid%d", os.Getpid())})
		if cerr := s.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	os.Exit(0)
}

// openAtOnce starts n opener processes on path, releases them together and
// requires every one to succeed.
func openAtOnce(t *testing.T, path string, n int) {
	t.Helper()
	type child struct {
		cmd    *exec.Cmd
		stderr *bytes.Buffer
		start  func()
	}
	children := make([]child, n)
	for i := range children {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperOpener$", "-test.count=1")
		cmd.Env = append(os.Environ(), openerEnvDB+"="+path)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		in, err := cmd.StdinPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		children[i] = child{cmd, &stderr, func() { _, _ = in.Write([]byte{1}); _ = in.Close() }}
	}
	for _, c := range children {
		c.start()
	}
	for i, c := range children {
		err := c.cmd.Wait()
		require.NoError(t, err, "process %d of %d on %s: %s", i+1, n, path, c.stderr.String())
	}
}

// TestConcurrentOpen: two to four processes creating, or upgrading, the same
// store at once all succeed, and every one's write is kept. Without the
// migration inside BEGIN IMMEDIATE, one of two processes fails ("table
// items already exists" or "database is locked").
func TestConcurrentOpen(t *testing.T) {
	skipDurability(t)
	rounds := 12
	if testing.Short() || raceEnabled {
		rounds = 2 // the race detector's processes start slowly; the plain run repeats it
	}
	forEachBackend(t, func(t *testing.T, be backend) {
		for _, tc := range []struct {
			name    string
			version int // 0: a new store
		}{{"new", 0}, {"from v1", 1}, {"from v2", 2}} {
			for n := 2; n <= 4; n++ {
				t.Run(fmt.Sprintf("%s/%d processes", tc.name, n), func(t *testing.T) {
					for round := range rounds {
						path := be.location(t)
						if tc.version > 0 {
							store.CreateAtVersion(t, path, tc.version)
						}
						openAtOnce(t, path, n)
						s, err := store.Open(context.Background(), path, store.ReadOnly())
						require.NoError(t, err)
						vs, err := s.Verdicts(context.Background(), "a1", "")
						require.NoError(t, err)
						require.Len(t, vs, n, "round %d: every process's verdict is kept", round)
						require.NoError(t, s.Close())
					}
				})
			}
		}
	})
}
