package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/pipeline"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/store"
)

const runDescription = `Run both model stages (grounding in the image, parsing of the draft) over
every item of WORKLIST, compare them, store everything and write one JSON
line per item. Results are cached in the store by provenance (image and
draft hashes, model digests, prompts, options): running again resumes where
a run stopped or failed, and recomputes only what changed.

WORKLIST is a CSV file (header: id,image,draft; optional draft_file,
truth), a JSONL file ({"id","image","draft"|"draft_file","truth"}) or a
directory of images (.png .jpg .jpeg .dcm) with <stem>.txt drafts beside
them. Bad rows are reported on stderr with file:line and skipped.

Each output line (JSONL, to --out or stdout) is
  {"id", "image", "findings", "draft_labels", "disagreements", "urgent",
   "provenance": {"grounding": {...}, "draft": {...}},
   "timings": {"grounding_ms", "draft_ms", "wall_ms"},
   "salvaged", "cached", "error"}
findings is null when the grounding failed; error names the failed stage.
'cxr-auditor eval --pred' reads it as predictions (id, findings, error).

Progress goes to stderr: a bar on a terminal, plain lines otherwise. Ctrl-C
stops cleanly, keeping every finished item. Exit status: 0 when every item
succeeded, 2 when an item or a worklist row failed, 130 when interrupted,
1 on any other error.`

const runExample = `
cxr-auditor run cases.csv --ollama http://gpu1:11434 --ollama http://gpu2:11434 --out results.jsonl`

// runOutput is one line of `run` output.
type runOutput struct {
	ID            string                 `json:"id"`
	Image         string                 `json:"image"`
	Findings      []schema.Finding       `json:"findings"` // null when the grounding failed
	DraftLabels   []schema.DraftLabel    `json:"draft_labels"`
	Disagreements []compare.Disagreement `json:"disagreements"`
	Urgent        bool                   `json:"urgent"`
	Provenance    runProvenance          `json:"provenance"`
	Timings       runTimings             `json:"timings"`
	Salvaged      bool                   `json:"salvaged"`
	Cached        bool                   `json:"cached"`
	Error         string                 `json:"error,omitempty"`
}

type runProvenance struct {
	Grounding *stageProvenance `json:"grounding"`
	Draft     *stageProvenance `json:"draft"`
}

// stageProvenance is what one stage's output rests on.
type stageProvenance struct {
	Key           string `json:"key,omitempty"`
	Model         string `json:"model"`
	ModelDigest   string `json:"model_digest,omitempty"`
	PromptDigest  string `json:"prompt_digest,omitempty"`
	Options       string `json:"options,omitempty"`
	SchemaVersion string `json:"schema_version"`
	InputHash     string `json:"input_hash,omitempty"` // image or draft sha256
	Host          string `json:"host,omitempty"`
	DoneReason    string `json:"done_reason,omitempty"`
	Error         string `json:"error,omitempty"`
}

type runTimings struct {
	GroundingMS int64 `json:"grounding_ms"`
	DraftMS     int64 `json:"draft_ms"`
	WallMS      int64 `json:"wall_ms"`
}

func stageProv(r *audit.StageRecord) *stageProvenance {
	if r == nil {
		return nil
	}
	p := &stageProvenance{Key: r.Key, Model: r.Model, ModelDigest: r.ModelDigest, PromptDigest: r.PromptDigest,
		Options: r.Options, SchemaVersion: pipeline.SchemaVersion(), Host: r.Host, DoneReason: r.DoneReason, Error: r.Error}
	p.InputHash = r.ImageHash
	if r.Stage == audit.StageDraft {
		p.InputHash = r.DraftHash
	}
	return p
}

func makeRunOutput(it audit.Item, r *audit.Result) runOutput {
	o := runOutput{
		ID: it.ID, Image: it.ImagePath, Findings: r.Findings, DraftLabels: r.DraftLabels,
		Disagreements: []compare.Disagreement{}, Salvaged: r.Salvaged, Cached: r.Cached, Error: r.Err,
		Provenance: runProvenance{Grounding: stageProv(r.Grounding), Draft: stageProv(r.Draft)},
		Timings:    runTimings{WallMS: r.Wall.Milliseconds()},
	}
	if r.Report != nil {
		o.Disagreements, o.Urgent = r.Report.Disagreements, r.Report.Urgent
	}
	if r.Grounding != nil {
		o.Timings.GroundingMS = r.Grounding.Wall.Milliseconds()
		if r.Grounding.Error != "" {
			o.Findings = nil // eval: a failed grounding predicts nothing
		}
	}
	if r.Draft != nil {
		o.Timings.DraftMS = r.Draft.Wall.Milliseconds()
	}
	if o.DraftLabels == nil {
		o.DraftLabels = []schema.DraftLabel{}
	}
	return o
}

// runSummary counts what a run did.
type runSummary struct {
	total, done, failed, salvaged, cached, urgent int
}

// runFlags are the run command's settings.
type runFlags struct {
	ollama *ollamaFlags
	db     string
	out    string
	jobs   int
	urgent *labelsFlag
}

func newRunCmd(e env) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:               "run WORKLIST",
		Short:             "run both model stages over a worklist, batch, with progress",
		Long:              runDescription,
		Example:           runExample,
		Args:              exactArgs(1, "want one WORKLIST"),
		ValidArgsFunction: completeWorklist,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRun(cmd.Context(), e, f, args[0])
		},
	}
	f.ollama = addOllamaFlags(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.db, "db", "", "store FILE (default: beside the worklist, <name>.cxr.db)")
	fl.StringVar(&f.out, "out", "", "write the results to FILE (JSONL) instead of stdout")
	fl.IntVar(&f.jobs, "jobs", 1, "calls in flight per model per Ollama host (match the server's OLLAMA_NUM_PARALLEL)")
	f.urgent = addUrgentFlag(cmd, "urgent (can't-miss) LABELS, comma-separated (\"\" for none)")
	_ = cmd.RegisterFlagCompletionFunc("db", completeStore)
	_ = cmd.RegisterFlagCompletionFunc("out", completeJSONL)
	return cmd
}

func runRun(ctx context.Context, e env, f runFlags, wlPath string) error {
	if f.jobs < 1 {
		return fmt.Errorf("%w: --jobs %d: want 1 or more", errUsage, f.jobs)
	}
	whitelist := f.urgent.labels
	of := f.ollama
	hosts, err := of.hosts()
	if err != nil {
		return err
	}
	wl, err := pipeline.LoadWorklist(ctx, wlPath)
	for _, p := range wl.Problems {
		fmt.Fprintf(e.stderr, "cxr-auditor run: skipped row: %v\n", p)
	}
	if err != nil {
		return err
	}
	db := f.db
	if db == "" {
		db = store.DefaultPath(wlPath)
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	recs := make([]audit.ItemRecord, len(wl.Items))
	for i, it := range wl.Items {
		recs[i] = audit.ItemRecord{ID: it.ID, Image: it.ImagePath, Draft: it.Draft, Seq: i}
	}
	if err := st.PutItems(ctx, recs); err != nil {
		return err
	}

	w := e.stdout
	if f.out != "" {
		of, err := os.Create(f.out)
		if err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		defer of.Close()
		w = of
	}
	bw := bufio.NewWriterSize(w, 64<<10)

	pipeline.WarnInsecure(e.stderr, hosts)
	prog := newProgress(e.stderr, len(wl.Items))
	sched, err := pipeline.NewScheduler(pipeline.Config{
		Hosts: hosts, GroundingModel: of.groundingModel, DraftModel: of.draftModel,
		Store: st, Urgent: whitelist, Capacity: f.jobs,
		Logf: func(format string, args ...any) { prog.logf("warning: "+format, args...) },
	})
	if err != nil {
		return err
	}
	byID := make(map[string]audit.Item, len(wl.Items))
	for _, it := range wl.Items {
		byID[it.ID] = it
	}
	var sum runSummary
	sum.total = len(wl.Items)
	var writeErr error
	start := time.Now()
	hostURLs := make([]string, len(hosts))
	for i, h := range hosts {
		hostURLs[i] = h.URL()
	}
	logEvent(ctx, st, prog, "run_start", map[string]any{"worklist": wlPath, "items": len(wl.Items),
		"skipped_rows": len(wl.Problems), "hosts": hostURLs, "grounding_model": of.groundingModel, "draft_model": of.draftModel})
	runErr := sched.RunAll(ctx, wl.Items, func(u audit.Update) {
		if u.Result == nil {
			return
		}
		r := u.Result
		line, err := json.Marshal(makeRunOutput(byID[u.ItemID], r))
		if err == nil {
			line = append(line, '\n')
			_, err = bw.Write(line)
		}
		if err != nil && writeErr == nil {
			writeErr = err
		}
		sum.add(r)
		prog.item(sum, r)
	})
	if err := bw.Flush(); err != nil && writeErr == nil {
		writeErr = err
	}
	prog.finish()
	wall := time.Since(start)
	logEvent(context.WithoutCancel(ctx), st, prog, "run_end", map[string]any{"items": sum.total, "done": sum.done,
		"failed": sum.failed, "salvaged": sum.salvaged, "cached": sum.cached, "urgent": sum.urgent,
		"wall_ms": wall.Milliseconds(), "interrupted": ctx.Err() != nil})
	fmt.Fprintf(e.stderr, "cxr-auditor run: %s\n", sum.line(wall))
	if len(wl.Problems) > 0 {
		fmt.Fprintf(e.stderr, "cxr-auditor run: %d worklist row(s) skipped (see above)\n", len(wl.Problems))
	}
	switch {
	case writeErr != nil:
		return fmt.Errorf("writing results: %w", writeErr)
	case runErr != nil && ctx.Err() != nil:
		fmt.Fprintf(e.stderr, "cxr-auditor run: interrupted; finished items are stored, run again to resume\n")
		return exitError{130}
	case runErr != nil:
		return runErr
	case sum.failed > 0 || len(wl.Problems) > 0:
		return exitError{2}
	}
	return nil
}

// logEvent appends a run event to the store's audit log; a failure is only
// a warning (the results themselves are stored).
func logEvent(ctx context.Context, st *store.Store, prog *progress, kind string, data map[string]any) {
	b, err := json.Marshal(data)
	if err == nil {
		_, err = st.AppendEvent(ctx, audit.Event{Kind: kind, Data: string(b)})
	}
	if err != nil {
		prog.logf("warning: event %s: %v", kind, err)
	}
}

func (s *runSummary) add(r *audit.Result) {
	if r.Status == audit.StatusDone {
		s.done++
	} else {
		s.failed++
	}
	if r.Salvaged {
		s.salvaged++
	}
	if r.Cached {
		s.cached++
	}
	if r.Report != nil && r.Report.Urgent {
		s.urgent++
	}
}

func (s runSummary) line(wall time.Duration) string {
	return fmt.Sprintf("%d of %d items: %d done, %d failed, %d salvaged, %d cached, %d urgent; wall %s",
		s.done+s.failed, s.total, s.done, s.failed, s.salvaged, s.cached, s.urgent, wall.Round(time.Millisecond))
}

// progress reports a run on stderr: a bar redrawn in place on a terminal,
// otherwise a plain line for each failure and every 1% of the items. It is
// safe for concurrent use (warnings come from the scheduler's goroutines).
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	tty     bool
	total   int
	start   time.Time
	last    time.Time // last redraw / line
	every   int
	drawn   bool
	summary runSummary
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total, start: time.Now(), every: max(1, total/100)}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
	}
	return p
}

// logf prints a message line (keeping the bar below it).
func (p *progress) logf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	fmt.Fprintf(p.w, "cxr-auditor run: "+format+"\n", args...)
	p.draw()
}

// item records a finished item.
func (p *progress) item(s runSummary, r *audit.Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.summary = s
	n := s.done + s.failed
	if r.Status != audit.StatusDone {
		p.clear()
		fmt.Fprintf(p.w, "cxr-auditor run: %s failed: %s\n", r.ItemID, r.Err)
	}
	if p.tty {
		if now := time.Now(); now.Sub(p.last) >= 100*time.Millisecond || n == p.total || r.Status != audit.StatusDone {
			p.last = now
			p.clear()
			p.draw()
		}
		return
	}
	if n%p.every == 0 || n == p.total {
		fmt.Fprintf(p.w, "cxr-auditor run: %s\n", p.status())
	}
}

// status is "n/total (pct) rate ETA failures".
func (p *progress) status() string {
	s := p.summary
	n := s.done + s.failed
	el := time.Since(p.start)
	rate := float64(n) / el.Seconds()
	eta := "?"
	if rate > 0 && n < p.total {
		eta = time.Duration(float64(p.total-n) / rate * float64(time.Second)).Round(time.Second).String()
	} else if n == p.total {
		eta = "0s"
	}
	return fmt.Sprintf("%d/%d %3.0f%%  %.1f items/s  ETA %s  failed %d  cached %d",
		n, p.total, 100*float64(n)/float64(max(1, p.total)), rate, eta, s.failed, s.cached)
}

const barWidth = 30

func (p *progress) draw() {
	if !p.tty {
		return
	}
	n := p.summary.done + p.summary.failed
	fill := barWidth * n / max(1, p.total)
	fmt.Fprintf(p.w, "\r[%s%s] %s", strings.Repeat("#", fill), strings.Repeat("-", barWidth-fill), p.status())
	p.drawn = true
}

func (p *progress) clear() {
	if p.tty && p.drawn {
		fmt.Fprint(p.w, "\r\x1b[2K")
		p.drawn = false
	}
}

// finish ends the bar's line.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.drawn {
		p.clear()
		p.draw()
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}
