package store_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// openerEnv, set in a child process's environment, makes it an opener
// (TestHelperOpener).
const openerEnv = "CXR_STORE_OPENER"

// TestHelperOpener is not a test: it is a child process of
// TestConcurrentOpen. For each store location it reads on stdin (one a
// line, sent to every child at the same moment) it opens the store
// read-write, writes one verdict, closes it and answers "ok" on stdout, or
// the error; it exits at the end of its input. One process serves every
// round, so the rounds pay for no process start.
func TestHelperOpener(t *testing.T) {
	if os.Getenv(openerEnv) == "" {
		t.Skip("child process of TestConcurrentOpen; runs only when re-executed by it")
	}
	ctx := context.Background()
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		path := in.Text()
		s, err := store.Open(ctx, path)
		if err == nil {
			_, err = s.SaveVerdict(ctx, audit.Verdict{ItemID: "a1", DisagreementKey: "pneumothorax/missed_in_draft",
				Decision: audit.ImageRight, Annotator: fmt.Sprintf("pid%d", os.Getpid())})
			if cerr := s.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Printf("%s: %v\n", path, strings.ReplaceAll(err.Error(), "\n", " "))
			continue
		}
		fmt.Println("ok")
	}
	os.Exit(0)
}

// openers are n child processes (TestHelperOpener) that open a store
// together each time openAtOnce sends them its location.
type openers struct {
	cmds []*exec.Cmd
	ins  []io.WriteCloser
	outs []*bufio.Scanner
}

func startOpeners(t *testing.T, n int) *openers {
	t.Helper()
	o := &openers{}
	for range n {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperOpener$", "-test.count=1")
		cmd.Env = append(os.Environ(), openerEnv+"=1")
		cmd.Stderr = os.Stderr
		in, err := cmd.StdinPipe()
		require.NoError(t, err)
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		o.cmds, o.ins, o.outs = append(o.cmds, cmd), append(o.ins, in), append(o.outs, bufio.NewScanner(out))
	}
	t.Cleanup(func() {
		for i, c := range o.cmds {
			_ = o.ins[i].Close()
			_ = c.Wait()
		}
	})
	return o
}

// openAtOnce has every opener open the store at path at once and
// requires every one to succeed.
func (o *openers) openAtOnce(t *testing.T, path string) {
	t.Helper()
	for _, in := range o.ins {
		_, err := io.WriteString(in, path+"\n")
		require.NoError(t, err)
	}
	for i, out := range o.outs {
		require.True(t, out.Scan(), "process %d of %d on %s: no answer", i+1, len(o.outs), path)
		require.Equal(t, "ok", out.Text(), "process %d of %d", i+1, len(o.outs))
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
					t.Parallel() // each on its own stores; they wait on the disk
					var o *openers
					for round := range rounds {
						path := be.location(t) // skips the test when the back end is absent
						if o == nil {
							o = startOpeners(t, n)
						}
						if tc.version > 0 {
							store.CreateAtVersion(t, path, tc.version)
						}
						o.openAtOnce(t, path)
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
