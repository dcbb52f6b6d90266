package session

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/tui"
)

// openReading opens a session on a worklist of rows good rows (ids
// r0…) and then tail, read behind (ReadBackground).
func openReading(t *testing.T, rows int, tail string) *Session {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.png"), []byte("x"), 0o644))
	var b strings.Builder
	b.WriteString("id,image,draft\n")
	for i := range rows {
		fmt.Fprintf(&b, "r%d,a.png,Synthetic draft %d.\n", i, i)
	}
	b.WriteString(tail)
	wl := filepath.Join(dir, "wl.csv")
	require.NoError(t, os.WriteFile(wl, []byte(b.String()), 0o644))
	var out bytes.Buffer
	env := Env{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}
	s, err := Open(context.Background(), env, Config{Command: "review", Worklist: wl, DB: filepath.Join(dir, "t.cxr.db"), Read: ReadBackground})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// itemsRecorder is a tea.Model that keeps the ItemsMsg it is sent.
type itemsRecorder struct {
	mu   sync.Mutex
	msgs []tui.ItemsMsg
}

func (r *itemsRecorder) Init() tea.Cmd { return nil }
func (r *itemsRecorder) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if m, ok := msg.(tui.ItemsMsg); ok {
		r.mu.Lock()
		r.msgs = append(r.msgs, m)
		r.mu.Unlock()
	}
	return r, nil
}
func (r *itemsRecorder) View() tea.View { return tea.NewView("") }

// feedBench runs a program of rec for s and returns the bench that
// feeds it, and a stop that ends the program.
func feedBench(t *testing.T, s *Session, rec *itemsRecorder) (*bench, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &bench{s: s}
	w.prog = tea.NewProgram(rec, tea.WithContext(ctx), tea.WithInput(nil), tea.WithOutput(&bytes.Buffer{}), tea.WithWindowSize(80, 24))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = w.prog.Run()
	}()
	return w, func() { cancel(); <-done }
}

// TestWorkstationReadsBehind: a worklist larger than the first rows
// opens with them; feed hands the TUI the rest in order, with the bad
// rows found late (a duplicate of an early id, a missing image) in
// words, and records every item in the store in worklist order.
func TestWorkstationReadsBehind(t *testing.T) {
	s := openReading(t, 10_000, "r5,a.png,again\nlate,missing.png,x\nlast,a.png,x\n")
	require.NotNil(t, s.Loading)
	require.Len(t, s.List.Items, firstRows)
	rec := &itemsRecorder{}
	w, stop := feedBench(t, s, rec)
	defer stop()
	w.readOnOnce()()
	w.feed(context.Background())
	stop()

	require.NotEmpty(t, rec.msgs)
	last := rec.msgs[len(rec.msgs)-1]
	require.True(t, last.Done)
	require.NoError(t, last.Err)
	require.Len(t, last.Items, 10_001)
	for i := range 10_000 {
		require.Equal(t, fmt.Sprintf("r%d", i), last.Items[i].ID)
	}
	assert.Equal(t, "last", last.Items[10_000].ID)
	var words []string
	for _, m := range rec.msgs {
		words = append(words, m.Problems...)
	}
	require.Len(t, words, 2)
	assert.Contains(t, words[0], "wl.csv:10002: r5: duplicate id (first on line 7)")
	assert.Contains(t, words[1], "wl.csv:10003: late: image")

	recs, err := s.Store.Items(context.Background())
	require.NoError(t, err)
	require.Len(t, recs, 10_001)
	seqs := map[string]int{}
	for _, r := range recs {
		seqs[r.ID] = r.Seq
	}
	assert.Equal(t, 0, seqs["r0"])
	assert.Equal(t, 9_999, seqs["r9999"])
	assert.Equal(t, 10_000, seqs["last"])
}

// TestWorkstationQuitWhileReading: the workstation ending before the
// worklist is read stops the read: feed returns, and Close waits for
// the reader, which ends with the cancellation and reads no further.
func TestWorkstationQuitWhileReading(t *testing.T) {
	s := openReading(t, 200_000, "")
	require.NotNil(t, s.Loading)
	rec := &itemsRecorder{}
	w, stop := feedBench(t, s, rec)
	defer stop()
	w.readOnOnce()
	ctx, cancel := context.WithCancel(context.Background())
	fed := make(chan struct{})
	go func() {
		defer close(fed)
		w.feed(ctx)
	}()
	cancel() // the reviewer quits before the first frame said "read on"
	<-fed
	require.NoError(t, s.Close())
	p := s.Loading.Progress()
	require.True(t, p.Done)
	require.ErrorIs(t, p.Err, context.Canceled)
	assert.Less(t, len(p.Items), 200_000)
}
