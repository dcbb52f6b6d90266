// Command evalbench measures the built cxr-auditor's eval as a whole
// process (reading the truth and the predictions, scoring, 2,000 bootstrap
// resamples, writing the JSON) on synthetic sets, and prints each figure
// as a ratio against its target with the load average (docs/performance.md).
// It is a development tool, run by `make bench-compare`; it is not part of
// cxr-auditor's command line.
//
// Usage:
//
//	evalbench -bin bin/cxr-auditor [-rows 100000,1000000] [-rounds 1] [-dir DIR] [-keep]
//
// For each number of rows it writes a truth file and a predictions file
// (about a third of the items with a boxed finding, most found, some
// missed, some extra, boxes moved a little), then runs
// `eval --truth T --pred P --json` with GOMAXPROCS=1, so the figure is
// one core's. Targets: 5 s at 100k rows, 60 s at 1M (and 60 s/M beyond).
// With -rounds N the figure is the median of N runs. Everything is
// synthetic; cxr-auditor is for research and education only, not a
// medical device.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
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
			fmt.Fprintln(os.Stderr, "evalbench:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("evalbench", flag.ContinueOnError)
	bin := fs.String("bin", "bin/cxr-auditor", "the cxr-auditor binary")
	rowsFlag := fs.String("rows", "100000,1000000", "comma-separated numbers of rows")
	rounds := fs.Int("rounds", 1, "runs per figure (the median is printed)")
	dir := fs.String("dir", "", "folder for the synthetic files (default: a temporary one)")
	keep := fs.Bool("keep", false, "keep the synthetic files")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var rows []int
	for _, f := range strings.Split(*rowsFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return fmt.Errorf("-rows: %q is not a positive number", f)
		}
		rows = append(rows, n)
	}
	binPath, err := filepath.Abs(*bin)
	if err != nil {
		return err
	}
	if *dir == "" {
		if *dir, err = os.MkdirTemp("", "evalbench-"); err != nil {
			return err
		}
	}
	if !*keep {
		defer os.RemoveAll(*dir)
	}
	fmt.Fprintf(out, "eval, whole process, 2000 resamples, one core (GOMAXPROCS=1); load %s\n", loadAvg())
	fmt.Fprintf(out, "%9s %9s %9s %7s %9s %8s\n", "rows", "wall", "target", "ratio", "CPU", "RSS")
	for _, n := range rows {
		truth, pred, err := writeSet(*dir, n)
		if err != nil {
			return err
		}
		var walls, cpus []time.Duration
		var rss []int64
		for range max(1, *rounds) {
			m, err := measure(ctx, binPath, "eval", "--truth", truth, "--pred", pred, "--json", "--resamples", "2000")
			if err != nil {
				return err
			}
			walls, cpus, rss = append(walls, m.wall), append(cpus, m.cpu), append(rss, m.maxRSS)
		}
		target := 5 * time.Second
		if n > 100_000 {
			target = time.Duration(float64(n) / 1e6 * float64(60*time.Second))
		}
		wall := median(walls)
		fmt.Fprintf(out, "%9d %8.2fs %8.0fs %7.2f %8.2fs %6.0fMB\n", n, wall.Seconds(), target.Seconds(),
			wall.Seconds()/target.Seconds(), median(cpus).Seconds(), float64(slices.Max(rss))/1e6)
	}
	fmt.Fprintf(out, "load after: %s\n", loadAvg())
	return nil
}

// writeSet writes n synthetic truth and prediction lines.
func writeSet(dir string, n int) (truth, pred string, err error) {
	truth, pred = filepath.Join(dir, fmt.Sprintf("truth-%d.jsonl", n)), filepath.Join(dir, fmt.Sprintf("pred-%d.jsonl", n))
	tf, err := os.Create(truth)
	if err != nil {
		return "", "", err
	}
	defer tf.Close()
	pf, err := os.Create(pred)
	if err != nil {
		return "", "", err
	}
	defer pf.Close()
	tw, pw := bufio.NewWriterSize(tf, 1<<20), bufio.NewWriterSize(pf, 1<<20)
	r := rand.New(rand.NewPCG(7, uint64(n)))
	labels := []string{"pleural_effusion", "pneumothorax", "lung_opacity_consolidation", "nodule_mass", "cardiomegaly"}
	box := func(y, x, h, w float64) string {
		return fmt.Sprintf("[%.4f,%.4f,%.4f,%.4f]", y, x, min(1, y+h), min(1, x+w))
	}
	for i := range n {
		var t, p []string
		if r.IntN(3) == 0 {
			l := labels[r.IntN(len(labels))]
			y, x, h, w := 0.1+0.5*r.Float64(), 0.1+0.5*r.Float64(), 0.1+0.2*r.Float64(), 0.1+0.2*r.Float64()
			t = append(t, fmt.Sprintf(`{"label":%q,"box_2d":%s}`, l, box(y, x, h, w)))
			if r.IntN(5) > 0 {
				d := func() float64 { return (r.Float64() - 0.5) * 0.08 }
				p = append(p, fmt.Sprintf(`{"label":%q,"box_2d":%s}`, l, box(y+d(), x+d(), h, w)))
			}
		}
		if r.IntN(10) == 0 {
			p = append(p, fmt.Sprintf(`{"label":%q}`, labels[r.IntN(len(labels))]))
		}
		fmt.Fprintf(tw, "{\"id\":\"bench-%07d\",\"findings\":[%s]}\n", i, strings.Join(t, ","))
		if r.IntN(100) == 0 {
			fmt.Fprintf(pw, "{\"id\":\"bench-%07d\",\"error\":\"no JSON in model output\"}\n", i)
		} else {
			fmt.Fprintf(pw, "{\"id\":\"bench-%07d\",\"findings\":[%s]}\n", i, strings.Join(p, ","))
		}
	}
	if err := tw.Flush(); err != nil {
		return "", "", err
	}
	return truth, pred, pw.Flush()
}

// measurement is one process's wall time, CPU time and peak resident set.
type measurement struct {
	wall, cpu time.Duration
	maxRSS    int64 // bytes
}

// measure runs bin with args and GOMAXPROCS=1 to completion (stdout
// discarded); a non-zero exit is an error quoting its stderr.
func measure(ctx context.Context, bin string, args ...string) (measurement, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	m := measurement{wall: time.Since(start)}
	if err != nil {
		return m, fmt.Errorf("%s %s: %w\n%s", filepath.Base(bin), args[0], err, stderr.String())
	}
	st := cmd.ProcessState
	m.cpu = st.UserTime() + st.SystemTime()
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		m.maxRSS = ru.Maxrss * 1024 // kilobytes on Linux
	}
	return m, nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
