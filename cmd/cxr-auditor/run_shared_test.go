package main

// Synthetic images and drafts only.

import (
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // raw reads of the store's tables
	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// sharedCalls counts model calls per input (image bytes or draft prompt)
// across every fake GPU server.
type sharedCalls struct {
	mu    sync.Mutex
	calls map[[32]byte]int
	names map[[32]byte]string // the draft's case, for messages
}

func (c *sharedCalls) respond(req *api.ChatRequest) ollamatest.Reply {
	var key [32]byte
	name := ""
	image := false
	for _, m := range req.Messages {
		if len(m.Images) > 0 {
			key, image = sha256.Sum256(m.Images[0]), true
		} else if m.Role == "user" {
			key = sha256.Sum256([]byte(m.Content))
			if i := strings.Index(m.Content, "Case "); i >= 0 {
				name = strings.Fields(m.Content[i:])[1]
			}
		}
	}
	c.mu.Lock()
	c.calls[key]++
	if name != "" {
		c.names[key] = name
	}
	c.mu.Unlock()
	if image {
		return ollamatest.Reply{Content: `[{"label":"pneumothorax","box_2d":[0.2,0.5,0.6,0.8]}]`}
	}
	return ollamatest.Reply{Content: `[{"label":"pneumothorax","status":"absent","span":"No pneumothorax."}]`}
}

// rawDB opens the store's database directly, for reading its tables.
func rawDB(t *testing.T, loc string) *sql.DB {
	t.Helper()
	var db *sql.DB
	var err error
	if store.IsPostgres(loc) {
		db, err = sql.Open("pgx", loc)
	} else {
		db, err = sql.Open("sqlite", "file:"+loc+"?mode=ro&_pragma=busy_timeout(5000)")
	}
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

// sharedWorker is one `cxr-auditor run` process of the shared run.
type sharedWorker struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	name   string
	out    string
}

var workerLine = regexp.MustCompile(`this worker is (\S+);`)

func startWorker(t *testing.T, args []string, out string) *sharedWorker {
	t.Helper()
	cmd := exec.Command(binary(t), append(args, "--out", out)...)
	w := &sharedWorker{cmd: cmd, stderr: &syncBuffer{}, out: out}
	named := make(chan string, 1)
	cmd.Stderr = &lineWatcher{buf: w.stderr, on: func(line string) {
		if m := workerLine.FindStringSubmatch(line); m != nil {
			select {
			case named <- m[1]:
			default:
			}
		}
	}}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	select {
	case w.name = <-named:
	case <-time.After(time.Minute):
		t.Fatalf("the worker never joined the shared run; stderr:\n%s", w.stderr.String())
	}
	return w
}

// Three `cxr-auditor run` processes, each with its own fake GPU server,
// share one worklist through one store; one is killed (SIGKILL) while it
// holds items. The other two finish the worklist: every item has its
// result, the killed worker's items were taken over once their leases
// expired, no input was called twice except those the killed worker was
// calling when it died, no stage was stored twice, and each survivor's
// output holds every item in worklist order.
func TestRunSharedThreeWorkersOneKilled(t *testing.T) {
	t.Parallel() // it waits out a dead worker's leases: other tests run meanwhile
	forEachStore(t, func(t *testing.T, loc string) {
		dir := t.TempDir()
		const n = 30
		wl := runWorklist(t, dir, n)
		calls := &sharedCalls{calls: map[[32]byte]int{}, names: map[[32]byte]string{}}
		var workers []*sharedWorker
		for i := range 3 {
			srv := ollamatest.NewServer(
				ollamatest.Model{Name: runGroundModel, Capabilities: []string{"completion", "vision"}, Respond: calls.respond, Latency: 200 * time.Millisecond},
				ollamatest.Model{Name: runDraftModel, Capabilities: []string{"completion"}, Respond: calls.respond, Latency: 200 * time.Millisecond},
			)
			t.Cleanup(srv.Close)
			args := runArgs(srv, wl, "--db", loc, "--share", "on", "--lease", "2s")
			workers = append(workers, startWorker(t, args, filepath.Join(dir, fmt.Sprintf("out%d.jsonl", i))))
		}
		db := rawDB(t, loc)
		held := func(worker string) (done, running []string) {
			rows, err := db.Query(`SELECT item_id, state FROM run_claims WHERE worker = $1`, worker)
			require.NoError(t, err)
			defer rows.Close()
			for rows.Next() {
				var id, state string
				require.NoError(t, rows.Scan(&id, &state))
				if state == "done" {
					done = append(done, id)
				} else if state == "running" {
					running = append(running, id)
				}
			}
			return done, running
		}

		// Kill the second worker once it has finished an item and holds
		// others.
		victim := workers[1]
		var heldAtDeath []string
		require.Eventually(t, func() bool {
			done, running := held(victim.name)
			heldAtDeath = running
			return len(done) > 0 && len(running) > 0
		}, time.Minute, 5*time.Millisecond, "the second worker never held items; stderr:\n%s", victim.stderr.String())
		require.NoError(t, victim.cmd.Process.Signal(syscall.SIGKILL))
		_ = victim.cmd.Wait()
		// What it held when the signal landed (it may have claimed more
		// between the look and the kill).
		_, heldAtDeath = held(victim.name)
		require.NotEmpty(t, heldAtDeath)

		for _, w := range []*sharedWorker{workers[0], workers[2]} {
			require.Equal(t, 0, waitExit(t, w.cmd), "stderr:\n%s", w.stderr.String())
			t.Logf("%s:\n%s", w.name, w.stderr.String())
			assert.Contains(t, w.stderr.String(), "the team: 30 of 30 done, 0 failed")
		}

		assertSharedStore(t, loc, n)
		assertCalledOnceUnlessHeld(t, calls, heldAtDeath)
		assertTakenOver(t, loc, victim.name, heldAtDeath)
		// Each survivor wrote every item, in worklist order.
		for _, w := range []*sharedWorker{workers[0], workers[2]} {
			assertWorklistOrder(t, w.out, n)
		}
	})
}

// assertSharedStore requires every one of n items to have its result, the
// shared run to be done, and no stage stored twice.
func assertSharedStore(t *testing.T, loc string, n int) {
	t.Helper()
	db := rawDB(t, loc)
	var results, failed int
	require.NoError(t, db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE error <> '') FROM results`).Scan(&results, &failed))
	assert.Equal(t, n, results)
	assert.Zero(t, failed)
	var notDone int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM run_claims WHERE state <> 'done'`).Scan(&notDone))
	assert.Zero(t, notDone)
	var dupStages int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM (SELECT item_id, stage FROM stage_records
		GROUP BY item_id, stage HAVING count(*) > 1) d`).Scan(&dupStages))
	assert.Zero(t, dupStages)
}

// assertCalledOnceUnlessHeld requires each input to have been called once,
// but those of the items the killed worker held, which may have been
// called by it and then by the worker that took them over.
func assertCalledOnceUnlessHeld(t *testing.T, calls *sharedCalls, heldAtDeath []string) {
	t.Helper()
	heldCase := map[string]bool{}
	for _, id := range heldAtDeath {
		heldCase[strings.TrimPrefix(id, "case-")+"."] = true
	}
	calls.mu.Lock()
	defer calls.mu.Unlock()
	twice, total := 0, 0
	for key, c := range calls.calls {
		total += c
		if c > 1 {
			twice++
			if name := calls.names[key]; name != "" {
				assert.True(t, heldCase[name], "draft of case %s called %d times: it was not the killed worker's", name, c)
			}
			assert.Equal(t, 2, c)
		}
	}
	assert.LessOrEqual(t, twice, 2*len(heldAtDeath))
	t.Logf("%d inputs called %d times in all (%d twice); the killed worker held %d item(s) when it died",
		len(calls.calls), total, twice, len(heldAtDeath))
}

// assertTakenOver requires the event log to hold a takeover from the
// killed worker for every item it held.
func assertTakenOver(t *testing.T, loc, victim string, heldAtDeath []string) {
	t.Helper()
	rows, err := rawDB(t, loc).Query(`SELECT item_id, data FROM events WHERE kind = 'run_takeover'`)
	require.NoError(t, err)
	defer rows.Close()
	taken := map[string]bool{}
	for rows.Next() {
		var id, data string
		require.NoError(t, rows.Scan(&id, &data))
		var d struct{ From string }
		require.NoError(t, json.Unmarshal([]byte(data), &d))
		assert.Equal(t, victim, d.From)
		taken[id] = true
	}
	for _, id := range heldAtDeath {
		assert.True(t, taken[id], "%s, held by the killed worker, was taken over", id)
	}
}

// assertWorklistOrder requires the results file out to hold n lines,
// case-0 to case-(n-1) in order.
func assertWorklistOrder(t *testing.T, out string, n int) {
	t.Helper()
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	require.Len(t, lines, n)
	for i, l := range lines {
		var m struct{ ID string }
		require.NoError(t, json.Unmarshal([]byte(l), &m))
		assert.Equal(t, fmt.Sprintf("case-%d", i), m.ID)
	}
}
