package audit

import (
	"time"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Item is one worklist row: one image with one draft.
type Item struct {
	ID string `json:"id"`
	// ImagePath is resolved (relative paths are joined to the worklist's
	// directory), so it can be opened from any working directory.
	ImagePath string `json:"image"`
	Draft     string `json:"draft"`
	// Truth holds ground-truth findings when the worklist has them (nil
	// otherwise; HasTruth tells an empty truth from a missing one).
	Truth    []schema.Finding `json:"truth,omitempty"`
	HasTruth bool             `json:"-"`
	// Line is the 1-based line (CSV, JSONL) of the row in its worklist file,
	// or 0 for directory worklists. Errors about the row name it.
	Line int `json:"-"`
}

// Status is where an item (or one of its stages) is in the pipeline.
type Status string

// The statuses an item or stage moves through.
const (
	StatusQueued  Status = "queued"
	StatusRunning Status = "running"
	StatusDone    Status = "done"
	StatusError   Status = "error"
)

// Result is everything the pipeline knows about one item after both stages
// ran (or came from the cache).
type Result struct {
	ItemID    string       `json:"id"`
	Status    Status       `json:"status"`
	Grounding *StageRecord `json:"grounding,omitempty"`
	Draft     *StageRecord `json:"draft,omitempty"`
	// Findings are the grounded findings, boxes mapped back to the original
	// image. DraftLabels are the parsed draft labels.
	Findings    []schema.Finding    `json:"findings"`
	DraftLabels []schema.DraftLabel `json:"draft_labels"`
	// Report is nil when either stage failed, except the draft stage
	// failing in a way calling again would repeat: the item is then
	// audited on the image alone (Report.ImageOnly) and Note says so.
	Report *Report `json:"report,omitempty"`
	// Note is what a reviewer must know about an audit that still
	// stands, such as the draft left unread; empty otherwise.
	Note string `json:"note,omitempty"`
	// Salvaged is true when a stage's output needed salvage (truncated,
	// done_reason "length", repaired JSON).
	Salvaged bool `json:"salvaged"`
	// Cached is true when both stages came from the store.
	Cached bool `json:"cached"`
	// Err is the first failure in words, naming the stage; empty on success.
	Err string `json:"error,omitempty"`
	// Unverified is true when a stage came from the cache while no host
	// could confirm the model's digest: the record was matched to the last
	// digest the store saw for that model name.
	Unverified bool `json:"unverified,omitempty"`
	// StoreErr is set when the result (or a stage record it rests on) could
	// not be stored: the result is valid for this run but will not be
	// served from the cache, and run counts it as a failure.
	StoreErr string `json:"store_error,omitempty"`
	// Wall is the item's wall time in this run, from the start of its
	// preparation to its last stage (about zero for cached results); it
	// includes Queue.
	Wall time.Duration `json:"wall,omitempty"`
	// Queue is how long the item's calls waited for a free host slot once
	// their input was ready (the longer wait of its two stages). The calls
	// themselves took the stage records' Wall.
	Queue time.Duration `json:"queue,omitempty"`
}

// Update is one progress event from the scheduler, for the TUI and the
// batch progress bar. Result is set when the item finished (done or error).
type Update struct {
	ItemID string
	Stage  Stage // empty for item-level updates
	Status Status
	Result *Result
}

// TeamProgress is the state of a run shared by several worker processes
// (pipeline.Claims), across every worker.
type TeamProgress struct {
	Items   int `json:"items"`
	Done    int `json:"done"`
	Failed  int `json:"failed"` // among Done
	Running int `json:"running"`
	Pending int `json:"pending"`
	// Workers holding a live lease now.
	Workers int `json:"workers"`
	// Round counts the times the run was started over after finishing.
	Round int `json:"round"`
}
