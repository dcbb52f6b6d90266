package labeler

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Silent is the gold and reading cell of a label the draft does not speak
// about: schema.StatusSilent (a draft label is never silent).
const Silent = schema.StatusSilent

// Cells is one draft's reading: a status (or Silent) per label, in
// schema.Labels order.
type Cells [6]schema.Status

// CellsOf folds draft labels into cells as compare.Compare folds them
// (present over uncertain over absent); labels not given are Silent, and
// entries with a label or status outside the vocabulary are ignored.
func CellsOf(labels []schema.DraftLabel) Cells {
	var c Cells
	for i := range c {
		c[i] = Silent
	}
	for _, d := range labels {
		i := labelIndex(d.Label)
		if i < 0 || !d.Status.Valid() {
			continue
		}
		if rank(d.Status) > rank(c[i]) {
			c[i] = d.Status
		}
	}
	return c
}

// Case is one gold line: a draft and what it says, read by a person.
type Case struct {
	ID    string
	Draft string
	Style string
	Gold  Cells
}

// goldLine is the JSONL form (testdata/drafts/README.md).
type goldLine struct {
	ID    string                   `json:"id"`
	Draft *string                  `json:"draft"`
	Style string                   `json:"style"`
	Gold  map[string]schema.Status `json:"gold"`
}

// ReadCases reads gold JSONL ({"id", "draft", "gold": {label: status}},
// other fields ignored; a label not in gold is Silent). Blank lines are
// skipped. An error names the line; an id given twice is an error.
func ReadCases(r io.Reader) ([]Case, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 4*MaxDraftBytes)
	var out []Case
	seen := map[string]int{}
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		c, err := parseCase(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if prev, dup := seen[c.ID]; dup {
			return nil, fmt.Errorf("line %d: id %q already on line %d", n, c.ID, prev)
		}
		seen[c.ID] = n
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read gold: %w", err)
	}
	return out, nil
}

func parseCase(line string) (Case, error) {
	var g goldLine
	if err := json.Unmarshal([]byte(line), &g); err != nil {
		return Case{}, fmt.Errorf("not a JSON object: %w", err)
	}
	if g.ID == "" {
		return Case{}, errors.New(`no "id"`)
	}
	if g.Draft == nil {
		return Case{}, fmt.Errorf("id %q: no \"draft\"", g.ID)
	}
	c := Case{ID: g.ID, Draft: *g.Draft, Style: g.Style}
	for i := range c.Gold {
		c.Gold[i] = Silent
	}
	for l, st := range g.Gold {
		i := labelIndex(schema.Label(l))
		if i < 0 {
			return Case{}, fmt.Errorf("id %q: gold label %q is not canonical", g.ID, l)
		}
		if !st.Valid() && st != Silent {
			return Case{}, fmt.Errorf("id %q: gold status %q for %s (want present, absent, uncertain or silent)", g.ID, st, l)
		}
		c.Gold[i] = st
	}
	return c, nil
}
