package store

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/internal/termtext"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// ExportFormats lists the formats Export writes.
func ExportFormats() []string { return []string{"jsonl", "csv"} }

// ErrSkippedRows marks an export that completed without some stored rows
// that could not be read (see SkippedRowsError).
var ErrSkippedRows = errors.New("some stored rows could not be read and were skipped")

// SkippedRow is one stored row Export could not read and left out.
type SkippedRow struct {
	// Table is the table of the row ("results", "stage_records",
	// "verdicts", "notes", "items").
	Table string
	// ItemID is the item the row belongs to.
	ItemID string
	// Field names the unreadable column ("report", "findings", "at", ...).
	Field string
	// Err is why it could not be read.
	Err error
}

// Error describes the row and the reason.
func (r SkippedRow) Error() string {
	return fmt.Sprintf("%s row of item %q: field %s: %v", r.Table, r.ItemID, r.Field, r.Err)
}

// Unwrap returns the reason.
func (r SkippedRow) Unwrap() error { return r.Err }

// SkippedRowsError is what Export returns, after writing every readable
// row, when rows were skipped and no OnSkipped function was given.
type SkippedRowsError struct {
	// Rows are the first skipped rows (at most maxSkippedKept); Count
	// is how many there were in all.
	Rows  []SkippedRow
	Count int
}

// maxSkippedKept bounds the rows a SkippedRowsError keeps, so a badly
// damaged store does not fill memory with errors.
const maxSkippedKept = 100

func (e *SkippedRowsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v: %d", ErrSkippedRows, e.Count)
	for _, r := range e.Rows {
		b.WriteString("; ")
		b.WriteString(r.Error())
	}
	if e.Count > len(e.Rows) {
		fmt.Fprintf(&b, "; and %d more", e.Count-len(e.Rows))
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrSkippedRows) true.
func (e *SkippedRowsError) Unwrap() error { return ErrSkippedRows }

// ExportOption configures Export.
type ExportOption func(*exportOptions)

type exportOptions struct {
	onSkipped func(SkippedRow)
}

// OnSkipped makes Export call fn (on the calling goroutine) for each stored
// row it cannot read and skips, instead of returning a SkippedRowsError.
func OnSkipped(fn func(SkippedRow)) ExportOption {
	return func(o *exportOptions) { o.onSkipped = fn }
}

// Export writes every item with its result, the current verdicts and the
// current notes, for analysis in pandas or R, in one consistent snapshot
// (writes made during the export are not half-included). It streams: items
// are read and written one at a time, so memory stays flat however many
// rows the store holds. Items come in
// worklist order (Seq), then items known only from results, verdicts or
// notes, by ID. Times are RFC 3339 in UTC. format is "jsonl" or "csv";
// anything else is an error listing the formats.
//
// # JSONL
//
// One JSON object per line, per item:
//
//	{"id", "image", "draft",
//	 "status":   "done" | "error" | "pending" (no result yet),
//	 "error":    the failure when status is "error", else "",
//	 "salvaged": true when a model output had to be repaired,
//	 "urgent":   true/false, null when there is no report,
//	 "findings":     [{"label", "box_2d": [y0,x0,y1,x1]}] grounded in the image,
//	 "draft_labels": [{"label", "status", "span"}] parsed from the draft,
//	 "disagreements": [{"label", "kind", "urgent", "draft_spans": [...],
//	     "boxes": [[y0,x0,y1,x1]], "stale",
//	     "verdicts": [{"annotator", "decision", "at"}]}],
//	 "notes": [{"annotator", "text", "at"}],
//	 "provenance": {"grounding": {"model", "model_digest", "prompt_digest",
//	     "options", "key"}, "draft": {...}}}
//
// Boxes are normalized [y0, x0, y1, x1] in the original image. A
// disagreement with "stale": true is not in the item's current report (a
// rerun reached another conclusion) but has verdicts, which are kept rather
// than dropped. A provenance stage is null when the item has no record of it.
//
// # CSV
//
// A header row, then one row per (item, disagreement, annotator verdict),
// in long format:
//
//	id                   item ID
//	image                image path as in the worklist
//	status               done | error | pending
//	urgent               true | false (empty without a report)
//	label                disagreement label (empty on an item-level row)
//	kind                 missed_in_draft | contradicted_by_image | hedged_in_draft | unsupported_by_image
//	disagreement_urgent  true | false (empty on an item-level row)
//	draft_spans          the draft phrases, joined with " | "
//	boxes                JSON array of [y0,x0,y1,x1] boxes, normalized
//	annotator            who decided (empty: not adjudicated)
//	decision             image_right | draft_right | both_wrong | unsure
//	decided_at           when, RFC 3339 UTC
//	note                 the annotator's current note on the item
//	error                why the item failed (status error)
//	stale                true when the disagreement is no longer in the current report
//
// An unadjudicated disagreement has one row with empty annotator and
// decision. An item without disagreements has one item-level row (empty
// label and kind). An annotator's note is repeated on each of their rows for
// the item; an annotator with a note but no verdict on the item gets an
// item-level row of their own.
//
// Every cell is made safe to open in a spreadsheet and to print on a
// terminal (csvCell): escape sequences and control characters are replaced
// by visible symbols (package internal/termtext), and a cell that a
// spreadsheet would run as a formula (one starting with =, +, -, @, a tab
// or a carriage return) is prefixed with a single quote, as the OWASP
// advice on CSV injection says. A cell that is a plain number (-12, +3.5)
// is left as it is: no column is numeric today, but an id may look like
// one.
//
// # Unreadable rows
//
// A stored row that cannot be read (a report, findings or a time that do
// not parse, written by a faulty tool or a damaged disk) is skipped and the
// rest is exported. Each one is passed to the OnSkipped option's function;
// without that option Export returns a *SkippedRowsError (ErrSkippedRows)
// after writing everything else. A result that cannot be read makes its
// item "status": "error" with the reason in "error".
func (s *Store) Export(ctx context.Context, w io.Writer, format string, opts ...ExportOption) error {
	var o exportOptions
	for _, opt := range opts {
		opt(&o)
	}
	op := "export " + format
	bw := bufio.NewWriterSize(w, 64<<10)
	var sink itemWriter
	switch format {
	case "jsonl":
		sink = newJSONLWriter(bw)
	case "csv":
		cw, err := newCSVWriter(bw)
		if err != nil {
			return s.errorf(op, err)
		}
		sink = cw
	default:
		return s.errorf("export", invalid("format", "%q is not one of %s", format, strings.Join(ExportFormats(), ", ")))
	}
	var skipped SkippedRowsError
	report := func(r SkippedRow) {
		if o.onSkipped != nil {
			o.onSkipped(r)
			return
		}
		skipped.Count++
		if len(skipped.Rows) < maxSkippedKept {
			skipped.Rows = append(skipped.Rows, r)
		}
	}
	if err := s.streamItems(ctx, format == "jsonl", report, sink.write); err != nil {
		return s.errorf(op, err)
	}
	if err := sink.flush(); err != nil {
		return s.errorf(op, err)
	}
	if err := bw.Flush(); err != nil {
		return s.errorf(op, err)
	}
	if skipped.Count > 0 {
		return s.errorf(op, &skipped)
	}
	return nil
}

// itemWriter writes exported items in one format.
type itemWriter interface {
	write(it *exportItem) error
	flush() error
}

type exportItem struct {
	ID            string               `json:"id"`
	Image         string               `json:"image"`
	Draft         string               `json:"draft"`
	Status        string               `json:"status"`
	Error         string               `json:"error"`
	Salvaged      bool                 `json:"salvaged"`
	Urgent        *bool                `json:"urgent"`
	Findings      json.RawMessage      `json:"findings"`     // []schema.Finding as stored
	DraftLabels   json.RawMessage      `json:"draft_labels"` // []schema.DraftLabel as stored
	Disagreements []exportDisagreement `json:"disagreements"`
	Notes         []exportNote         `json:"notes"`
	Provenance    exportProvenance     `json:"provenance"`
}

type exportDisagreement struct {
	Label      schema.Label    `json:"label"`
	Kind       audit.Kind      `json:"kind"`
	Urgent     bool            `json:"urgent"`
	DraftSpans []string        `json:"draft_spans"`
	Boxes      []schema.Box    `json:"boxes"`
	Stale      bool            `json:"stale"`
	Verdicts   []exportVerdict `json:"verdicts"`
}

type exportVerdict struct {
	Annotator string         `json:"annotator"`
	Decision  audit.Decision `json:"decision"`
	At        time.Time      `json:"at"`
}

type exportNote struct {
	Annotator string    `json:"annotator"`
	Text      string    `json:"text"`
	At        time.Time `json:"at"`
}

type exportProvenance struct {
	Grounding *exportStage `json:"grounding"`
	Draft     *exportStage `json:"draft"`
}

type exportStage struct {
	Model        string          `json:"model"`
	ModelDigest  string          `json:"model_digest"`
	PromptDigest string          `json:"prompt_digest"`
	Options      json.RawMessage `json:"options"`
	Key          string          `json:"key"`
}

// jsonlWriter writes one JSON line per item; termtext.JSON escapes what
// encoding/json leaves raw and a terminal would act on (C1 and
// bidirectional controls), so the export is as inert as the CSV.
type jsonlWriter struct {
	w   io.Writer
	buf bytes.Buffer
	enc *json.Encoder
}

func newJSONLWriter(w io.Writer) *jsonlWriter {
	j := &jsonlWriter{w: w}
	j.enc = json.NewEncoder(&j.buf)
	j.enc.SetEscapeHTML(false)
	return j
}

func (j *jsonlWriter) write(it *exportItem) error {
	j.buf.Reset()
	if err := j.enc.Encode(it); err != nil {
		return fmt.Errorf("item %q: %w", it.ID, err)
	}
	if _, err := j.w.Write(termtext.JSON(j.buf.Bytes())); err != nil {
		return fmt.Errorf("item %q: %w", it.ID, err)
	}
	return nil
}

func (j *jsonlWriter) flush() error { return nil }

// closeRows closes rows and returns the first error of the iteration or
// of the close.
func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}
