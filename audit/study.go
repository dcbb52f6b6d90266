package audit

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// ErrInvalidStudy marks a study definition that cannot be run; the wrapped
// message names the field.
var ErrInvalidStudy = errors.New("invalid study")

// Role is a study member's part in it.
type Role string

// The roles of a reading study.
const (
	// RoleReader reads the items assigned to them, blind to the others.
	RoleReader Role = "reader"
	// RoleAdjudicator settles the disagreements the readers of an item
	// disagree on; their verdict is the final one.
	RoleAdjudicator Role = "adjudicator"
)

// AssignmentRule names the rule that gives items to readers (recorded in
// the event log with every study, so a later rule cannot rewrite how an
// old study was assigned).
const AssignmentRule = "round-robin/v1"

// Study is a reading study: who reads, how many readers each item needs,
// and who adjudicates. Its per-item count and adjudicators never change
// once created; its readers change only through the logged reader
// changes (add, replace, reassign); its items are assigned by ReadersAt.
type Study struct {
	// Name identifies the study in the store.
	Name string `json:"name"`
	// Readers in the order given at creation, which is the order of the
	// assignment rule.
	Readers []string `json:"readers"`
	// PerItem is how many readers read each item (1 to len(Readers)).
	PerItem int `json:"per_item"`
	// Adjudicators may settle disputed units; any one of them will do.
	Adjudicators []string `json:"adjudicators"`
	// CreatedAt and CreatedBy say when and by whom (the login name of
	// the process that created it).
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by,omitempty"`
}

// Validate checks the definition: a name of letters, digits, '.', '_' and
// '-' (at most 64); at least one reader; PerItem between 1 and the number
// of readers; at least one adjudicator when PerItem is 2 or more (readers
// who disagree need someone to settle it); member names that are not empty,
// printable, without commas or surrounding spaces, and each used once in one
// role. The error wraps ErrInvalidStudy and names the field.
func (s Study) Validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrInvalidStudy, field, fmt.Sprintf(format, args...))
	}
	if err := validStudyName(s.Name); err != nil {
		return bad("name", "%v", err)
	}
	if len(s.Readers) == 0 {
		return bad("readers", "a study needs at least one reader")
	}
	seen := map[string]string{}
	for _, list := range []struct {
		field string
		names []string
	}{{"readers", s.Readers}, {"adjudicators", s.Adjudicators}} {
		for i, n := range list.names {
			if err := validMemberName(n); err != nil {
				return bad(list.field, "entry %d %q: %v", i+1, n, err)
			}
			if prev, ok := seen[n]; ok {
				return bad(list.field, "%q is already one of the %s: each member has one role", n, prev)
			}
			seen[n] = list.field
		}
	}
	switch {
	case s.PerItem < 1 || s.PerItem > len(s.Readers):
		return bad("per item", "%d: want 1 to %d (the number of readers)", s.PerItem, len(s.Readers))
	case s.PerItem >= 2 && len(s.Adjudicators) == 0:
		return bad("adjudicators", "a study with %d readers per item needs an adjudicator to settle their disagreements", s.PerItem)
	}
	return nil
}

func validStudyName(n string) error {
	if n == "" || len(n) > 64 {
		return fmt.Errorf("%q: want 1 to 64 characters", n)
	}
	for _, r := range n {
		if !(r <= unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("%q: use letters, digits, '.', '_' and '-' only", n)
		}
	}
	return nil
}

func validMemberName(n string) error {
	switch {
	case n == "":
		return errors.New("empty")
	case strings.TrimSpace(n) != n:
		return errors.New("leading or trailing space")
	case strings.Contains(n, ","):
		return errors.New("a comma (names are given comma-separated)")
	case strings.IndexFunc(n, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return errors.New("a character that is not printable")
	}
	return nil
}

// ReadersAt returns the readers of the study's n-th item (from 0): the
// items are numbered in worklist order (Seq, then ID) as they are assigned,
// and item n goes to readers n·k, n·k+1, …, n·k+k−1, counted modulo the
// number of readers in the order given at creation (k is PerItem). So the
// readers take turns: over any run of items, every reader has the same
// number of items, give or take one, and no item gets a reader twice. With
// two readers and two per item, both read everything.
func (s Study) ReadersAt(n int) []string {
	r := len(s.Readers)
	out := make([]string, 0, s.PerItem)
	for j := range s.PerItem {
		out = append(out, s.Readers[(n*s.PerItem+j)%r])
	}
	return out
}

// RoleOf returns annotator's role in the study, or "" when they are not a
// member.
func (s Study) RoleOf(annotator string) Role {
	switch {
	case slices.Contains(s.Readers, annotator):
		return RoleReader
	case slices.Contains(s.Adjudicators, annotator):
		return RoleAdjudicator
	}
	return ""
}

// Members lists the study's members as "name (role)", for messages.
func (s Study) Members() string {
	var out []string
	for _, r := range s.Readers {
		out = append(out, r+" (reader)")
	}
	for _, a := range s.Adjudicators {
		out = append(out, a+" (adjudicator)")
	}
	return strings.Join(out, ", ")
}

// UnitState is where one disagreement of one study item stands.
type UnitState string

// The states of a study unit, in the order a unit normally moves through
// them. Every change of state is an event in the store's log.
const (
	// UnitOpen: fewer than the item's readers have judged it.
	UnitOpen UnitState = "open"
	// UnitAgreed: every reader of the item judged it, all alike; their
	// decision is final.
	UnitAgreed UnitState = "agreed"
	// UnitDisputed: every reader judged it and they differ; it waits for
	// an adjudicator.
	UnitDisputed UnitState = "disputed"
	// UnitAdjudicated: the readers disagreed and an adjudicator judged
	// it; their decision is final.
	UnitAdjudicated UnitState = "adjudicated"
)

// UnitStates lists the states in display order.
func UnitStates() []UnitState {
	return []UnitState{UnitOpen, UnitAgreed, UnitDisputed, UnitAdjudicated}
}

// Judgement is one current verdict on a unit, as far as a study cares.
type Judgement struct {
	Annotator string   `json:"annotator"`
	Decision  Decision `json:"decision"`
	// VerdictID orders the adjudicators' judgements (the latest wins).
	VerdictID int64 `json:"-"`
}

// Resolve says where a unit stands from the study's current verdicts on
// it: readers are the item's assigned readers, adjudicators the study's.
// Verdicts of anyone else are ignored, and so is an adjudicator's verdict
// on a unit that is not in dispute: the unit is open until every assigned
// reader judged it, agreed when they all judged it alike (their decision
// is final, whatever an adjudicator said), and disputed when they differ,
// until an adjudicator settles it (adjudicated; the latest adjudicator's
// verdict, when several judged it). final is the decision that stands
// ("" while open or disputed); by is who gave it (the adjudicator, or
// "readers").
func Resolve(readers, adjudicators []string, verdicts []Judgement) (state UnitState, final Decision, by string) {
	var adj *Judgement
	got := map[string]Decision{}
	for i := range verdicts {
		v := &verdicts[i]
		switch {
		case slices.Contains(adjudicators, v.Annotator):
			if adj == nil || v.VerdictID > adj.VerdictID {
				adj = v
			}
		case slices.Contains(readers, v.Annotator):
			got[v.Annotator] = v.Decision
		}
	}
	if len(got) < len(readers) || len(readers) == 0 {
		return UnitOpen, "", ""
	}
	first := got[readers[0]]
	for _, r := range readers[1:] {
		if got[r] != first {
			if adj != nil {
				return UnitAdjudicated, adj.Decision, adj.Annotator
			}
			return UnitDisputed, "", ""
		}
	}
	return UnitAgreed, first, "readers"
}

// StudyUnit is one disagreement of one item of a study, with the judgements
// on it and where it stands.
type StudyUnit struct {
	ItemID string       `json:"item_id"`
	Key    string       `json:"key"`
	Label  schema.Label `json:"label"`
	Kind   Kind         `json:"kind"`
	// Readers are the item's assigned readers, in assignment order.
	Readers []string `json:"readers"`
	// Judgements are the current verdicts of the item's readers and of
	// the study's adjudicators, readers first.
	Judgements []Judgement `json:"judgements"`
	State      UnitState   `json:"state"`
	// Final is the decision that stands; FinalBy the adjudicator who gave
	// it, or "readers" when they agreed. Empty while open or disputed.
	Final   Decision `json:"final,omitempty"`
	FinalBy string   `json:"final_by,omitempty"`
	// Stale is set for a judged disagreement that the item's latest
	// result no longer reports (a rerun changed it); it still counts.
	Stale bool `json:"stale,omitempty"`
}

// StudyItem is one item of a study and its readers.
type StudyItem struct {
	ItemID string `json:"item_id"`
	// Position is the item's number in the study (from 0): ReadersAt's n.
	Position int      `json:"position"`
	Readers  []string `json:"readers"`
	// HasResult says whether the item's models have run, so its
	// disagreements are known.
	HasResult bool `json:"has_result"`
}

// ReviewItems returns the items annotator reviews in the study, in
// assignment order, and their role: a reader gets the items assigned to
// them; an adjudicator the items with a unit that is disputed or that an
// adjudicator settled (so a ruling can be revisited). Anyone else is an
// error naming the members.
func ReviewItems(st Study, annotator string, items []StudyItem, units []StudyUnit) ([]string, Role, error) {
	role := st.RoleOf(annotator)
	var ids []string
	switch role {
	case RoleReader:
		for _, it := range items {
			if slices.Contains(it.Readers, annotator) {
				ids = append(ids, it.ItemID)
			}
		}
	case RoleAdjudicator:
		for _, u := range units {
			if (u.State == UnitDisputed || u.State == UnitAdjudicated) && !slices.Contains(ids, u.ItemID) {
				ids = append(ids, u.ItemID)
			}
		}
	default:
		return nil, "", fmt.Errorf("%q is not a member of study %s: its members are %s (give one with --annotator)", annotator, st.Name, st.Members())
	}
	return ids, role, nil
}

// StudyVerdicts keeps, of vs, the verdicts the study's readers gave in
// the study (Verdict.Study is its name) on the items assigned to them: the
// ratings of the study's reader agreement (an adjudicator's verdict, a
// reader's on an item not theirs, or one given outside the study, is no
// rating).
func StudyVerdicts(study string, items []StudyItem, vs []Verdict) []Verdict {
	readers := make(map[string][]string, len(items))
	for _, it := range items {
		readers[it.ItemID] = it.Readers
	}
	var out []Verdict
	for _, v := range vs {
		if v.Study == study && slices.Contains(readers[v.ItemID], v.Annotator) {
			out = append(out, v)
		}
	}
	return out
}
