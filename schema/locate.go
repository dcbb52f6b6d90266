package schema

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ErrNoJSON means the model output holds no JSON array or object at all:
// it is empty, prose only, or binary garbage. Such output is an error, never
// an empty list, because "the model said nothing usable" must not read as
// "the model found nothing".
var ErrNoJSON = errors.New("no JSON array or object in model output")

// ErrUnexpectedShape means the output holds JSON, but none of it is shaped
// like a label list: an array of objects, a wrapper object holding one
// ({"findings": [...]}, {"labels": [...]}, {"draft_labels": [...]},
// {"results": [...]}), or a single object with a label. A list in the right
// shape whose entries were all dropped is NOT this error: it is an empty
// list with diagnostics saying why.
var ErrUnexpectedShape = errors.New("JSON in model output is not a label list")

// thoughtTags are the reasoning spans models put in their content. Brackets
// inside reasoning must not be taken for the answer, so these are cut out
// before looking for JSON. <unused94>/<unused95> are MedGemma's thought
// markers.
var thoughtTags = []struct{ open, close string }{
	{"<think>", "</think>"},
	{"<thinking>", "</thinking>"},
	{"<unused94>", "<unused95>"},
}

// wrapperKeys are the object keys under which a label list may be wrapped.
var wrapperKeys = []string{"findings", "labels", "draft_labels", "draftlabels", "results"}

// labelKeys are the accepted names of an entry's label field.
var labelKeys = []string{"label", "finding", "name"}

// located is the label list found in a model output.
type located struct {
	entries []jsonValue
	// truncated is true when the list was cut off; its last entry may then
	// be an incomplete object.
	truncated bool
}

type candidate struct {
	start, end int
	val        jsonValue
	repaired   map[string]bool
	// shaped candidates only:
	entries   []jsonValue
	bare      bool // a single {"label": ...} object
	nested    bool // the list was found inside an unknown wrapper
	truncated bool
	nonObject int // non-object elements skipped in the list
}

// locate finds the label list in raw: it strips thought spans, scans for
// JSON containers, and takes the first well-shaped list after the last
// "Final Answer" marker, or without a marker the last well-shaped list that
// has entries (else the last one, which may be an empty list).
func locate(raw string, n *notes) (located, error) {
	if strings.TrimSpace(raw) == "" {
		return located{}, fmt.Errorf("%w: output is empty (%d bytes)", ErrNoJSON, len(raw))
	}
	text, unterminated, stripped := stripThoughts(raw)
	if stripped > 0 {
		n.add("stripped_thought", "ignored %d reasoning span(s) (<think>, <unused94> ...) before reading the answer", stripped)
	}
	loc, found, anyJSON := pick(text, n)
	if !found && unterminated != "" {
		// The output ended inside a thought. Rather than lose an answer the
		// model wrote there, read the unterminated span as a last resort.
		loc, found, anyJSON = pick(unterminated, n)
		if found {
			n.add("answer_in_thought", "the reasoning span was never closed; took the answer from inside it")
		}
	}
	if !found {
		err := ErrNoJSON
		if anyJSON {
			err = ErrUnexpectedShape
		}
		return located{}, fmt.Errorf("%w: %d bytes starting %s", err, len(raw), quoteHead(raw, 48))
	}
	return loc, nil
}

// pick chooses the label list in text. anyJSON reports whether any JSON
// container was seen at all, to tell ErrNoJSON from ErrUnexpectedShape.
func pick(text string, n *notes) (loc located, found, anyJSON bool) {
	shaped, anyJSON := scan(text)
	if len(shaped) == 0 {
		return located{}, false, anyJSON
	}
	groups := mergeBare(text, shaped)
	chosen, ok := afterFinalAnswer(text, groups)
	if !ok {
		// No marker: the answer is what the model wrote last; earlier lists
		// are drafts or examples in its reasoning.
		chosen = groups[len(groups)-1]
		for i := len(groups) - 1; i >= 0; i-- {
			if len(groups[i].entries) > 0 {
				chosen = groups[i]
				break
			}
		}
	}
	if len(groups) > 1 {
		n.add("several_candidates", "the output held %d JSON label lists; used the one at byte %d", len(groups), chosen.start)
	}
	describeSurroundings(text, chosen, n)
	if len(chosen.repaired) > 0 {
		kinds := make([]string, 0, len(chosen.repaired))
		for k := range chosen.repaired {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		n.add("repaired_syntax", "accepted non-JSON syntax: %s", strings.Join(kinds, ", "))
	}
	if chosen.nested {
		n.add("nested_list", "took the label list from inside an unexpected wrapper")
	}
	if chosen.bare {
		n.add("single_object", "read %d bare object(s) as a list", len(chosen.entries))
	}
	if chosen.nonObject > 0 {
		n.add("dropped_entry", "skipped %d list element(s) that are not objects", chosen.nonObject)
	}
	return located{entries: chosen.entries, truncated: chosen.truncated}, true, true
}

// scanWorkFactor bounds the bytes scan may parse to this many times the
// text's length. Real output (even degenerate) needs about two passes; the
// bound only stops crafted input (deep runs of broken brackets) from making
// the rescans after syntax errors quadratic.
const scanWorkFactor = 8

// scan reads every JSON container in text, left to right. After a complete
// or EOF-truncated value it resumes behind it, so nested containers are not
// read twice and degenerate output costs one pass; after a syntax error it
// resumes one byte on, so a stray bracket in prose cannot hide the answer
// that follows. The total work is capped at scanWorkFactor passes, so scan
// is linear in len(text) whatever the input.
func scan(text string) (out []candidate, anyJSON bool) {
	coveredTo := 0
	work, limit := 0, scanWorkFactor*len(text)+4096
	for i := 0; i < len(text) && work < limit; {
		j := strings.IndexAny(text[i:], "[{")
		if j < 0 {
			break
		}
		i += j
		p := lenientParser{s: text, pos: i}
		v, ok := p.parseValue(0)
		work += p.pos - i + 1
		if ok && (v.complete || len(v.elems) > 0 || len(v.members) > 0) {
			// "[2J" of an escape sequence is not JSON; a cut-off list is.
			anyJSON = anyJSON || !p.broken
			c := candidate{start: i, end: p.pos, val: v, repaired: p.repaired}
			// A shaped candidate inside an earlier shaped one (the rescan
			// after a syntax error) is part of that one, not a rival.
			if i >= coveredTo && classify(&c) {
				out = append(out, c)
				coveredTo = c.end
			}
		}
		switch {
		case ok && v.complete:
			i = p.pos
		case ok && !p.broken:
			i = len(text) // cut off by EOF: everything after is inside it
		default:
			i++
		}
	}
	return out, anyJSON
}

// classify fills in c's entries and reports whether c is shaped like a
// label list, either itself or somewhere inside (a list under an unknown
// key such as {"answer": [...]}, or a list in a list).
func classify(c *candidate) bool {
	if classifyValue(c, c.val) {
		return true
	}
	found := false
	walk(c.val, 0, func(v jsonValue) bool {
		if v.kind == jsonArray && hasLabelledObject(v) && classifyList(c, v) {
			found = true
			c.nested = true
		}
		return found
	})
	return found
}

// walk calls f on every container nested in v, depth first, until f
// returns true.
func walk(v jsonValue, depth int, f func(jsonValue) bool) bool {
	if depth > maxDepth {
		return false
	}
	for _, e := range v.elems {
		if (e.kind == jsonArray || e.kind == jsonObject) && (f(e) || walk(e, depth+1, f)) {
			return true
		}
	}
	for _, m := range v.members {
		if (m.val.kind == jsonArray || m.val.kind == jsonObject) && (f(m.val) || walk(m.val, depth+1, f)) {
			return true
		}
	}
	return false
}

func hasLabelledObject(list jsonValue) bool {
	for _, e := range list.elems {
		if _, ok := e.member(labelKeys...); ok && e.kind == jsonObject {
			return true
		}
	}
	return false
}

func classifyValue(c *candidate, v jsonValue) bool {
	switch v.kind {
	case jsonArray:
		return classifyList(c, v)
	case jsonObject:
		for _, k := range wrapperKeys {
			if w, ok := v.member(k); ok && w.kind == jsonArray {
				return classifyList(c, w)
			}
		}
		if _, ok := v.member(labelKeys...); ok {
			c.entries = []jsonValue{v}
			c.bare = true
			c.truncated = !v.complete
			return true
		}
	}
	return false
}

func classifyList(c *candidate, list jsonValue) bool {
	var objs []jsonValue
	nonObject := 0
	for _, e := range list.elems {
		if e.kind == jsonObject {
			objs = append(objs, e)
		} else {
			nonObject++
		}
	}
	if len(objs) == 0 && !(list.complete && len(list.elems) == 0) {
		return false
	}
	c.entries, c.nonObject, c.truncated = objs, nonObject, !list.complete
	return true
}

// mergeBare joins runs of bare objects separated only by whitespace or
// commas (one object per line, no array) into one list.
func mergeBare(text string, cs []candidate) []candidate {
	var out []candidate
	for _, c := range cs {
		if k := len(out) - 1; k >= 0 && c.bare && out[k].bare && !out[k].truncated &&
			strings.Trim(text[out[k].end:c.start], " \t\r\n,") == "" {
			prev := &out[k]
			prev.entries = append(prev.entries, c.entries...)
			prev.end = c.end
			prev.truncated = c.truncated
			for r := range c.repaired {
				if prev.repaired == nil {
					prev.repaired = map[string]bool{}
				}
				prev.repaired[r] = true
			}
			continue
		}
		out = append(out, c)
	}
	return out
}

// describeSurroundings notes any text around the chosen JSON: a markdown
// code fence or prose.
func describeSurroundings(text string, c candidate, n *notes) {
	before := strings.TrimSpace(text[:c.start])
	after := strings.TrimSpace(text[c.end:])
	if before == "" && after == "" {
		return
	}
	fenceOnly := func(s string) bool {
		s = strings.TrimSpace(s)
		if s == "" {
			return true
		}
		if !strings.HasPrefix(s, "```") {
			return false
		}
		s = strings.TrimLeft(s, "`")
		return strings.TrimSpace(strings.TrimPrefix(strings.ToLower(s), "json")) == ""
	}
	if fenceOnly(before) && fenceOnly(after) {
		n.add("code_fence", "unwrapped a markdown code fence")
		return
	}
	n.add("surrounding_text", "ignored %d byte(s) of text before and %d after the JSON", len(before), len(after))
}

// afterFinalAnswer returns the list a "Final Answer" marker introduces: the
// first one after the last marker that has entries, else the first after it.
func afterFinalAnswer(text string, groups []candidate) (candidate, bool) {
	m := finalAnswerEnd(text)
	if m < 0 {
		return candidate{}, false
	}
	var first *candidate
	for i := range groups {
		if groups[i].start < m {
			continue
		}
		if len(groups[i].entries) > 0 {
			return groups[i], true
		}
		if first == nil {
			first = &groups[i]
		}
	}
	if first == nil {
		return candidate{}, false
	}
	return *first, true
}

// finalAnswerEnd returns the offset just after the last "Final Answer"
// marker (any case, optional colon), or -1.
func finalAnswerEnd(text string) int {
	low := asciiLower(text)
	i := strings.LastIndex(low, "final answer")
	if i < 0 {
		return -1
	}
	return i + len("final answer")
}

// stripThoughts removes thought spans. A closing tag with no opening tag
// before it (some servers drop the opening one) removes everything before
// it; an opening tag that is never closed removes the rest of the text, which
// is returned as unterminated for a last-resort look.
func stripThoughts(s string) (out, unterminated string, stripped int) {
	low := asciiLower(s)
	i := 0
	for _, t := range thoughtTags {
		c := strings.Index(low, t.close)
		o := strings.Index(low, t.open)
		if c >= 0 && (o < 0 || c < o) {
			if end := c + len(t.close); end > i {
				i = end
			}
			stripped++
		}
	}
	var b strings.Builder
	for {
		best, tag := -1, 0
		for k, t := range thoughtTags {
			if o := strings.Index(low[i:], t.open); o >= 0 && (best < 0 || o < best) {
				best, tag = o, k
			}
		}
		if best < 0 {
			b.WriteString(s[i:])
			break
		}
		b.WriteString(s[i : i+best])
		stripped++
		start := i + best + len(thoughtTags[tag].open)
		c := strings.Index(low[start:], thoughtTags[tag].close)
		if c < 0 {
			unterminated = s[start:]
			break
		}
		i = start + c + len(thoughtTags[tag].close)
	}
	return b.String(), unterminated, stripped
}

// asciiLower lowercases ASCII letters only, so byte offsets stay valid.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// quoteHead quotes at most max bytes of s with %q (safe to print on a
// terminal), marking a cut.
func quoteHead(s string, max int) string {
	if len(s) <= max {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q...", s[:max])
}
