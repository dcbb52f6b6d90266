// Command benchrun measures the built cxr-auditor against the command-line
// fake Ollama (fakeollama), as whole processes, and prints each figure as a
// ratio against its target or bound (docs/performance.md). It is a
// development tool, run by `make bench-compare`; it is not part of
// cxr-auditor's command line.
//
// Usage:
//
//	benchrun -bin bin/cxr-auditor -fake bin/fakeollama -mode sched [-hosts 1,2] [-rounds 3]
//	benchrun -bin bin/cxr-auditor -fake bin/fakeollama -mode run [-rows 100000] [-jobs 0] [-rounds 1]
//	benchrun -bin bin/cxr-auditor -fake bin/fakeollama -mode review [-rows 1000000] [-rounds 3]
//	benchrun -bin bin/cxr-auditor -mode demo [-rounds 5]   (from the repository root)
//
// Modes:
//
//   - sched: 64 items (distinct synthetic 256x256 phantoms), grounding
//     400 ms and draft 200 ms, capacity 1, on each number of hosts given.
//     The bound is the grounding slots' busy time, 64 x 400 ms / hosts: no
//     schedule finishes sooner. The ratio is run's own wall time (its
//     summary line, after the model checks) over the bound.
//   - run: ROWS items sharing one 256x256 image, each with its own draft,
//     instant replies, run's default flags against the fake at its default
//     capacity (-jobs N: --jobs N against a fake serving N at once); then
//     export (jsonl) of the store. Wall time, CPU
//     time and peak RSS of each process, against the targets: run at 100k
//     rows in 60 s and 150 MB, at more rows in 10 min and 300 MB; export at
//     50,000 rows/s and 100 MB.
//   - review: review opened on ROWS items (one image, a new store each
//     round) in a pseudo-terminal of 120x40, --graphics text: the time
//     from exec to the first complete frame (the first item's id, then the
//     help line) and the process's CPU time and peak RSS (VmHWM) then,
//     against the targets: 1M rows in 1 s, fewer in 0.3 s, 300 MB.
//   - demo: the same first frame for `demo` (testdata/demo), no target.
//
// Every ratio is the figure over its target (or bound): 1 or less meets it.
// With -rounds N each figure is the median of N runs, each on a new store
// (the machine may be shared: the load is printed).
//
// The store and worklist go to a temporary folder on disk (-dir to choose,
// -keep to keep it): commits are durable, so the disk is part of the
// figure. Ctrl-C stops the processes started and removes the folder.
// Everything is synthetic; cxr-auditor is for research and education only,
// not a medical device.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "benchrun:", err)
		}
		os.Exit(1)
	}
}

// config is what the flags say.
type config struct {
	bin, fake, mode, dir string
	hosts                []int
	rows, jobs, rounds   int
	keep                 bool
}

// parseFlags reads args into a config; the binaries' paths are made
// absolute and must exist.
func parseFlags(args []string) (config, error) {
	var c config
	var hosts string
	fs := flag.NewFlagSet("benchrun", flag.ContinueOnError)
	fs.StringVar(&c.bin, "bin", "bin/cxr-auditor", "the cxr-auditor binary")
	fs.StringVar(&c.fake, "fake", "bin/fakeollama", "the fakeollama binary")
	fs.StringVar(&c.mode, "mode", "sched", "sched (the scheduler against its bound), run (run and export at -rows) review (review's first frame at -rows) or demo (the demo's first frame)")
	fs.StringVar(&hosts, "hosts", "1,2", "sched: numbers of hosts, comma-separated")
	fs.IntVar(&c.rows, "rows", 100_000, "run: worklist rows")
	fs.IntVar(&c.jobs, "jobs", 0, "run: --jobs N against a fake serving N at once; 0: run's default flags against the fake at its default capacity")
	fs.IntVar(&c.rounds, "rounds", 1, "runs of each case; figures are their medians")
	fs.StringVar(&c.dir, "dir", "", "work folder (default: a new temporary folder, removed at the end)")
	fs.BoolVar(&c.keep, "keep", false, "keep the work folder")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if !slices.Contains([]string{"sched", "run", "review", "demo"}, c.mode) {
		return c, fmt.Errorf("-mode %q: want sched, run, review or demo", c.mode)
	}
	for _, h := range strings.Split(hosts, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(h))
		if err != nil || n < 1 {
			return c, fmt.Errorf("-hosts %q: want numbers of 1 or more, comma-separated", hosts)
		}
		c.hosts = append(c.hosts, n)
	}
	if c.rows < 1 || c.jobs < 0 || c.rounds < 1 {
		return c, errors.New("-rows and -rounds must be 1 or more, -jobs 0 or more")
	}
	for _, p := range []*string{&c.bin, &c.fake} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			return c, fmt.Errorf("binary %q: %w", *p, err)
		}
		if _, err := os.Stat(abs); err != nil {
			return c, fmt.Errorf("%w (make build, and go build -o bin/fakeollama ./ollama/ollamatest/cmd/fakeollama)", err)
		}
		*p = abs
	}
	return c, nil
}

// run parses args and runs the benchmark they ask for, writing its table
// to out.
func run(ctx context.Context, args []string, out io.Writer) (err error) {
	c, err := parseFlags(args)
	if err != nil {
		return err
	}
	if c.dir == "" {
		d, err := os.MkdirTemp("", "benchrun-")
		if err != nil {
			return fmt.Errorf("work folder: %w", err)
		}
		c.dir = d
		if !c.keep {
			defer func() {
				if rerr := os.RemoveAll(d); rerr != nil && err == nil {
					err = fmt.Errorf("remove work folder: %w", rerr)
				}
			}()
		}
	}
	switch c.mode {
	case "sched":
		return benchSched(ctx, c, out)
	case "review":
		return benchReview(ctx, c, out)
	case "demo":
		return benchDemo(ctx, c, out)
	}
	return benchRun(ctx, c, out)
}

// The scheduler benchmark's shape (docs/performance.md, "Scheduler at the
// bound").
const (
	schedItems     = 64
	schedGround    = 400 * time.Millisecond
	schedDraft     = 200 * time.Millisecond
	schedImageSide = 256
)

// benchSched runs 64 items at 400/200 ms on each number of hosts and
// prints run's wall time against the bound.
func benchSched(ctx context.Context, c config, out io.Writer) error {
	fmt.Fprintf(out, "scheduler: %d items, grounding %v, draft %v, capacity 1; median of %d; %s\n",
		schedItems, schedGround, schedDraft, c.rounds, machine())
	fmt.Fprintf(out, "%-6s %9s %10s %8s %13s %8s %8s\n", "hosts", "bound", "run wall", "ratio", "process wall", "CPU", "RSS")
	for _, n := range c.hosts {
		dir := filepath.Join(c.dir, fmt.Sprintf("sched-%d", n))
		wl, err := writeWorklist(dir, schedItems, true)
		if err != nil {
			return err
		}
		var walls []time.Duration
		var ms []measurement
		for r := range c.rounds {
			wall, m, err := schedRound(ctx, c, wl, filepath.Join(dir, fmt.Sprintf("round-%d", r)), n)
			if err != nil {
				return fmt.Errorf("%d hosts, round %d: %w", n, r+1, err)
			}
			walls, ms = append(walls, wall), append(ms, m)
			if c.rounds > 1 {
				fmt.Fprintf(out, "  %d hosts, round %d: run wall %.2fs (%.3fx); load %s\n", n, r+1, wall.Seconds(),
					wall.Seconds()/(time.Duration(schedItems)*schedGround/time.Duration(n)).Seconds(), loadAvg())
			}
		}
		wall, m := median(walls), medianMeasurement(ms)
		bound := time.Duration(schedItems) * schedGround / time.Duration(n)
		fmt.Fprintf(out, "%-6d %8.1fs %9.2fs %7.3fx %12.2fs %7.2fs %5.0f MB\n", n, bound.Seconds(), wall.Seconds(),
			wall.Seconds()/bound.Seconds(), m.wall.Seconds(), m.cpu.Seconds(), m.rssMB())
	}
	return nil
}

// schedRound is one run of the scheduler benchmark on n hosts, with its
// store in dir: run's own wall time and the process's figures.
func schedRound(ctx context.Context, c config, wl, dir string, n int) (time.Duration, measurement, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, measurement{}, fmt.Errorf("round folder: %w", err)
	}
	f, err := startFake(ctx, c.fake, n, schedGround, schedDraft, 1)
	if err != nil {
		return 0, measurement{}, err
	}
	// --jobs 1: the bound is that of one call at a time per model.
	args := []string{"run", wl, "--db", filepath.Join(dir, "bench.cxr.db"), "--out", filepath.Join(dir, "results.jsonl"), "--jobs", "1"}
	for _, u := range f.urls {
		args = append(args, "--ollama", u)
	}
	m, err := measure(ctx, c.bin, args...)
	if _, serr := f.stop(); err == nil && serr != nil {
		err = serr
	}
	if err != nil {
		return 0, m, err
	}
	wall, err := summaryWall(m.stderr)
	return wall, m, err
}

// runTarget is a target of run with instant replies (docs/performance.md,
// "run and export at scale").
type runTarget struct {
	wall  time.Duration
	rssMB float64
}

// targetFor returns run's target at rows: 100k rows (or fewer) in 60 s and
// 150 MB; more, up to 1M, in 10 min and 300 MB.
func targetFor(rows int) runTarget {
	if rows > 100_000 {
		return runTarget{10 * time.Minute, 300}
	}
	return runTarget{60 * time.Second, 150}
}

// Export's targets: rows a second and peak RSS.
const (
	exportRowsPerSec = 50_000
	exportRSSMB      = 100
)

// benchRun runs then exports rows items on a fresh store each round and
// prints the figures against their targets.
func benchRun(ctx context.Context, c config, out io.Writer) error {
	dir := filepath.Join(c.dir, fmt.Sprintf("run-%d", c.rows))
	wl, err := writeWorklist(dir, c.rows, false)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "run and export: %d rows, one %dx%d image, instant replies, %s; median of %d; %s\n",
		c.rows, schedImageSide, schedImageSide, jobsText(c.jobs), c.rounds, machine())
	var runs, exports []measurement
	var fakeCPU []time.Duration
	for r := range c.rounds {
		rm, fc, em, err := runRound(ctx, c, wl, filepath.Join(dir, fmt.Sprintf("round-%d", r)))
		if err != nil {
			return fmt.Errorf("round %d: %w", r+1, err)
		}
		runs, exports, fakeCPU = append(runs, rm), append(exports, em), append(fakeCPU, fc)
		for _, l := range jobsChoices(rm.stderr) {
			fmt.Fprintf(out, "  round %d: %s\n", r+1, l)
		}
		if c.rounds > 1 {
			fmt.Fprintf(out, "  round %d: run %.1fs, %.1fs CPU, %.0f MB; export %.1fs, %.0f MB; load %s\n", r+1,
				rm.wall.Seconds(), rm.cpu.Seconds(), rm.rssMB(), em.wall.Seconds(), em.rssMB(), loadAvg())
		}
	}
	m, e := medianMeasurement(runs), medianMeasurement(exports)
	t := targetFor(c.rows)
	exportTarget := time.Duration(float64(c.rows) / exportRowsPerSec * float64(time.Second))
	fmt.Fprintf(out, "%-7s %9s %9s %8s %8s %8s %8s\n", "", "wall", "target", "ratio", "CPU", "RSS", "ratio")
	fmt.Fprintf(out, "%-7s %8.1fs %8.1fs %7.3fx %7.1fs %5.0f MB %7.3fx\n", "run", m.wall.Seconds(), t.wall.Seconds(),
		m.wall.Seconds()/t.wall.Seconds(), m.cpu.Seconds(), m.rssMB(), m.rssMB()/t.rssMB)
	fmt.Fprintf(out, "%-7s %8.1fs %8.1fs %7.3fx %7.1fs %5.0f MB %7.3fx   (%.0f rows/s against %d)\n", "export",
		e.wall.Seconds(), exportTarget.Seconds(), e.wall.Seconds()/exportTarget.Seconds(), e.cpu.Seconds(), e.rssMB(),
		e.rssMB()/exportRSSMB, float64(c.rows)/e.wall.Seconds(), exportRowsPerSec)
	fmt.Fprintf(out, "%-7s %36.1fs   (the fake's CPU during run)\n", "fake", median(fakeCPU).Seconds())
	return nil
}

// runRound is one run and export of the worklist wl on a new store in
// dir: run's figures, the fake's CPU time during it, export's figures.
func runRound(ctx context.Context, c config, wl, dir string) (run measurement, fakeCPU time.Duration, export measurement, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return run, 0, export, fmt.Errorf("round folder: %w", err)
	}
	f, err := startFake(ctx, c.fake, 1, 0, 0, c.jobs)
	if err != nil {
		return run, 0, export, err
	}
	db := filepath.Join(dir, "bench.cxr.db")
	args := []string{"run", wl, "--db", db, "--ollama", f.urls[0], "--out", filepath.Join(dir, "results.jsonl")}
	if c.jobs > 0 {
		args = append(args, "--jobs", strconv.Itoa(c.jobs))
	}
	run, err = measure(ctx, c.bin, args...)
	fakeCPU, serr := f.stop()
	if err == nil {
		err = serr
	}
	if err != nil {
		return run, 0, export, err
	}
	if want := fmt.Sprintf("%d of %d items: %d done, 0 failed", c.rows, c.rows, c.rows); !strings.Contains(run.stderr, want) {
		return run, 0, export, fmt.Errorf("run did not finish every item:\n%s", lastLines(run.stderr, 5))
	}
	export, err = measure(ctx, c.bin, "export", "--db", db, "--format", "jsonl", "--out", filepath.Join(dir, "export.jsonl"))
	return run, fakeCPU, export, err
}

// jobsChoices returns the lines in which run says what --jobs auto
// chose, without run's prefix.
func jobsChoices(stderr string) []string {
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		if rest, ok := strings.CutPrefix(l, "cxr-auditor run: --jobs auto: "); ok {
			out = append(out, "--jobs auto chose, "+rest)
		}
	}
	return out
}

// jobsText says how run's calls in flight were set.
func jobsText(jobs int) string {
	if jobs == 0 {
		return "run's default flags (--jobs auto), the fake at its default capacity"
	}
	return fmt.Sprintf("--jobs %d, the fake serving %d at once", jobs, jobs)
}

// median returns the median of ds (the lower middle of an even count).
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

// medianMeasurement returns each figure's median over ms (each on its
// own: the fastest run need not be the leanest).
func medianMeasurement(ms []measurement) measurement {
	var walls, cpus, rss, wholes, wholeRSS []time.Duration
	for _, m := range ms {
		walls, cpus, rss = append(walls, m.wall), append(cpus, m.cpu), append(rss, time.Duration(m.maxRSS))
		wholes, wholeRSS = append(wholes, m.whole), append(wholeRSS, time.Duration(m.wholeRSS))
	}
	return measurement{wall: median(walls), cpu: median(cpus), maxRSS: int64(median(rss)),
		whole: median(wholes), wholeRSS: int64(median(wholeRSS))}
}

// machine describes where the figures come from: CPUs, load and date.
func machine() string {
	return fmt.Sprintf("%d CPUs, load %s, %s", runtime.NumCPU(), loadAvg(), time.Now().UTC().Format("2006-01-02"))
}

// loadAvg is the one-minute load average, or "?" where it is not known:
// the machine may be shared, and the load says how far to trust a wall time.
func loadAvg() string {
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 0 {
			return f[0]
		}
	}
	return "?"
}
