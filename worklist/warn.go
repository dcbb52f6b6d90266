package worklist

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Warning is a worklist problem that skips nothing: an unknown CSV column
// or JSONL key, ignored. It names the file and line (1: the CSV header;
// the first JSONL line with the key).
type Warning struct {
	File string
	Line int
	Msg  string
}

// Error formats the warning as "file:line: msg" ("file: msg" when Line
// is 0: about the whole file).
func (w Warning) Error() string {
	if w.Line == 0 {
		return fmt.Sprintf("%s: %s", w.File, w.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", w.File, w.Line, w.Msg)
}

// OnWarning has each Warning passed to f as it is found; without it Load
// keeps them in List.Warnings and Scan drops them.
func OnWarning(f func(Warning)) Option {
	return func(c *config) { c.warn = f }
}

// knownKeys are the columns and keys a worklist may have.
var knownKeys = colNames[:]

// unknownKey is the warning for a column or key that is not one of
// knownKeys, with the known one it is probably a typo of.
func unknownKey(kind, name string) string {
	msg := fmt.Sprintf("unknown %s %q is ignored", kind, name)
	if near := didYouMean(name, knownKeys); near != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", near)
	}
	return msg + "; the known ones are " + strings.Join(knownKeys, ", ")
}

// didYouMean returns the name in known closest to s, when it is close
// enough to be a typo (at most 2 edits, fewer than half its length), or "".
func didYouMean(s string, known []string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(s, k); d < bestD && 2*d < len(k) {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the Damerau (optimal string alignment) distance: a
// swapped pair of letters ("truht") is one edit.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// warnf records a warning at line.
func (b *rowBuilder) warnf(line int, format string, args ...any) {
	w := Warning{File: b.file, Line: line, Msg: fmt.Sprintf(format, args...)}
	if b.warn != nil {
		b.warn(w)
		return
	}
	if !b.streaming() {
		b.warnings = append(b.warnings, w)
	}
}

// unknownJSONKey reports whether err is encoding/json's unknown-field
// error, and the key it names.
func unknownJSONKey(err error) (string, bool) {
	const prefix = "json: unknown field "
	s := err.Error()
	if !strings.HasPrefix(s, prefix) {
		return "", false
	}
	var key string
	if json.Unmarshal([]byte(strings.TrimPrefix(s, prefix)), &key) != nil {
		return "", false
	}
	return key, true
}

// truthError says what is wrong with a truth value in the project's
// words, not encoding/json's ("cannot unmarshal string into Go value of
// type []schema.Finding").
func truthError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		where := "the value"
		if te.Field != "" {
			where = "key " + strconvQuote(te.Field)
		}
		return fmt.Errorf("truth: %s is a JSON %s; want %s", where, te.Value, truthShape(te.Field))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("truth: not valid JSON (it ends before the array closes); want %s", truthShape(""))
	case errors.As(err, &se):
		return fmt.Errorf("truth: not valid JSON at byte %d (%s); want %s", se.Offset, strings.TrimPrefix(se.Error(), "json: "), truthShape(""))
	}
	if key, ok := unknownJSONKey(err); ok {
		msg := fmt.Sprintf("truth: unknown key %q in a finding", key)
		if near := didYouMean(key, findingKeys); near != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", near)
		}
		return errors.New(msg + "; a finding has " + strings.Join(findingKeys, ", "))
	}
	return fmt.Errorf("truth: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// findingKeys are the keys of a truth finding.
var findingKeys = []string{"label", "box_2d", "confidence", "evidence"}

// truthShape says what the truth value (field "") or one of its keys
// should be.
func truthShape(field string) string {
	switch {
	case field == "":
		return `a JSON array of findings, like [{"label":"pneumothorax","box_2d":[y0,x0,y1,x1]}], or [] for none`
	case strings.HasSuffix(field, "box_2d"):
		return "four numbers [y0,x0,y1,x1] from 0 to 1"
	case strings.HasSuffix(field, "label"):
		return "a label name in quotes"
	case strings.HasSuffix(field, "confidence"):
		return "a number from 0 to 1"
	}
	return "a finding object with label and box_2d"
}

func strconvQuote(s string) string { return fmt.Sprintf("%q", s) }
