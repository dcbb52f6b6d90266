package audit

import (
	"time"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Stage names a model stage.
type Stage string

// The two model stages.
const (
	StageGrounding Stage = "grounding"
	StageDraft     Stage = "draft"
)

// StageRecord is the full record of one model call (or its cached copy):
// enough to reproduce, audit and display it. It is keyed by Key, the
// provenance key computed by the pipeline.
type StageRecord struct {
	Key    string `json:"key"`
	Stage  Stage  `json:"stage"`
	ItemID string `json:"item_id"`
	// Provenance parts (also folded into Key).
	ImageHash    string `json:"image_hash,omitempty"`
	DraftHash    string `json:"draft_hash,omitempty"`
	Model        string `json:"model"`
	ModelDigest  string `json:"model_digest"`
	PromptDigest string `json:"prompt_digest"`
	Options      string `json:"options"` // canonical JSON of the Ollama options
	// ModelInput is how the image was made a model input (grounding only):
	// "squash" (sent as it is; the server's resize to a square is the only
	// geometry change) or "pad" (padded to a square first). It is part of
	// the key; empty on draft records and on records made before it was
	// recorded (which were padded).
	ModelInput string `json:"model_input,omitempty"`
	// SystemDigest is the digest of the system message sent before the
	// prompt (the draft stage); empty when there was none.
	SystemDigest string `json:"system_digest,omitempty"`
	// Ladder names the retry ladder the stage could climb (see
	// ollama.LadderKey); empty for one attempt and on older records.
	Ladder string `json:"ladder,omitempty"`
	Host   string `json:"host,omitempty"`

	// What came back.
	Raw        string `json:"raw"`
	Thinking   string `json:"thinking,omitempty"`
	DoneReason string `json:"done_reason,omitempty"`
	Done       bool   `json:"done"`

	// Parsed output: Findings for grounding, Labels for draft.
	Findings    []schema.Finding    `json:"findings,omitempty"`
	Labels      []schema.DraftLabel `json:"labels,omitempty"`
	Diagnostics schema.Diagnostics  `json:"diagnostics"`
	// Error is set when the stage failed (transport, server error line,
	// nothing recoverable in the output), in words that say what to do.
	Error string `json:"error,omitempty"`
	// Deterministic is true when calling again with the same provenance
	// gives the same reply: the reply was complete as the server meant it
	// (cut at num_predict, a repetition abort, output too large or
	// unusable) or the input itself was refused. A deterministic record is
	// served from the cache even when it failed, so a resumed run does not
	// repeat the failure (unless asked to retry failures); a failure that
	// is not deterministic (host down, timeout, connection cut, server
	// error) is never served from the cache.
	Deterministic bool `json:"deterministic,omitempty"`

	// Attempts are the tries of the retry ladder when there was more than
	// one, in order; the record's own output is the last one's. Records
	// made with one try (and before the ladder existed) have none.
	Attempts []Attempt `json:"attempts,omitempty"`

	// Metrics reported by Ollama.
	PromptEvalCount int           `json:"prompt_eval_count,omitempty"`
	EvalCount       int           `json:"eval_count,omitempty"`
	TotalDuration   time.Duration `json:"total_duration,omitempty"`
	LoadDuration    time.Duration `json:"load_duration,omitempty"`
	EvalDuration    time.Duration `json:"eval_duration,omitempty"`
	// Wall is the wall time of the call as seen by the client.
	Wall      time.Duration `json:"wall,omitempty"`
	CreatedAt time.Time     `json:"created_at"`
}

// Attempt is one try of a stage on the retry ladder: how it differed from
// the first (the corrective suffix appended, sampling instead of greedy
// decoding, with the seed sent) and what came back.
type Attempt struct {
	// N counts from 1.
	N           int     `json:"n"`
	Corrective  bool    `json:"corrective,omitempty"`
	Temperature float64 `json:"temperature"`
	TopP        float64 `json:"top_p,omitempty"`
	Seed        int     `json:"seed"`
	Raw         string  `json:"raw"`
	Thinking    string  `json:"thinking,omitempty"`
	Done        bool    `json:"done"`
	DoneReason  string  `json:"done_reason,omitempty"`
	EvalCount   int     `json:"eval_count,omitempty"`
	// Wall is the attempt's wall time as the client saw it.
	Wall time.Duration `json:"wall,omitempty"`
	// Error is why the attempt's reply could not be used; empty for the
	// one that could.
	Error string `json:"error,omitempty"`
}

// ItemRecord is one worklist row as the store remembers it (for export and
// for resuming a review).
type ItemRecord struct {
	ID    string `json:"id"`
	Image string `json:"image"`
	Draft string `json:"draft"`
	// Seq is the item's position in the worklist (0-based).
	Seq int `json:"seq"`
}

// ResultRecord is the latest outcome for an item: which stage records it
// rests on and the comparison report.
type ResultRecord struct {
	ItemID       string    `json:"item_id"`
	GroundingKey string    `json:"grounding_key,omitempty"`
	DraftKey     string    `json:"draft_key,omitempty"`
	Report       *Report   `json:"report,omitempty"` // nil when a stage failed
	Salvaged     bool      `json:"salvaged"`
	Error        string    `json:"error,omitempty"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Decision is a reviewer's adjudication of one disagreement.
type Decision string

// The decisions, one key each in the TUI.
const (
	ImageRight Decision = "image_right"
	DraftRight Decision = "draft_right"
	BothWrong  Decision = "both_wrong"
	Unsure     Decision = "unsure"
)

// Decisions returns the four decisions in display order: ImageRight,
// DraftRight, BothWrong, Unsure. The slice is new on every call.
func Decisions() []Decision { return []Decision{ImageRight, DraftRight, BothWrong, Unsure} }

// Valid reports whether d is one of the four decisions.
func (d Decision) Valid() bool {
	return d == ImageRight || d == DraftRight || d == BothWrong || d == Unsure
}

// The triage decisions, on a truth error (a verdict whose key is a
// TruthKey): which side of the comparison with the ground truth is wrong.
// Unsure serves both kinds of verdict.
const (
	ModelWrong Decision = "model_wrong"
	TruthWrong Decision = "truth_wrong"
	Ambiguous  Decision = "ambiguous"
)

// TriageDecisions returns the decisions on a truth error in display
// order: ModelWrong, TruthWrong, Ambiguous, Unsure. The slice is new on
// every call.
func TriageDecisions() []Decision { return []Decision{ModelWrong, TruthWrong, Ambiguous, Unsure} }

// truthKeyPrefix starts the verdict key of a truth error.
const truthKeyPrefix = "truth:"

// TruthKey is the verdict key of a truth error: "truth:" and its Key, so
// triage verdicts share the verdicts' store, undo and export without
// colliding with a disagreement's key.
func TruthKey(e TruthError) string { return truthKeyPrefix + e.Key() }

// IsTruthKey reports whether a verdict key is a truth error's (TruthKey).
func IsTruthKey(key string) bool {
	return len(key) > len(truthKeyPrefix) && key[:len(truthKeyPrefix)] == truthKeyPrefix
}

// ValidFor reports whether d is a decision a verdict with this key may
// carry: a triage decision on a truth error, one of Decisions otherwise.
func (d Decision) ValidFor(key string) bool {
	if IsTruthKey(key) {
		return d == ModelWrong || d == TruthWrong || d == Ambiguous || d == Unsure
	}
	return d.Valid()
}

// Verdict is one reviewer's adjudication of one disagreement of one item.
// The current verdict for (ItemID, DisagreementKey, Annotator) is the latest
// one not undone.
type Verdict struct {
	ID              int64        `json:"id"`
	ItemID          string       `json:"item_id"`
	DisagreementKey string       `json:"disagreement_key"` // Disagreement.Key()
	Label           schema.Label `json:"label"`
	Kind            Kind         `json:"kind"`
	Decision        Decision     `json:"decision"`
	Annotator       string       `json:"annotator"`
	At              time.Time    `json:"at"`
	// Study is the reading study the verdict was given in ("" for none)
	// and Role the annotator's part in it; a study's state is made of its
	// own verdicts only. Session names the workstation session that gave
	// it, so an undo touches only that session's verdicts ("" for none).
	Study   string `json:"study,omitempty"`
	Role    Role   `json:"role,omitempty"`
	Session string `json:"session,omitempty"`
}

// Note is a reviewer's free-text note on an item. The current note for
// (ItemID, Annotator) is the latest one.
type Note struct {
	ID        int64     `json:"id"`
	ItemID    string    `json:"item_id"`
	Annotator string    `json:"annotator"`
	Text      string    `json:"text"`
	At        time.Time `json:"at"`
	// Disagreement is the key (Disagreement.Key) of the disagreement the
	// note is on; "" for a note on the whole item.
	Disagreement string `json:"disagreement,omitempty"`
}

// Event is one entry of the append-only event log (verdicts, undos, notes,
// runs, reruns, errors): the audit trail, never rewritten.
type Event struct {
	ID        int64     `json:"id"`
	At        time.Time `json:"at"`
	Kind      string    `json:"kind"` // "verdict", "undo", "note", "run_start", "run_end", "rerun", "stage_error", ...
	ItemID    string    `json:"item_id,omitempty"`
	Annotator string    `json:"annotator,omitempty"`
	Data      string    `json:"data,omitempty"` // JSON payload
}

// ResultSummary is the little a worklist shows of an item's latest result,
// cheap to load for every item of a large worklist; the full ResultRecord
// is loaded when the item is opened.
type ResultSummary struct {
	ItemID string `json:"item_id"`
	// Status is StatusDone (a report exists) or StatusError.
	Status   Status `json:"status"`
	Error    string `json:"error,omitempty"`
	Salvaged bool   `json:"salvaged"`
	// Urgent and Disagreements come from the report (false and 0 without).
	// Disagreements counts the rows a reviewer adjudicates
	// (Report.ReviewRows): the disagreements and the urgent
	// findings to confirm.
	Urgent        bool `json:"urgent"`
	Disagreements int  `json:"disagreements"`
	// DraftDoubts is the number of labels whose draft reading is in doubt
	// (the report's DraftDoubts): the draft model and the rule labeler
	// read the draft differently.
	DraftDoubts int `json:"draft_doubts"`
}
