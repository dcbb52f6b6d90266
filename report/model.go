package report

import (
	"context"
	"time"

	"github.com/cxr-auditor/cxr-auditor/agreement"
	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/radiograph"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Item is one item of the truth: its id, where its image is ("" when
// unknown: no picture then), its draft and its truth findings.
type Item struct {
	ID, Image, Draft string
	Truth            []schema.Finding
}

// RunInfo is what the summary says about a run. Every field may be empty.
type RunInfo struct {
	Model, ModelDigest, PromptDigest                string
	DraftModel, DraftModelDigest, DraftPromptDigest string
	First, Last                                     time.Time
}

// Run is one run's predictions, aligned with Input.Items: Preds[i] is
// what the run predicted for item i; Failed[i] marks a parse failure and
// Missing[i] an item the run has no prediction for (both predict
// nothing). Failed and Missing may be nil (none).
type Run struct {
	Name    string
	Info    RunInfo
	Preds   [][]schema.Finding
	Failed  []bool
	Missing []bool
}

// Study is a reading study's progress and units, and per reader the
// times of their verdicts.
type Study struct {
	Progress audit.StudyProgress
	Units    []audit.StudyUnit
}

// ImageLoader decodes the radiograph at path for a thumbnail; the loader
// decides which paths it may open.
type ImageLoader func(ctx context.Context, path string) (*radiograph.Radiograph, error)

// Input is everything a report may show; a section appears only when its
// data is there.
type Input struct {
	// Title heads the report; Version is the tool's version; Now the
	// time it was made.
	Title, Version string
	Now            time.Time
	// Sources name where the truth and predictions came from (shown in
	// the summary); CorrectedTruth says the truth includes the store's
	// truth corrections, on CorrectedItems items.
	Sources        []string
	CorrectedTruth bool
	CorrectedItems int
	Items          []Item
	Runs           []Run
	// Options are eval's (protocol, urgent labels, bootstrap); IoU is the
	// overlap under which a box is mislocated (compare.LooseIoU when 0).
	Options compare.Options
	IoU     float64
	// Verdicts are the reviewers' current verdicts, any order.
	Verdicts []audit.Verdict
	// Agreement is the readers' agreement (nil: no section).
	Agreement *agreement.Report
	Study     *Study
	// MaxItems bounds the pictures; LoadImage decodes their radiographs
	// (nil: pictures are listed without an image).
	MaxItems  int
	LoadImage ImageLoader
}

// Doc is a built report, ready to write in any format.
type Doc struct {
	Title, Version string
	Generated      time.Time
	Sections       []Section
}

// Section is one part of the report, with an id for the table of
// contents.
type Section struct {
	ID, Title string
	Blocks    []Block
}

// Block is one paragraph, table, figure or set of pictures: exactly one
// field is set.
type Block struct {
	Para     string
	Table    *Table
	Figure   *Figure
	Pictures []Picture
}

// Table is a table of text cells; a cell with an ID is shown by a bar of
// a figure.
type Table struct {
	ID, Caption string
	Header      []string
	Rows        [][]Cell
}

// Cell is one table cell: its text, and the number it sorts by (NaN:
// sorts as text).
type Cell struct {
	Text string
	Sort float64
	ID   string
}

// Figure is a bar chart: groups of bars along x, one bar per series in
// each group, values on y between YMin and YMax, with optional error
// bars.
type Figure struct {
	ID, Title, Alt string
	YLabel         string
	YMin, YMax     float64
	Series         []string
	Groups         []BarGroup
	// Table is the id of the table holding the figure's numbers.
	Table string
}

// BarGroup is one group of bars (a label, an IoU bin).
type BarGroup struct {
	Name string
	Bars []Bar
}

// Bar is one bar: its series (the colour), its value, its interval (NaN:
// none) and the id of the table cell holding its number.
type Bar struct {
	Series           int
	Value, Low, High float64
	Cell             string
}

// Picture is one item shown with its boxes: why it was chosen, its
// thumbnail (PNG; nil when the image could not be drawn, Note says why),
// the draft, what each side found and the verdicts on it.
type Picture struct {
	ItemID   string
	Why      []string
	PNG      []byte
	W, H     int
	Note     string
	Draft    string
	Boxes    []string
	Verdicts []string
	Alt      string
}
