package export

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/internal/termtext"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Formats lists the formats NewWriter writes.
func Formats() []string { return []string{"jsonl", "csv"} }

// Item is one exported item with its result, verdicts and notes; its JSON
// is one JSONL line (docs/store.md names every field).
type Item struct {
	ID string `json:"id"`
	// IDBase64 is set by the JSONL writer to the id's exact bytes when
	// they are not UTF-8 (IDBase64 says why).
	IDBase64 string `json:"id_base64,omitempty"`
	Image    string `json:"image"`
	Draft    string `json:"draft"`
	Status   string `json:"status"` // done, error or pending
	Error    string `json:"error"`
	Salvaged bool   `json:"salvaged"`
	Urgent   *bool  `json:"urgent"` // nil without a report
	// UrgentFindings is nil for a report stored before the list existed.
	UrgentFindings []audit.UrgentFinding `json:"urgent_findings"`
	ImageOnly      bool                  `json:"image_only,omitempty"`
	Findings       json.RawMessage       `json:"findings"`     // []schema.Finding as stored
	DraftLabels    json.RawMessage       `json:"draft_labels"` // []schema.DraftLabel as stored
	Disagreements  []Disagreement        `json:"disagreements"`
	// DraftInDoubt: the draft model and the rule labeler read the draft
	// differently; DraftDoubts says where, RuleLabels is the rules'
	// reading (both empty without a report or with rules as the draft
	// model).
	DraftInDoubt bool                `json:"draft_in_doubt"`
	DraftDoubts  []audit.DraftDoubt  `json:"draft_doubts"`
	RuleLabels   []schema.DraftLabel `json:"rule_labels"`
	Notes        []Note              `json:"notes"`
	// CompareVerdicts are the current judgments of differences between
	// two runs on this item (JSONL only; left out when there are none).
	CompareVerdicts []CompareVerdict `json:"compare_verdicts,omitempty"`
	Provenance      Provenance       `json:"provenance"`
	// Raw is each stage's raw model output and thinking (export --raw
	// only; JSONL).
	Raw *RawStages `json:"raw,omitempty"`
}

// RawStages are the raw outputs of an item's two stages; a stage without
// a record is null.
type RawStages struct {
	Grounding *RawStage `json:"grounding"`
	Draft     *RawStage `json:"draft"`
}

// RawStage is one stage's raw model output and thinking, as stored, and
// every try of its retry ladder.
type RawStage struct {
	Raw      string `json:"raw"`
	Thinking string `json:"thinking"`
	// Attempts are the tries of the retry ladder in order, each with its
	// own raw output and thinking (the last is Raw and Thinking); empty
	// when the stage answered at its one try.
	Attempts []audit.Attempt `json:"attempts"`
}

// CompareVerdict is one annotator's current judgment of a difference
// between two runs' findings (audit.CompareVerdict).
type CompareVerdict struct {
	RunA          string           `json:"run_a"`
	RunB          string           `json:"run_b"`
	DifferenceKey string           `json:"difference_key"`
	Label         schema.Label     `json:"label"`
	Preference    audit.Preference `json:"preference"`
	Note          string           `json:"note,omitempty"`
	Annotator     string           `json:"annotator"`
	At            time.Time        `json:"at"`
}

// Disagreement is one review row of the item (a disagreement, or an
// urgent finding to confirm, of kind audit.UrgentConfirm) with the current
// verdicts on it. Stale marks one the current report no longer has but that
// carries verdicts, which are kept rather than dropped.
type Disagreement struct {
	Label      schema.Label `json:"label"`
	Kind       audit.Kind   `json:"kind"`
	Urgent     bool         `json:"urgent"`
	DraftSpans []string     `json:"draft_spans"`
	Boxes      []schema.Box `json:"boxes"`
	// DraftInDoubt: the disagreement rests only on a draft reading in
	// doubt (audit.Disagreement.DraftInDoubt).
	DraftInDoubt bool      `json:"draft_in_doubt"`
	Stale        bool      `json:"stale"`
	Verdicts     []Verdict `json:"verdicts"`
}

// Verdict is one annotator's current decision on a disagreement.
type Verdict struct {
	Annotator string         `json:"annotator"`
	Decision  audit.Decision `json:"decision"`
	At        time.Time      `json:"at"`
	// Study and Role are the study the verdict was given in and the
	// giver's role in it (reader or adjudicator); both left out for a
	// verdict given outside a study. An annotator's current verdict is
	// kept per study, as the store keeps it.
	Study string `json:"study,omitempty"`
	Role  string `json:"role,omitempty"`
}

// Note is one annotator's current note on the item, or on one of its
// disagreements.
type Note struct {
	Annotator string    `json:"annotator"`
	Text      string    `json:"text"`
	At        time.Time `json:"at"`
	// Disagreement is the key ("label/kind") of the disagreement the note
	// is on; "" (left out of the JSON) for a note on the whole item.
	Disagreement string `json:"disagreement,omitempty"`
}

// Provenance names the stage records the result rests on; a stage is nil
// when the item has no record of it.
type Provenance struct {
	Grounding *Stage `json:"grounding"`
	Draft     *Stage `json:"draft"`
}

// Stage is the provenance of one model stage.
type Stage struct {
	Model        string          `json:"model"`
	ModelDigest  string          `json:"model_digest"`
	PromptDigest string          `json:"prompt_digest"`
	Options      json.RawMessage `json:"options"`
	Key          string          `json:"key"`
}

// Writer writes items in one format. Flush writes what is buffered; the
// caller flushes once after the last item.
type Writer interface {
	Write(it *Item) error
	Flush() error
}

// NewWriter returns the Writer of format ("jsonl" or "csv") on w. The CSV
// writer writes its header row at once. An unknown format is an error
// listing the formats.
func NewWriter(w io.Writer, format string) (Writer, error) {
	switch format {
	case "jsonl":
		return newJSONLWriter(w), nil
	case "csv":
		return newCSVWriter(w)
	}
	return nil, fmt.Errorf("format %q is not one of %s", format, strings.Join(Formats(), ", "))
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

func (j *jsonlWriter) Write(it *Item) error {
	j.buf.Reset()
	it.IDBase64 = IDBase64(it.ID)
	if err := j.enc.Encode(it); err != nil {
		return fmt.Errorf("item %q: %w", it.ID, err)
	}
	if _, err := j.w.Write(termtext.JSON(j.buf.Bytes())); err != nil {
		return fmt.Errorf("item %q: %w", it.ID, err)
	}
	return nil
}

func (j *jsonlWriter) Flush() error { return nil }

// IDBase64 returns id's bytes in standard base64 when they are not valid
// UTF-8, and "" when they are. JSON strings hold only UTF-8, so an encoder
// writes U+FFFD for such bytes and the id would no longer match its
// worklist row; the base64 copy keeps it byte-exact and reversible.
func IDBase64(id string) string {
	if utf8.ValidString(id) {
		return ""
	}
	return base64.StdEncoding.EncodeToString([]byte(id))
}
