package session

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/internal/safefile"
	"github.com/cxr-auditor/cxr-auditor/internal/termtext"
	"github.com/cxr-auditor/cxr-auditor/pipeline"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/store/export"
)

// RunOutput is one line of `run` output, as the run command's help
// describes it.
type RunOutput struct {
	ID string `json:"id"`
	// IDBase64 is the id's exact bytes, standard base64, when they are not
	// UTF-8: JSON text cannot hold them, so "id" carries U+FFFD in their
	// place and this field is what matches the worklist's row.
	IDBase64      string               `json:"id_base64,omitempty"`
	Image         string               `json:"image"`
	Findings      []schema.Finding     `json:"findings"` // null when the grounding failed
	DraftLabels   []schema.DraftLabel  `json:"draft_labels"`
	Disagreements []audit.Disagreement `json:"disagreements"`
	// Urgent: the image shows a whitelisted label, whatever the draft
	// says; UrgentFindings lists them (docs/metrics.md).
	Urgent         bool                  `json:"urgent"`
	UrgentFindings []audit.UrgentFinding `json:"urgent_findings"`
	// ImageOnly and Note: the draft could not be read; the item was
	// audited on the image alone.
	ImageOnly bool   `json:"image_only,omitempty"`
	Note      string `json:"note,omitempty"`
	// DraftInDoubt: the draft model and the rule labeler read the draft
	// differently (DraftDoubts says where); RuleLabels is the rules'
	// reading. Both empty with --draft-model rules.
	DraftInDoubt bool                `json:"draft_in_doubt"`
	DraftDoubts  []audit.DraftDoubt  `json:"draft_doubts"`
	RuleLabels   []schema.DraftLabel `json:"rule_labels"`
	Provenance   RunProvenance       `json:"provenance"`
	Timings      RunTimings          `json:"timings"`
	Salvaged     bool                `json:"salvaged"`
	Cached       bool                `json:"cached"`
	// Unverified: served from the cache while no host could confirm the
	// model's digest (offline).
	Unverified bool   `json:"unverified,omitempty"`
	Error      string `json:"error,omitempty"`
	// StoreError: the result could not be stored (it will not be served
	// from the cache; run counts the item as failed).
	StoreError string `json:"store_error,omitempty"`
	// TruthErrors are the findings' errors against the item's truth
	// (missed, spurious, mislocated, matched: compare.TruthErrors at
	// compare.LooseIoU), present only when the item has truth (the
	// worklist's or --truth's) and its grounding succeeded.
	TruthErrors *[]audit.TruthError `json:"truth_errors,omitempty"`
}

// RunProvenance is what each stage of an item rests on.
type RunProvenance struct {
	Grounding *StageProvenance `json:"grounding"`
	Draft     *StageProvenance `json:"draft"`
}

// StageProvenance is what one stage's output rests on.
type StageProvenance struct {
	Key          string `json:"key,omitempty"`
	Model        string `json:"model"`
	ModelDigest  string `json:"model_digest,omitempty"`
	PromptDigest string `json:"prompt_digest,omitempty"`
	SystemDigest string `json:"system_digest,omitempty"`
	Ladder       string `json:"ladder,omitempty"`
	// Attempts are the retry ladder's tries when there was more than one.
	Attempts      []audit.Attempt `json:"attempts,omitempty"`
	Options       string          `json:"options,omitempty"`
	SchemaVersion string          `json:"schema_version"`
	InputHash     string          `json:"input_hash,omitempty"` // image or draft sha256
	Host          string          `json:"host,omitempty"`
	DoneReason    string          `json:"done_reason,omitempty"`
	Error         string          `json:"error,omitempty"`
}

// RunTimings are an item's times in this run: each stage's own time, the
// time its calls waited for a host slot, and the whole (which includes the
// wait).
type RunTimings struct {
	GroundingMS int64 `json:"grounding_ms"`
	DraftMS     int64 `json:"draft_ms"`
	QueueMS     int64 `json:"queue_ms"`
	WallMS      int64 `json:"wall_ms"`
}

func stageProv(r *audit.StageRecord) *StageProvenance {
	if r == nil {
		return nil
	}
	p := &StageProvenance{Key: r.Key, Model: r.Model, ModelDigest: r.ModelDigest, PromptDigest: r.PromptDigest,
		SystemDigest: r.SystemDigest, Ladder: r.Ladder, Attempts: r.Attempts, Options: r.Options, SchemaVersion: pipeline.SchemaVersion(), Host: r.Host, DoneReason: r.DoneReason, Error: r.Error}
	p.InputHash = r.ImageHash
	if r.Stage == audit.StageDraft {
		p.InputHash = r.DraftHash
	}
	return p
}

func makeRunOutput(it audit.Item, r *audit.Result) RunOutput {
	o := RunOutput{
		ID: it.ID, IDBase64: export.IDBase64(it.ID), Image: it.ImagePath, Findings: r.Findings, DraftLabels: r.DraftLabels,
		Disagreements: []audit.Disagreement{}, UrgentFindings: []audit.UrgentFinding{}, Note: r.Note,
		DraftDoubts: []audit.DraftDoubt{}, RuleLabels: []schema.DraftLabel{},
		Salvaged: r.Salvaged, Cached: r.Cached, Error: r.Err,
		Unverified: r.Unverified, StoreError: r.StoreErr,
		Provenance: RunProvenance{Grounding: stageProv(r.Grounding), Draft: stageProv(r.Draft)},
		Timings:    RunTimings{WallMS: r.Wall.Milliseconds(), QueueMS: r.Queue.Milliseconds()},
	}
	if r.Report != nil {
		o.Disagreements, o.Urgent, o.ImageOnly = r.Report.Disagreements, r.Report.Urgent, r.Report.ImageOnly
		if r.Report.UrgentFindings != nil {
			o.UrgentFindings = r.Report.UrgentFindings
		}
		if len(r.Report.DraftDoubts) > 0 {
			o.DraftInDoubt, o.DraftDoubts = true, r.Report.DraftDoubts
		}
		if r.Report.RuleLabels != nil {
			o.RuleLabels = r.Report.RuleLabels
		}
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

// resultsWriter writes run's JSON lines to stdout or, with --out, through a
// safefile.File renamed into place by commit. Each line is flushed as its
// item finishes, so a crash keeps every finished item (in the partial file
// for --out). Lines go through termtext.JSON: the ids, paths and model
// output they carry cannot act on a terminal. Not safe for concurrent use
// (the scheduler delivers results one at a time).
type resultsWriter struct {
	bw   *bufio.Writer
	file *safefile.File // nil for stdout
	err  error          // the first write error
}

func newResultsWriter(stdout io.Writer, out string) (*resultsWriter, error) {
	if out == "" {
		return &resultsWriter{bw: bufio.NewWriter(stdout)}, nil
	}
	f, err := safefile.Create(out)
	if err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	return &resultsWriter{bw: bufio.NewWriter(f), file: f}, nil
}

// write appends one line and flushes it; after a write error it does
// nothing (commit reports the error).
func (w *resultsWriter) write(o RunOutput) {
	if w.err != nil {
		return
	}
	line, err := json.Marshal(o)
	if err == nil {
		line = append(termtext.JSON(line), '\n')
		if _, err = w.bw.Write(line); err == nil {
			err = w.bw.Flush()
		}
	}
	w.err = err
}

// commit ends the output: with --out the file is synced and renamed over
// FILE, unless a write failed, in which case FILE is left as it was and the
// partial file is removed. It returns the first error.
func (w *resultsWriter) commit() error {
	if w.err == nil {
		w.err = w.bw.Flush()
	}
	if w.file == nil {
		return w.err
	}
	if w.err != nil {
		w.file.Abort()
		return w.err
	}
	if err := w.file.Commit(); err != nil {
		return fmt.Errorf("--out %s: %w", w.file.Dest(), err)
	}
	return nil
}

// abort drops an uncommitted --out (an error before the run); it does
// nothing after commit.
func (w *resultsWriter) abort() {
	if w.file != nil {
		w.file.Abort()
	}
}
