package store_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// Environment of the child process (the test binary re-executed).
const (
	childEnvDB   = "CXR_STORE_CHILD_DB"
	childEnvMode = "CXR_STORE_CHILD_MODE" // "one" or "loop"
	childEnvTag  = "CXR_STORE_CHILD_TAG"
)

// TestHelperChild is not a test: it is the child process of the durability
// tests. It saves verdicts and acknowledges each on stdout only after
// SaveVerdict returned, then waits to be killed.
func TestHelperChild(t *testing.T) {
	path := os.Getenv(childEnvDB)
	if path == "" {
		t.Skip("child process of the durability tests; runs only when re-executed by them")
	}
	ctx := context.Background()
	s, err := store.Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	tag := os.Getenv(childEnvTag)
	for i := 0; ; i++ {
		_, err := s.SaveVerdict(ctx, audit.Verdict{
			ItemID: fmt.Sprintf("%s-%d", tag, i), DisagreementKey: "pneumothorax/missed_in_draft",
			Decision: audit.ImageRight, Annotator: "rad1",
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		fmt.Fprintf(os.Stdout, "saved %d\n", i) // os.Stdout is unbuffered
		if os.Getenv(childEnvMode) == "one" {
			break
		}
	}
	time.Sleep(time.Hour) // wait for SIGKILL; never closes the store
}

// startChild re-executes the test binary as TestHelperChild and returns its
// stdout lines as they come.
func startChild(t *testing.T, path, mode, tag string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnvDB+"="+path, childEnvMode+"="+mode, childEnvTag+"="+tag)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd, bufio.NewScanner(out)
}

// kill9 sends SIGKILL: no deferred function, no Close, no checkpoint runs.
func kill9(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	require.NoError(t, cmd.Process.Kill())
	err := cmd.Wait()
	require.Error(t, err, "the child must have died of the signal")
}

func skipDurability(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("needs SIGKILL and os/exec")
	}
}

// A verdict acknowledged as saved survives kill -9 of the process at once.
// (SIGKILL leaves the OS page cache alone, so this proves the commit
// protocol, not the fsync; power-loss durability rests on synchronous=FULL,
// checked by TestWriterIsDurable.)
func TestDurableAfterKill9(t *testing.T) {
	skipDurability(t)
	forEachBackend(t, func(t *testing.T, be backend) {
		path := be.location(t)
		cmd, lines := startChild(t, path, "one", "one")
		require.True(t, lines.Scan(), "child said nothing")
		require.Equal(t, "saved 0", lines.Text())
		kill9(t, cmd)

		s, err := store.Open(context.Background(), path)
		require.NoError(t, err)
		defer s.Close()
		vs, err := s.Verdicts(context.Background(), "one-0", "rad1")
		require.NoError(t, err)
		require.Len(t, vs, 1)
		assert.Equal(t, audit.ImageRight, vs[0].Decision)
	})
}

// Killing a child in the middle of rapid writes, several times over the same
// file, never loses an acknowledged write nor corrupts the database.
func TestDurableUnderRapidKills(t *testing.T) {
	skipDurability(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "wl.cxr.db")
	acked := map[string]int{} // tag -> number of acknowledged saves
	for round, killAfter := range []int{1, 7, 23, 40} {
		tag := "r" + strconv.Itoa(round)
		cmd, lines := startChild(t, path, "loop", tag)
		n := 0
		for n < killAfter && lines.Scan() {
			n++
		}
		require.Equal(t, killAfter, n, "round %d: child stopped early", round)
		kill9(t, cmd)
		// Lines written before the kill are acknowledgements too.
		for lines.Scan() {
			if strings.HasPrefix(lines.Text(), "saved ") {
				n++
			}
		}
		acked[tag] = n

		s, err := store.Open(ctx, path)
		require.NoError(t, err, "round %d: database must reopen", round)
		for tag, n := range acked {
			for i := range n {
				vs, err := s.Verdicts(ctx, fmt.Sprintf("%s-%d", tag, i), "rad1")
				require.NoError(t, err)
				require.Len(t, vs, 1, "round %d: acknowledged verdict %s-%d lost", round, tag, i)
			}
		}
		require.NoError(t, s.Close())
	}
	require.Equal(t, "ok", integrityCheck(t, path))
}

func integrityCheck(t *testing.T, path string) string {
	t.Helper()
	s, err := store.Open(context.Background(), path, store.ReadOnly())
	require.NoError(t, err)
	defer s.Close()
	return store.ReaderPragma(t, s, "integrity_check")
}
