package schema

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
)

// ExtractFindings turns a vision model's raw output into grounded findings.
//
// Each entry's label and box_2d are read, and its confidence and evidence
// when given (see readExtras); "box_2d": null is a finding without a box.
// It is tolerant: it strips <think> and MedGemma <unused94> thought spans
// (also unterminated ones), prefers JSON after a "Final Answer" marker, reads
// past prose and code fences, unwraps {"findings": [...]}-style wrappers and
// single bare objects, accepts single quotes, trailing commas and
// True/False/None, keeps every complete entry of a truncated list (and the
// label of a cut-off last entry), de-duplicates repeated entries (same label
// and box), normalizes label spellings with NormalizeLabel, and repairs boxes:
// the scale is decided by the rule of ReadBox (0-1000 coordinates are divided
// by 1000; a normalized box a little outside [0,1] is clamped, not rescaled),
// inverted corners are reordered; a box that is not four finite numbers,
// overflows float64, lies far outside the image or has zero area is dropped
// while its label is kept. no_finding is dropped when any positive finding is present.
// Every repair and drop is a note in the returned Diagnostics; Salvaged is
// true when any note other than a 0-1000 rescale was made.
//
// The result keeps input order. "[]" (or {"findings": []}) is a valid empty
// list with a nil error; a list whose entries were all dropped is an empty,
// non-nil list with notes. The error is non-nil (wrapping ErrNoJSON or
// ErrUnexpectedShape) only when no label list is in the text at all, and then
// the list is nil. It runs in time linear in len(raw) and never panics.
func ExtractFindings(raw string) ([]Finding, Diagnostics, error) {
	var n notes
	loc, err := locate(raw, &n)
	if err != nil {
		return nil, n.diagnostics(), fmt.Errorf("extract findings: %w", err)
	}
	out := make([]Finding, 0, len(loc.entries))
	type key struct {
		label  Label
		hasBox bool
		box    Box
	}
	seen := make(map[key]bool, len(loc.entries))
	seenLabel := map[Label]bool{}
	dups := 0
	for i, e := range loc.entries {
		// Only the last entry of a list can be cut off.
		cut := !e.complete && i == len(loc.entries)-1
		label, ok := entryLabel(e, cut, &n)
		if !ok {
			continue
		}
		f := Finding{Label: label}
		if bv, ok := e.member("box_2d", "box", "bbox", "box2d"); ok {
			f.Box = entryBox(bv, label, &n)
		} else if cut {
			n.add("truncated", "kept the label %q of the cut-off last entry without a box", label)
		}
		k := key{label: f.Label, hasBox: f.Box != nil}
		if f.Box != nil {
			k.box = *f.Box
		}
		readExtras(e, &f, &n)
		if cut && f.Box == nil && seenLabel[label] {
			// A cut-off repeat of a label already kept adds nothing.
			dups++
			continue
		}
		seenLabel[label] = true
		if seen[k] {
			dups++
			continue
		}
		seen[k] = true
		out = append(out, f)
	}
	noteTruncation(loc, &n)
	if dups > 0 {
		n.add("deduplicated", "dropped %d repeated finding(s) (same label and box)", dups)
	}
	out = dropNoFinding(out, func(f Finding) (Label, bool) { return f.Label, f.Label.Positive() }, &n,
		"dropped no_finding because positive findings were also reported: %s")
	return out, n.diagnostics(), nil
}

// ExtractDraftLabels turns a text model's raw output into draft labels.
//
// It locates the list exactly as ExtractFindings does (thought spans, Final
// Answer marker, prose, fences, wrappers, bare objects, lenient syntax,
// truncation). Each entry needs a label (normalized with NormalizeLabel) and
// a status (normalized with NormalizeStatus); an entry without a usable one
// is dropped and noted. The span is kept verbatim apart from trimming
// surrounding space, with control characters replaced by spaces and invalid
// UTF-8 by U+FFFD so it is safe to show on a terminal; a missing span is "".
// Repeated entries (same label, status and span) are dropped. A no_finding
// entry is dropped only when some positive label is present: a draft that
// says "no acute findings" and also "cannot exclude pneumothorax" keeps both,
// because the comparator reads draft no_finding as denying what the draft
// does not mention.
//
// Results, errors and diagnostics follow the same rules as ExtractFindings.
func ExtractDraftLabels(raw string) ([]DraftLabel, Diagnostics, error) {
	var n notes
	loc, err := locate(raw, &n)
	if err != nil {
		return nil, n.diagnostics(), fmt.Errorf("extract draft labels: %w", err)
	}
	out := make([]DraftLabel, 0, len(loc.entries))
	seen := make(map[DraftLabel]bool, len(loc.entries))
	seenLS := map[[2]string]bool{}
	dups := 0
	for i, e := range loc.entries {
		cut := !e.complete && i == len(loc.entries)-1
		label, ok := entryLabel(e, cut, &n)
		if !ok {
			continue
		}
		sv, ok := e.member("status")
		if !ok || !sv.complete || (sv.kind != jsonString && sv.kind != jsonBool) {
			if cut {
				n.add("truncated", "dropped the cut-off last entry %q: its status is missing", label)
			} else {
				n.add("dropped_status", "dropped %q: no status", label)
			}
			continue
		}
		status, ok := NormalizeStatus(sv.text)
		if !ok {
			n.add("dropped_status", "dropped %q: unknown status %s", label, quoteHead(sv.text, 64))
			continue
		}
		d := DraftLabel{Label: label, Status: status}
		if spv, ok := e.member("span"); ok {
			switch {
			case spv.kind == jsonString && spv.complete:
				d.Span = cleanSpan(spv.text, &n)
			case spv.kind == jsonString:
				n.add("truncated", "kept the cut-off last entry %q without its incomplete span", label)
			case spv.kind != jsonNull:
				n.add("dropped_span", "span of %q is not a string; kept the entry with an empty span", label)
			}
		} else if cut {
			n.add("truncated", "kept the cut-off last entry %q (%s) without a span", label, status)
		}
		if cut && d.Span == "" && seenLS[[2]string{string(d.Label), string(d.Status)}] {
			// A cut-off repeat of an entry already kept adds nothing.
			dups++
			continue
		}
		seenLS[[2]string{string(d.Label), string(d.Status)}] = true
		if seen[d] {
			dups++
			continue
		}
		seen[d] = true
		out = append(out, d)
	}
	noteTruncation(loc, &n)
	if dups > 0 {
		n.add("deduplicated", "dropped %d repeated draft label(s) (same label, status and span)", dups)
	}
	out = dropNoFinding(out, func(d DraftLabel) (Label, bool) {
		return d.Label, d.Label.Positive() && d.Status == StatusPresent
	}, &n, "dropped no_finding because the draft asserts %s")
	return out, n.diagnostics(), nil
}

// dropNoFinding removes no_finding entries when any entry counts as a
// positive (by the caller's rule), because a positive must win: keeping the
// negative sentinel could hide an URGENT finding. It notes the drop with
// msg, whose %s is the list of positives.
func dropNoFinding[T any](out []T, classify func(T) (label Label, positive bool), n *notes, msg string) []T {
	var positives []string
	for _, e := range out {
		if l, pos := classify(e); pos {
			positives = append(positives, string(l))
		}
	}
	if len(positives) == 0 {
		return out
	}
	kept := out[:0]
	dropped := false
	for _, e := range out {
		if l, _ := classify(e); l == NoFinding {
			dropped = true
			continue
		}
		kept = append(kept, e)
	}
	if dropped {
		n.add("conflicting_no_finding", msg, strings.Join(positives, ", "))
	}
	return kept
}

// noteTruncation notes that the list itself was cut off.
func noteTruncation(loc located, n *notes) {
	if loc.truncated {
		n.add("truncated", "the output was cut off; kept the %d complete entr(ies) before the cut", completeCount(loc.entries))
	}
}

func completeCount(es []jsonValue) int {
	c := 0
	for _, e := range es {
		if e.complete {
			c++
		}
	}
	return c
}

// entryLabel reads and normalizes an entry's label. cut says the entry is
// the cut-off last one, whose label counts only if its string closed.
func entryLabel(e jsonValue, cut bool, n *notes) (Label, bool) {
	lv, ok := e.member(labelKeys...)
	switch {
	case !ok && cut:
		n.add("truncated", "dropped the cut-off last entry: it has no complete label")
		return "", false
	case !ok:
		n.add("dropped_entry", "dropped an entry without a label")
		return "", false
	case !lv.complete:
		n.add("truncated", "dropped the cut-off last entry: its label was cut off")
		return "", false
	case lv.kind != jsonString:
		n.add("dropped_entry", "dropped an entry whose label is not a string")
		return "", false
	}
	l, ok := NormalizeLabel(lv.text)
	if !ok {
		n.add("dropped_label", "dropped unknown label %s", quoteHead(lv.text, 64))
		return "", false
	}
	if string(l) != lv.text {
		n.add("normalized_label", "read label %s as %q", quoteHead(lv.text, 64), l)
	}
	return l, true
}

// entryBox turns a box_2d value into a well-formed Box, or nil (noted) when
// it cannot be one. null means "no box" and is not noted.
func entryBox(v jsonValue, label Label, n *notes) *Box {
	if v.kind == jsonNull && v.complete {
		return nil
	}
	drop := func(why string, args ...any) *Box {
		n.add("dropped_box", "dropped the box of %q (kept the label): "+why, append([]any{label}, args...)...)
		return nil
	}
	if v.kind != jsonArray {
		return drop("box_2d is not an array")
	}
	if !v.complete {
		return drop("box_2d was cut off")
	}
	if len(v.elems) != 4 {
		return drop("box_2d has %d values, want 4 [y0,x0,y1,x1]", len(v.elems))
	}
	var c [4]float64
	lits := make([]string, 4)
	for i, e := range v.elems {
		if e.kind != jsonNumber {
			return drop("box_2d value %d is not a number", i+1)
		}
		lits[i] = e.text
		f, err := strconv.ParseFloat(e.text, 64)
		if errors.Is(err, strconv.ErrRange) && !math.IsInf(f, 0) {
			err = nil // underflow to a tiny or zero value is harmless
		}
		switch {
		case errors.Is(err, strconv.ErrRange):
			return drop("box_2d value %s overflows float64", quoteHead(e.text, 32))
		case err != nil:
			return drop("box_2d value %s is not a number", quoteHead(e.text, 32))
		case math.IsNaN(f) || math.IsInf(f, 0):
			return drop("box_2d value %s is not finite", quoteHead(e.text, 32))
		}
		c[i] = f
	}
	desc := "[" + strings.Join(lits, " ") + "]"
	b, read := ReadBox(c)
	if read.Outside {
		return drop("box_2d %s lies far outside the image", desc)
	}
	if !b.Valid() {
		return drop("box_2d %s has zero area", desc)
	}
	// Repairs are noted only for a box that is kept in the end.
	var repairs []string
	if read.Rescaled {
		repairs = append(repairs, "rescaled_box")
	}
	if read.Reordered {
		repairs = append(repairs, "reordered_box")
	}
	if read.Clamped {
		repairs = append(repairs, "clamped_box")
	}
	for _, r := range repairs {
		switch r {
		case "rescaled_box":
			n.add(r, "read the box of %q as 0-1000 coordinates and divided by 1000", label)
		case "reordered_box":
			n.add(r, "reordered the inverted corners of the box of %q", label)
		case "clamped_box":
			n.add(r, "clamped the box of %q onto the image", label)
		}
	}
	return &b
}

// readExtras reads an entry's confidence (a number, or a numeric string,
// in [0,1]) and evidence (a string, made safe to print) into f. A value of
// another kind, out of range or cut off is dropped and noted; null is
// silently nothing. Neither changes which entries are kept.
func readExtras(e jsonValue, f *Finding, n *notes) {
	if cv, ok := e.member("confidence"); ok && cv.kind != jsonNull {
		v, err := strconv.ParseFloat(strings.TrimSpace(cv.text), 64)
		switch {
		case !cv.complete:
			n.add("truncated", "dropped the cut-off confidence of %q", f.Label)
		case cv.kind != jsonNumber && cv.kind != jsonString, err != nil:
			n.add("dropped_confidence", "dropped the confidence of %q: %s is not a number", f.Label, quoteHead(cv.text, 32))
		case math.IsNaN(v) || v < 0 || v > 1:
			n.add("dropped_confidence", "dropped the confidence of %q: %s is outside [0,1]", f.Label, quoteHead(cv.text, 32))
		default:
			f.Confidence = &v
		}
	}
	if ev, ok := e.member("evidence"); ok && ev.kind != jsonNull {
		switch {
		case !ev.complete:
			n.add("truncated", "dropped the cut-off evidence of %q", f.Label)
		case ev.kind != jsonString:
			n.add("dropped_evidence", "dropped the evidence of %q: it is not a string", f.Label)
		default:
			f.Evidence = cleanText(ev.text, "sanitized_evidence", "an evidence phrase", n)
		}
	}
}

// cleanSpan trims s and makes it safe to print: control characters become
// spaces, invalid UTF-8 becomes U+FFFD.
func cleanSpan(s string, n *notes) string {
	return cleanText(s, "sanitized_span", "a span", n)
}

// cleanText is cleanSpan with the note's kind and the thing's name.
func cleanText(s, kind, what string, n *notes) string {
	s = strings.TrimSpace(s)
	clean := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	if clean != s {
		n.add(kind, "replaced control characters or invalid UTF-8 in %s", what)
	}
	return strings.TrimSpace(clean)
}
