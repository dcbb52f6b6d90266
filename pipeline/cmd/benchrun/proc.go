package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cxr-auditor/cxr-auditor/radiograph/phantom"
)

// writeWorklist writes a CSV worklist of n items in dir and returns its
// path: each item its own phantom (distinct) or all one phantom, every
// draft its own.
func writeWorklist(dir string, n int, distinct bool) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("worklist folder: %w", err)
	}
	images := 1
	if distinct {
		images = n
	}
	for i := range images {
		im := phantom.Render(phantom.Spec{Variant: phantom.Normal, Width: schedImageSide, Height: schedImageSide, Seed: uint64(i + 1)})
		path := filepath.Join(dir, fmt.Sprintf("img%d.png", i))
		f, err := os.Create(path)
		if err != nil {
			return "", fmt.Errorf("phantom: %w", err)
		}
		err = png.Encode(f, im.Gray8())
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return "", fmt.Errorf("phantom %s: %w", path, err)
		}
	}
	path := filepath.Join(dir, "worklist.csv")
	f, err := os.Create(path)
	if err != nil {
		return "", fmt.Errorf("worklist: %w", err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "id,image,draft")
	for i := range n {
		fmt.Fprintf(w, "case-%07d,img%d.png,Case %d. No pleural effusion. No pneumothorax.\n", i, i%images, i)
	}
	err = w.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("worklist %s: %w", path, err)
	}
	return path, nil
}

// fake is a running fakeollama process; stop ends it.
type fake struct {
	cmd    *exec.Cmd
	urls   []string
	exited chan error // cmd.Wait's result, once
	stderr *tail
}

// startFakeTimeout bounds the wait for fakeollama's URLs.
const startFakeTimeout = 30 * time.Second

// startFake starts fakeollama with n hosts at the given latencies and
// capacity (0: its default) and returns once it has printed their n URLs.
// The goroutine waiting for the process is owned by the fake: stop (or a
// failed start) receives its result.
func startFake(ctx context.Context, bin string, n int, ground, draft time.Duration, capacity int) (*fake, error) {
	args := []string{"-hosts", strconv.Itoa(n), "-grounding-latency", ground.String(), "-draft-latency", draft.String()}
	if capacity > 0 {
		args = append(args, "-capacity", strconv.Itoa(capacity))
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	urls := newLineWriter(n)
	f := &fake{cmd: cmd, exited: make(chan error, 1), stderr: &tail{}}
	cmd.Stdout, cmd.Stderr = urls, f.stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start fakeollama: %w", err)
	}
	go func() { f.exited <- cmd.Wait() }()
	timer := time.NewTimer(startFakeTimeout)
	defer timer.Stop()
	select {
	case <-urls.ready:
		f.urls = urls.lines()
		return f, nil
	case err := <-f.exited:
		return nil, fmt.Errorf("fakeollama exited before printing its URLs (%v):\n%s", err, f.stderr)
	case <-timer.C:
		_ = cmd.Process.Kill()
		<-f.exited
		return nil, fmt.Errorf("fakeollama printed no URL in %v:\n%s", startFakeTimeout, f.stderr)
	}
}

// stop interrupts the fake, waits for it to end and returns its CPU time
// (user and system).
func (f *fake) stop() (time.Duration, error) {
	if err := f.cmd.Process.Signal(os.Interrupt); err != nil && !errors.Is(err, os.ErrProcessDone) {
		_ = f.cmd.Process.Kill()
	}
	err := <-f.exited
	st := f.cmd.ProcessState
	if st == nil {
		return 0, fmt.Errorf("fakeollama: %w", err)
	}
	cpu := st.UserTime() + st.SystemTime()
	// fakeollama exits 0 when interrupted; anything else is a failure.
	if err != nil {
		return cpu, fmt.Errorf("fakeollama: %w\n%s", err, f.stderr)
	}
	return cpu, nil
}

// lineWriter collects the first n lines written to it and closes ready
// once it has them; later output is discarded.
type lineWriter struct {
	mu    sync.Mutex
	n     int
	buf   []byte
	got   []string
	ready chan struct{}
}

func newLineWriter(n int) *lineWriter { return &lineWriter{n: n, ready: make(chan struct{})} }

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.got) >= w.n {
		return len(p), nil
	}
	w.buf = append(w.buf, p...)
	for len(w.got) < w.n {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.got = append(w.got, strings.TrimSpace(string(w.buf[:i])))
		w.buf = w.buf[i+1:]
		if len(w.got) == w.n {
			close(w.ready)
		}
	}
	return len(p), nil
}

// lines returns the lines collected.
func (w *lineWriter) lines() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.got...)
}

// tail keeps the last tailBytes written to it, for error messages.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

const tailBytes = 8 << 10

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*tailBytes {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailBytes:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return lastLines(string(t.buf), 10)
}

// measurement is one process's wall time, CPU time (user + system), peak
// resident set and stderr.
type measurement struct {
	wall, cpu time.Duration
	maxRSS    int64 // bytes
	stderr    string
	// whole and wholeRSS (review): the time from exec until the worklist
	// was read whole, and the peak RSS then; 0 when not measured.
	whole    time.Duration
	wholeRSS int64
}

// rssMB is the peak resident set in megabytes (10^6 bytes).
func (m measurement) rssMB() float64 { return float64(m.maxRSS) / 1e6 }

// measure runs bin with args to completion (stdout discarded); a non-zero
// exit is an error that quotes the end of its stderr.
func measure(ctx context.Context, bin string, args ...string) (measurement, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = nil, &stderr
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	m := measurement{wall: time.Since(start), stderr: stderr.String()}
	if err != nil {
		return m, fmt.Errorf("%s %s: %w\n%s", filepath.Base(bin), args[0], err, lastLines(m.stderr, 10))
	}
	st := cmd.ProcessState
	m.cpu = st.UserTime() + st.SystemTime()
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		m.maxRSS = ru.Maxrss * 1024 // kilobytes on Linux
	}
	return m, nil
}

var wallRE = regexp.MustCompile(`items: .*; wall ([0-9.a-zµ]+)`)

// summaryWall reads the wall time from run's summary line.
func summaryWall(stderr string) (time.Duration, error) {
	m := wallRE.FindStringSubmatch(stderr)
	if m == nil {
		return 0, fmt.Errorf("no summary line in run's output:\n%s", lastLines(stderr, 5))
	}
	d, err := time.ParseDuration(m[1])
	if err != nil {
		return 0, fmt.Errorf("run's summary line: wall %q: %w", m[1], err)
	}
	return d, nil
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
