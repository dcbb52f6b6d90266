package agreement

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Sentinel errors of Measure; the wrapped message names the rating or the
// option at fault.
var (
	// ErrInvalidRating: a rating lacks a field, uses a category, label or
	// kind outside the vocabulary, repeats a reader on a unit, or disagrees
	// with an earlier rating of its unit about the unit's label or kind.
	ErrInvalidRating = errors.New("invalid rating")
	// ErrInvalidOptions: the Options cannot describe an analysis.
	ErrInvalidOptions = errors.New("invalid agreement options")
)

// Rating is one reader's decision on one unit. A unit is one disagreement of
// one item, identified by (ItemID, Key); Key is normally the disagreement key
// "label/kind" (Disagreement.Key), and Label and Kind say which groups the
// unit belongs to.
type Rating struct {
	ItemID   string       `json:"item_id"`
	Key      string       `json:"key"`
	Label    schema.Label `json:"label"`
	Kind     audit.Kind   `json:"kind"`
	Reader   string       `json:"reader"`
	Category string       `json:"category"`
}

// KappaMethod names the kappa statistic of an agreement analysis.
type KappaMethod string

// The kappa methods.
const (
	// MethodAuto picks MethodCohen when at most two readers rated anything
	// and MethodFleiss when more did.
	MethodAuto KappaMethod = ""
	// MethodCohen is Cohen's (1960) kappa between exactly two readers, with
	// the Fleiss, Cohen & Everitt (1969) standard error.
	MethodCohen KappaMethod = "cohen"
	// MethodFleiss is Fleiss' (1971) kappa, generalized to units with
	// different numbers of readers, with Gwet's (2008) standard error. With
	// two readers it is Scott's pi.
	MethodFleiss KappaMethod = "fleiss"
)

// ParseKappaMethod reads a method name as a command line gives it: "auto" (or
// ""), "cohen" or "fleiss".
func ParseKappaMethod(s string) (KappaMethod, error) {
	switch s {
	case "", "auto":
		return MethodAuto, nil
	case string(MethodCohen), string(MethodFleiss):
		return KappaMethod(s), nil
	}
	return "", fmt.Errorf("%w: method %q: want auto, cohen or fleiss", ErrInvalidOptions, s)
}

// DecisionCategories returns the reviewer decisions (audit.Decisions) as
// rating categories, in display order: image_right, draft_right,
// both_wrong, unsure.
func DecisionCategories() []string {
	ds := audit.Decisions()
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = string(d)
	}
	return out
}

// Options tune Measure. The zero value is the default analysis.
type Options struct {
	// Categories are the possible ratings, in display order (rows and
	// columns of the confusion tables). Nil means DecisionCategories(). At
	// least two, distinct and non-empty.
	Categories []string
	// Readers are the study's readers. A reader named here who rated
	// nothing is listed in Report.ReadersWithoutRatings and plays
	// no other part. Readers who rated something count whether named or not.
	Readers []string
	// Method is the kappa to compute; MethodAuto by default. MethodCohen
	// with more than two readers is an error.
	Method KappaMethod
	// MinReaders is how many readers a unit needs to count; 0 means 2.
	// Units with fewer are excluded from every statistic, counted per group
	// and listed in Report.Excluded. Cohen's kappa needs exactly 2.
	MinReaders int
	// Level is the confidence level of the intervals; 0 means 0.95.
	Level float64
}

// Measure measures how far readers agree on the units they rated:
// overall, per positive label and per disagreement kind. For each group it
// gives the raw agreement, a kappa with its confidence interval, and the
// confusion table of every pair of readers with the units behind each
// off-diagonal cell. docs/metrics.md ("Reader agreement") states every rule.
//
// Edge cases: a unit rated by fewer than MinReaders readers is excluded,
// counted and listed; empty input gives empty groups with kappa undefined;
// when every rating of a group is in one category the chance agreement is 1
// and kappa is undefined (reported with the reason, not NaN). Units rated by
// different numbers of readers are fine for Fleiss' kappa (see fleissKappa).
//
// The error wraps ErrInvalidRating (naming the rating by its index in
// ratings, from 0, and its fields) or ErrInvalidOptions. The same ratings,
// in any order, always give the same report.
func Measure(ratings []Rating, opts Options) (Report, error) {
	o, err := opts.normalize()
	if err != nil {
		return Report{}, err
	}
	a, err := collect(ratings, o)
	if err != nil {
		return Report{}, err
	}
	if err := a.chooseMethod(o.Method); err != nil {
		return Report{}, err
	}

	rep := Report{
		Method:                a.method,
		SEMethod:              seMethod(a.method),
		Level:                 o.Level,
		Categories:            o.Categories,
		MinReaders:            o.MinReaders,
		Readers:               a.readers,
		ReadersWithoutRatings: []string{},
		Ratings:               len(ratings),
		Units:                 len(a.units),
		Excluded:              []ExcludedUnit{},
	}
	for _, name := range o.Readers {
		if _, ok := a.readerIdx[name]; !ok && !slices.Contains(rep.ReadersWithoutRatings, name) {
			rep.ReadersWithoutRatings = append(rep.ReadersWithoutRatings, name)
		}
	}
	slices.Sort(rep.ReadersWithoutRatings)
	for _, u := range a.units {
		if len(u.ratedBy) < o.MinReaders {
			rep.Excluded = append(rep.Excluded, ExcludedUnit{
				ItemID: u.ref.ItemID, Key: u.ref.Key, Label: u.label, Kind: u.kind, Readers: u.readerNames(a.readers),
			})
		}
	}

	rep.Groups = append(rep.Groups, a.group(GroupAll, GroupAll, func(*unit) bool { return true }))
	for _, l := range schema.PositiveLabels() {
		rep.Groups = append(rep.Groups, a.group(GroupLabel, string(l), func(u *unit) bool { return u.label == l }))
	}
	for _, k := range audit.Kinds() {
		rep.Groups = append(rep.Groups, a.group(GroupKind, string(k), func(u *unit) bool { return u.kind == k }))
	}
	return rep, nil
}

func seMethod(m KappaMethod) string {
	if m == MethodCohen {
		return "fleiss-cohen-everitt-1969"
	}
	return "gwet-2008"
}

// normalize fills in the defaults and rejects options no analysis fits.
func (o Options) normalize() (Options, error) {
	if o.Categories == nil {
		o.Categories = DecisionCategories()
	}
	if len(o.Categories) < 2 {
		return o, fmt.Errorf("%w: categories: want at least two, got %d", ErrInvalidOptions, len(o.Categories))
	}
	for i, c := range o.Categories {
		if c == "" {
			return o, fmt.Errorf("%w: categories: entry %d is empty", ErrInvalidOptions, i+1)
		}
		if slices.Index(o.Categories, c) != i {
			return o, fmt.Errorf("%w: categories: %q is listed twice", ErrInvalidOptions, c)
		}
	}
	o.Categories = slices.Clone(o.Categories)
	for i, r := range o.Readers {
		if r == "" {
			return o, fmt.Errorf("%w: readers: entry %d is empty", ErrInvalidOptions, i+1)
		}
	}
	switch o.Method {
	case MethodAuto, MethodCohen, MethodFleiss:
	default:
		return o, fmt.Errorf("%w: method %q: want cohen or fleiss", ErrInvalidOptions, o.Method)
	}
	if o.MinReaders == 0 {
		o.MinReaders = 2
	}
	if o.MinReaders < 2 {
		return o, fmt.Errorf("%w: min readers %d: agreement needs at least 2 readers per unit", ErrInvalidOptions, o.MinReaders)
	}
	if o.Method == MethodCohen && o.MinReaders != 2 {
		return o, fmt.Errorf("%w: min readers %d: Cohen's kappa compares exactly 2 readers", ErrInvalidOptions, o.MinReaders)
	}
	if o.Level == 0 {
		o.Level = 0.95
	}
	if !(o.Level > 0 && o.Level < 1) || math.IsNaN(o.Level) {
		return o, fmt.Errorf("%w: confidence level %v: want a number between 0 and 1", ErrInvalidOptions, o.Level)
	}
	return o, nil
}

// unit is one rated disagreement: who rated it and how.
type unit struct {
	ref   UnitRef
	label schema.Label
	kind  audit.Kind
	first int    // index of the unit's first rating, for error messages
	votes []vote // in rating order; a unit has a handful

	// Filled once the readers are known, shared by every group:
	ratedBy []int // reader indexes, ascending
	cats    []int // cats[i] is the category of reader ratedBy[i]
	row     []int // readers per category
}

type vote struct {
	reader int // in first-seen order until the readers are sorted
	rating int // index in the ratings
	cat    int
}

// readerNames lists the unit's readers in the order of readers.
func (u *unit) readerNames(readers []string) []string {
	out := make([]string, len(u.ratedBy))
	for i, r := range u.ratedBy {
		out[i] = readers[r]
	}
	return out
}

// analysis is the validated input of Measure.
type analysis struct {
	opts      Options
	method    KappaMethod
	units     []*unit        // in (item, key) order
	readers   []string       // sorted
	readerIdx map[string]int // reader → index in readers
}

// collect validates the ratings and groups them into units.
func collect(ratings []Rating, o Options) (*analysis, error) {
	catIdx := make(map[string]int, len(o.Categories))
	for i, c := range o.Categories {
		catIdx[c] = i
	}
	// Sized for two readers a unit: growing a map of half a million units
	// rehashes it again and again.
	byRef := make(map[UnitRef]*unit, len(ratings)/2)
	a := &analysis{opts: o, readerIdx: map[string]int{}, units: make([]*unit, 0, len(ratings)/2)}
	for i := range ratings {
		r := &ratings[i]
		bad := func(format string, args ...any) error { return badRating(i, r, format, args...) }
		switch {
		case r.ItemID == "":
			return nil, bad("item_id is empty")
		case r.Key == "":
			return nil, bad("key is empty")
		case r.Reader == "":
			return nil, bad("reader is empty")
		case !r.Label.Positive():
			return nil, bad("label %q is not one of %s", r.Label, joinLabelNames(schema.PositiveLabels()))
		case !r.Kind.Valid():
			return nil, bad("kind %q is not one of %s", r.Kind, joinKinds())
		}
		cat, ok := catIdx[r.Category]
		if !ok {
			return nil, bad("category %q is not one of %s", r.Category, strings.Join(o.Categories, ", "))
		}
		ref := UnitRef{ItemID: r.ItemID, Key: r.Key}
		u := byRef[ref]
		if u == nil {
			u = &unit{ref: ref, label: r.Label, kind: r.Kind, first: i, votes: make([]vote, 0, 2)}
			byRef[ref] = u
			a.units = append(a.units, u)
		} else if u.label != r.Label || u.kind != r.Kind {
			return nil, bad("label/kind %s/%s differ from rating %d's %s/%s for the same unit",
				r.Label, r.Kind, u.first, u.label, u.kind)
		}
		reader, ok := a.readerIdx[r.Reader]
		if !ok {
			reader = len(a.readers) // renumbered once sorted
			a.readerIdx[r.Reader] = reader
			a.readers = append(a.readers, r.Reader)
		}
		for _, v := range u.votes {
			if v.reader == reader {
				return nil, bad("the reader already rated this unit in rating %d (pass only current verdicts)", v.rating)
			}
		}
		u.votes = append(u.votes, vote{reader: reader, rating: i, cat: cat})
	}

	a.finish(len(o.Categories))
	return a, nil
}

// finish orders the units and the readers, renumbers the votes by the
// sorted readers, and fills each unit's rows once for every group.
func (a *analysis) finish(categories int) {
	slices.SortFunc(a.units, func(x, y *unit) int {
		if c := strings.Compare(x.ref.ItemID, y.ref.ItemID); c != 0 {
			return c
		}
		return strings.Compare(x.ref.Key, y.ref.Key)
	})
	seen := slices.Clone(a.readers) // first-seen order, as the votes number them
	slices.Sort(a.readers)
	if a.readers == nil {
		a.readers = []string{}
	}
	for i, r := range a.readers {
		a.readerIdx[r] = i
	}
	final := make([]int, len(seen))
	for j, r := range seen {
		final[j] = a.readerIdx[r]
	}
	for _, u := range a.units {
		for i := range u.votes {
			u.votes[i].reader = final[u.votes[i].reader]
		}
		slices.SortFunc(u.votes, func(x, y vote) int { return x.reader - y.reader })
		// One allocation for the three: a million verdicts make half a
		// million units.
		n := len(u.votes)
		buf := make([]int, 2*n+categories)
		u.ratedBy, u.cats, u.row = buf[:n:n], buf[n:2*n:2*n], buf[2*n:]
		for i, v := range u.votes {
			u.ratedBy[i], u.cats[i] = v.reader, v.cat
			u.row[v.cat]++
		}
	}
}

// badRating names the rating at fault by index and fields.
func badRating(i int, r *Rating, format string, args ...any) error {
	return fmt.Errorf("%w: rating %d (item %q, key %q, reader %q): %s",
		ErrInvalidRating, i, r.ItemID, r.Key, r.Reader, fmt.Sprintf(format, args...))
}

// chooseMethod resolves MethodAuto and rejects Cohen for more than two
// readers.
func (a *analysis) chooseMethod(m KappaMethod) error {
	switch {
	case m == MethodAuto && len(a.readers) > 2:
		a.method = MethodFleiss
	case m == MethodAuto:
		a.method = MethodCohen
	case m == MethodCohen && len(a.readers) > 2:
		return fmt.Errorf("%w: Cohen's kappa compares two readers; the ratings have %d (%s): use Fleiss' kappa",
			ErrInvalidOptions, len(a.readers), strings.Join(a.readers, ", "))
	default:
		a.method = m
	}
	return nil
}

func joinLabelNames(ls []schema.Label) string {
	s := make([]string, len(ls))
	for i, l := range ls {
		s[i] = string(l)
	}
	return strings.Join(s, ", ")
}

func joinKinds() string {
	ks := audit.Kinds()
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}
