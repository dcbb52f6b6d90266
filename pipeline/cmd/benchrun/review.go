package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
)

// reviewTarget is review's first-frame target at rows: 1M rows (or more)
// in 1 s and 300 MB; fewer in 0.3 s (and the same memory ceiling).
func reviewTarget(rows int) runTarget {
	if rows >= 1_000_000 {
		return runTarget{time.Second, 300}
	}
	return runTarget{300 * time.Millisecond, 300}
}

// reviewFrameTimeout bounds the wait for review's first frame.
const reviewFrameTimeout = 2 * time.Minute

// benchReview opens rows items in review, in a pseudo-terminal, each
// round on a new store, and prints the time from exec to the first
// complete frame and the peak RSS then, against the targets.
func benchReview(ctx context.Context, c config, out io.Writer) error {
	dir := filepath.Join(c.dir, fmt.Sprintf("review-%d", c.rows))
	wl, err := writeWorklist(dir, c.rows, false)
	if err != nil {
		return err
	}
	f, err := startFake(ctx, c.fake, 1, schedGround, schedDraft, 1)
	if err != nil {
		return err
	}
	defer func() { _, _ = f.stop() }()
	fmt.Fprintf(out, "review, first frame: %d rows, a pty of 120x40, --graphics text, a new store each round; median of %d; %s\n",
		c.rows, c.rounds, machine())
	var ms []measurement
	for r := range c.rounds {
		m, err := reviewRound(ctx, c, wl, filepath.Join(dir, fmt.Sprintf("round-%d", r)), f.urls[0])
		if err != nil {
			return fmt.Errorf("round %d: %w", r+1, err)
		}
		ms = append(ms, m)
		if c.rounds > 1 {
			fmt.Fprintf(out, "  round %d: first frame %.3fs, %.2fs CPU, %.0f MB; whole list read %s; load %s\n", r+1,
				m.wall.Seconds(), m.cpu.Seconds(), m.rssMB(), wholeText(m), loadAvg())
		}
	}
	m, t := medianMeasurement(ms), reviewTarget(c.rows)
	fmt.Fprintf(out, "%-7s %9s %9s %8s %8s %8s %8s\n", "", "frame", "target", "ratio", "CPU", "RSS", "ratio")
	fmt.Fprintf(out, "%-7s %8.3fs %8.1fs %7.3fx %7.2fs %5.0f MB %7.3fx\n", "review", m.wall.Seconds(), t.wall.Seconds(),
		m.wall.Seconds()/t.wall.Seconds(), m.cpu.Seconds(), m.rssMB(), m.rssMB()/t.rssMB)
	fmt.Fprintf(out, "the whole list read (behind the first frame): %s; RSS ratio %.3fx\n", wholeText(m), float64(m.wholeRSS)/1e6/t.rssMB)
	return nil
}

// wholeText says when the worklist was read whole and the peak RSS then
// (the build logs "rows read" when it is; older builds read it before
// their first frame, so then it is the first frame).
func wholeText(m measurement) string {
	return fmt.Sprintf("%.3fs, %.0f MB", m.whole.Seconds(), float64(m.wholeRSS)/1e6)
}

// reviewRound starts review on wl in a pty and measures its first frame
// (firstFrame).
func reviewRound(ctx context.Context, c config, wl, dir, url string) (measurement, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return measurement{}, fmt.Errorf("round folder: %w", err)
	}
	debug := ""
	if readsBehind(c.bin) {
		debug = filepath.Join(dir, "debug.log")
		_ = os.Remove(debug) // a log of an earlier round (-keep) says nothing of this one
	}
	cmd := exec.CommandContext(ctx, c.bin, "review", wl, "--db", filepath.Join(dir, "bench.cxr.db"),
		"--ollama", url, "--graphics", "text", "--annotator", "bench")
	if debug != "" {
		cmd.Args = append(cmd.Args, "--debug", debug)
	}
	return firstFrame(cmd, "case-0000000", debug)
}

// firstFrame starts cmd (review or demo) in a pty of 120x40 and returns
// the time from exec to its first complete frame (first, the first
// item's id, then the help line's last key), with its CPU time and peak
// RSS read from /proc at that moment. With debug (review's --debug log),
// it then waits for the log to say the worklist was read whole
// (wholeRead) and records that time and the peak RSS then. Then it ends
// cmd.
func firstFrame(cmd *exec.Cmd, first, debug string) (measurement, error) {
	name := cmd.Args[1]
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	start := time.Now()
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		return measurement{}, fmt.Errorf("start %s: %w", name, err)
	}
	defer tty.Close()
	frame := make(chan time.Duration, 1)
	screen := &frameWatch{first: []byte(first), last: []byte(" quit"), start: start, done: frame, term: tty}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		_, _ = io.Copy(screen, tty)
	}()
	var m measurement
	timer := time.NewTimer(reviewFrameTimeout)
	defer timer.Stop()
	select {
	case m.wall = <-frame:
		m.cpu, m.maxRSS = procFigures(cmd.Process.Pid)
		m.whole, m.wholeRSS = m.wall, m.maxRSS
		if debug != "" {
			m.whole, m.wholeRSS = wholeRead(cmd.Process.Pid, debug, start)
		}
	case <-copied:
		_ = cmd.Wait()
		return m, fmt.Errorf("%s ended before its first frame:\n%s", name, lastLines(screen.text(), 5))
	case <-timer.C:
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return m, fmt.Errorf("no first frame in %v:\n%s", reviewFrameTimeout, lastLines(screen.text(), 5))
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	_ = cmd.Wait()
	<-copied
	return m, nil
}

// wholeRead waits (up to reviewFrameTimeout) for review's debug log to
// say the worklist was read whole and returns the time since start and
// the peak RSS then; 0 when it did not say so in time.
func wholeRead(pid int, debug string, start time.Time) (time.Duration, int64) {
	deadline := time.Now().Add(reviewFrameTimeout)
	for time.Now().Before(deadline) {
		if b, _ := os.ReadFile(debug); bytes.Contains(b, []byte("rows read")) {
			at := time.Since(start)
			_, hwm := procFigures(pid)
			return at, hwm
		}
		time.Sleep(5 * time.Millisecond)
	}
	return 0, 0
}

// readsBehind reports whether the review binary reads the worklist
// behind its first frame (and logs when it is read whole): older builds
// read it before, so their first frame's figures are the whole list's.
func readsBehind(bin string) bool {
	b, err := os.ReadFile(bin)
	return err == nil && bytes.Contains(b, []byte("reading the rest after the first"))
}

// benchDemo opens the demo (testdata/demo, run from the repository
// root) in a pty on a new store each round and prints its first frame.
// There is no target: the figure is for comparing builds.
func benchDemo(ctx context.Context, c config, out io.Writer) error {
	fmt.Fprintf(out, "demo, first frame: a pty of 120x40, --graphics text, a new store each round; median of %d; %s\n",
		c.rounds, machine())
	var ms []measurement
	for r := range c.rounds {
		cmd := exec.CommandContext(ctx, c.bin, "demo", "--db", filepath.Join(c.dir, fmt.Sprintf("demo-%d.cxr.db", r)),
			"--graphics", "text", "--annotator", "bench")
		m, err := firstFrame(cmd, "demo-01", "")
		if err != nil {
			return fmt.Errorf("round %d: %w", r+1, err)
		}
		ms = append(ms, m)
		fmt.Fprintf(out, "  round %d: first frame %.3fs, %.2fs CPU, %.0f MB; load %s\n", r+1,
			m.wall.Seconds(), m.cpu.Seconds(), m.rssMB(), loadAvg())
	}
	m := medianMeasurement(ms)
	fmt.Fprintf(out, "demo    %8.3fs %7.2fs CPU %5.0f MB\n", m.wall.Seconds(), m.cpu.Seconds(), m.rssMB())
	return nil
}

// frameWatch collects a pty's output and sends the time since start on
// done once the output holds first and, after it, last. With term, it
// answers each primary device-attributes query (DA1) as a plain VT100
// would, as every real terminal does: the workstation's probe ends on
// that answer, and without one it would wait out its whole timeout. It
// answers nothing else (no colours, no sixel), so the figures are those
// of a terminal that reports the least.
type frameWatch struct {
	mu          sync.Mutex
	buf         []byte
	first, last []byte
	start       time.Time
	done        chan time.Duration
	sent        bool
	term        io.Writer
	asked       int // DA1 queries answered so far
}

// da1Query is the primary device-attributes query; da1Reply a VT100's
// answer (with the advanced video option, no sixel).
var da1Query, da1Reply = []byte("\x1b[c"), []byte("\x1b[?1;2c")

func (w *frameWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if w.term != nil {
		// Only the new bytes, with room for a query split across writes.
		tail := w.buf[max(0, len(w.buf)-len(p)-len(da1Query)+1):]
		for range bytes.Count(tail, da1Query) {
			_, _ = w.term.Write(da1Reply)
			w.asked++
		}
	}
	if !w.sent {
		if i := bytes.Index(w.buf, w.first); i >= 0 && bytes.Contains(w.buf[i:], w.last) {
			w.sent = true
			w.done <- time.Since(w.start)
		}
	}
	return len(p), nil
}

func (w *frameWatch) text() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.buf)
}

// procFigures reads a running process's CPU time (user + system, from
// /proc/PID/stat) and peak RSS (VmHWM); zero where unreadable.
func procFigures(pid int) (cpu time.Duration, hwm int64) {
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		// Fields after the command name, which is in parentheses.
		if i := bytes.LastIndexByte(b, ')'); i >= 0 {
			f := strings.Fields(string(b[i+1:]))
			if len(f) > 12 {
				u, _ := strconv.ParseInt(f[11], 10, 64)
				s, _ := strconv.ParseInt(f[12], 10, 64)
				cpu = time.Duration(u+s) * time.Second / 100 // USER_HZ
			}
		}
	}
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
				kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				if err == nil {
					hwm = kb * 1024
				}
			}
		}
	}
	return cpu, hwm
}
