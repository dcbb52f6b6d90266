package store

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/internal/termtext"
)

// csvHeader is the CSV column order documented on Export.
var csvHeader = []string{"id", "image", "status", "urgent", "label", "kind", "disagreement_urgent",
	"draft_spans", "boxes", "annotator", "decision", "decided_at", "note", "error", "stale"}

// The columns of csvHeader.
const (
	colID = iota
	colImage
	colStatus
	colUrgent
	colLabel
	colKind
	colDisagreementUrgent
	colDraftSpans
	colBoxes
	colAnnotator
	colDecision
	colDecidedAt
	colNote
	colError
	colStale
	numCols
)

type csvWriter struct {
	cw   *csv.Writer
	recs [][]string // reused between items
}

func newCSVWriter(w io.Writer) (*csvWriter, error) {
	c := &csvWriter{cw: csv.NewWriter(w)}
	return c, c.cw.Write(csvHeader)
}

func (c *csvWriter) flush() error {
	c.cw.Flush()
	return c.cw.Error()
}

// write writes the item's rows: one per (disagreement, annotator verdict),
// as documented on Export.
func (c *csvWriter) write(it *exportItem) error {
	urgent := ""
	if it.Urgent != nil {
		urgent = strconv.FormatBool(*it.Urgent)
	}
	noteOf := map[string]string{}
	for _, n := range it.Notes {
		noteOf[n.Annotator] = n.Text
	}
	hasRow := map[string]bool{}
	c.recs = c.recs[:0]
	row := func(d *exportDisagreement, v *exportVerdict, annotator string) {
		rec := make([]string, numCols)
		rec[colID], rec[colImage], rec[colStatus], rec[colUrgent] = it.ID, it.Image, it.Status, urgent
		rec[colAnnotator], rec[colNote], rec[colError] = annotator, noteOf[annotator], it.Error
		if d != nil {
			boxes, _ := json.Marshal(d.Boxes) // []schema.Box always marshals
			rec[colLabel], rec[colKind], rec[colDisagreementUrgent] = string(d.Label), string(d.Kind), strconv.FormatBool(d.Urgent)
			rec[colDraftSpans], rec[colBoxes], rec[colStale] = strings.Join(d.DraftSpans, " | "), string(boxes), strconv.FormatBool(d.Stale)
		}
		if v != nil {
			rec[colDecision], rec[colDecidedAt] = string(v.Decision), v.At.UTC().Format(time.RFC3339Nano)
		}
		if annotator != "" {
			hasRow[annotator] = true
		}
		for i := range rec {
			rec[i] = csvCell(rec[i], i == colNote)
		}
		c.recs = append(c.recs, rec)
	}
	for i := range it.Disagreements {
		d := &it.Disagreements[i]
		if len(d.Verdicts) == 0 {
			row(d, nil, "")
		}
		for j := range d.Verdicts {
			v := &d.Verdicts[j]
			row(d, v, v.Annotator)
		}
	}
	for _, n := range it.Notes {
		if !hasRow[n.Annotator] {
			row(nil, nil, n.Annotator)
		}
	}
	if len(c.recs) == 0 {
		row(nil, nil, "")
	}
	for _, rec := range c.recs {
		if err := c.cw.Write(rec); err != nil {
			return fmt.Errorf("item %q: %w", it.ID, err)
		}
	}
	return nil
}

// csvCell makes one CSV cell safe to open in a spreadsheet and to print on
// a terminal. First, escape sequences and control characters become
// visible symbols (termtext; a note keeps its line breaks). Then a cell
// that a spreadsheet would evaluate as a formula, one starting with =, +,
// -, @, a tab or a carriage return, gets a leading single quote, which
// spreadsheets show as text (OWASP, "CSV Injection"). A plain number such
// as -12 or +3.5 is no formula and is left alone. The CSV writer quotes any
// cell holding a separator, a quote or a line break, so a cell can never
// spill into the next one.
func csvCell(s string, multiline bool) string {
	if multiline {
		s = termtext.Text(s)
	} else {
		s = termtext.Line(s)
	}
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if !plainNumber(s) {
			return "'" + s
		}
	}
	return s
}

// plainNumber reports whether s is a decimal number with an optional sign,
// fraction and exponent, and nothing else.
func plainNumber(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		digits++
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

func auditDecision(s string) audit.Decision { return audit.Decision(s) }
