package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/cxr-auditor/cxr-auditor/store/export"
)

// ExportFormats lists the formats Export writes.
func ExportFormats() []string { return export.Formats() }

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
	only      []string // OnlyItems
	raw       bool     // WithRaw
}

// OnSkipped makes Export call fn (on the calling goroutine) for each stored
// row it cannot read and skips, instead of returning a SkippedRowsError.
func OnSkipped(fn func(SkippedRow)) ExportOption {
	return func(o *exportOptions) { o.onSkipped = fn }
}

// Export writes every item with its result, the current verdicts and the
// current notes, for analysis in pandas or R, in one consistent snapshot
// (writes made during the export are not half-included). format is one of
// ExportFormats; docs/store.md ("Export format") specifies both formats
// column by column. It streams, one item at a time, so memory stays flat
// however many rows the store holds. Items come in worklist order (Seq),
// then items known only from results, verdicts or notes, by ID.
//
// A stored row that cannot be read (a report, findings or a time that do
// not parse, written by a faulty tool or a damaged disk) is skipped and the
// rest is exported: each one goes to the OnSkipped option's function, or,
// without that option, Export returns a *SkippedRowsError (ErrSkippedRows)
// after writing everything else. A result that cannot be read makes its
// item "status": "error" with the reason in "error".
func (s *Store) Export(ctx context.Context, w io.Writer, format string, opts ...ExportOption) error {
	var o exportOptions
	for _, opt := range opts {
		opt(&o)
	}
	op := "export " + format
	if !slices.Contains(ExportFormats(), format) {
		return s.errorf("export", invalid("format", "%q is not one of %s", format, strings.Join(ExportFormats(), ", ")))
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	sink, err := export.NewWriter(bw, format)
	if err != nil {
		return s.errorf(op, err)
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
	if o.raw && format != "jsonl" {
		return s.errorf(op, invalid("raw", "raw model output is exported in JSONL only (it is multi-line text)"))
	}
	if err := s.streamItems(ctx, s.exportQueries(o), format == "jsonl", report, s.exportWriter(ctx, o, report, sink.Write)); err != nil {
		return s.errorf(op, err)
	}
	if err := sink.Flush(); err != nil {
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
