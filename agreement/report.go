package agreement

import (
	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Group kinds of an Group.
const (
	GroupAll   = "all"   // every unit
	GroupLabel = "label" // the units about one label
	GroupKind  = "kind"  // the units of one disagreement kind
)

// Report is the outcome of Measure, ready for JSON.
type Report struct {
	// Method is the kappa computed: MethodCohen or MethodFleiss.
	Method KappaMethod `json:"method"`
	// SEMethod names the standard error behind the intervals.
	SEMethod string `json:"se_method"`
	// Level is the confidence level of every interval (0.95 by default).
	Level float64 `json:"ci_level"`
	// Categories in display order.
	Categories []string `json:"categories"`
	// MinReaders is how many readers a unit needed to count.
	MinReaders int `json:"min_readers"`
	// Readers who rated at least one unit, sorted.
	Readers []string `json:"readers"`
	// ReadersWithoutRatings are readers named in Options.Readers who rated
	// nothing, sorted. Never nil.
	ReadersWithoutRatings []string `json:"readers_without_ratings"`
	// Ratings and Units count the input: ratings, and units rated at least
	// once.
	Ratings int `json:"ratings"`
	Units   int `json:"units"`
	// Excluded are the units rated by fewer than MinReaders readers, in
	// (item, key) order. Never nil.
	Excluded []ExcludedUnit `json:"excluded"`
	// Groups: all units first, then one group per positive label
	// (schema.PositiveLabels order), then one per disagreement kind (Kinds
	// order), each present even when empty.
	Groups []Group `json:"groups"`
}

// ExcludedUnit is a unit rated by too few readers to count.
type ExcludedUnit struct {
	ItemID  string       `json:"item_id"`
	Key     string       `json:"key"`
	Label   schema.Label `json:"label"`
	Kind    audit.Kind   `json:"kind"`
	Readers []string     `json:"readers"` // who rated it, sorted
}

// UnitRef points at one unit, so a user can go and look at it.
type UnitRef struct {
	ItemID string `json:"item_id"`
	Key    string `json:"key"`
}

// Group holds the statistics of one group of units. Only units
// rated by at least MinReaders readers count.
type Group struct {
	By   string `json:"by"`   // GroupAll, GroupLabel or GroupKind
	Name string `json:"name"` // "all", the label or the kind
	// Units counted, the ratings on them, and the units among them on which
	// every reader chose the same category.
	Units     int `json:"units"`
	Ratings   int `json:"ratings"`
	Unanimous int `json:"unanimous_units"`
	// Excluded counts this group's units rated by too few readers.
	Excluded int `json:"excluded_units"`
	// ObservedAgreement is the raw agreement: for Cohen the share of units
	// on which both readers chose the same category; for Fleiss the mean,
	// over units, of the share of agreeing reader pairs. Null without units.
	ObservedAgreement *float64 `json:"observed_agreement"`
	// ExpectedAgreement is the agreement expected by chance from the
	// category shares. Null without units.
	ExpectedAgreement *float64 `json:"expected_agreement"`
	Kappa             Kappa    `json:"kappa"`
	// Confusion holds one table per pair of readers who both rated a unit
	// of the group (for Cohen, always the one pair), in reader order.
	// Never nil.
	Confusion []Confusion `json:"confusion"`
}

// Kappa is a chance-corrected agreement with its confidence interval. A
// figure that cannot be computed is null in JSON, with the reason beside it;
// nothing is NaN.
type Kappa struct {
	Method KappaMethod `json:"method"`
	// Value is kappa, in [−1, 1]; nil when Undefined says why not.
	Value *float64 `json:"value"`
	// SE is the standard error (nil when Value is, or with fewer than two
	// units). Low and High bound the confidence interval Value ± z·SE,
	// clipped to [−1, 1]; nil when SE is, or when SE is 0 (a zero-width
	// interval would overstate certainty). NoCI then says why.
	SE   *float64 `json:"se"`
	Low  *float64 `json:"ci_low"`
	High *float64 `json:"ci_high"`
	// Undefined is why Value is nil ("" when it is not).
	Undefined string `json:"undefined,omitempty"`
	// NoCI is why there is no interval although Value is set.
	NoCI string `json:"no_ci,omitempty"`
}

// Confusion is the cross-table of two readers' categories over the units
// both rated. Rows are ReaderA's category, columns ReaderB's, in the
// report's Categories order.
type Confusion struct {
	ReaderA string `json:"reader_a"`
	ReaderB string `json:"reader_b"`
	Units   int    `json:"units"`
	// Measure is the share of the units on the diagonal; null without
	// units.
	Agreement *float64 `json:"agreement"`
	Counts    [][]int  `json:"counts"`
	// Disagreements are the non-empty off-diagonal cells, row by row, each
	// with the units behind it. Never nil.
	Disagreements []ConfusionCell `json:"disagreements"`
}

// ConfusionCell is one off-diagonal cell of a Confusion table: the units on
// which reader A chose A and reader B chose B, in (item, key) order.
type ConfusionCell struct {
	A     string    `json:"a"`
	B     string    `json:"b"`
	Count int       `json:"count"`
	Units []UnitRef `json:"units"`
}

// Group returns the group with the given By and Name.
func (r Report) Group(by, name string) (Group, bool) {
	for _, g := range r.Groups {
		if g.By == by && g.Name == name {
			return g, true
		}
	}
	return Group{}, false
}
