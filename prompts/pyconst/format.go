package pyconst

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Piece is one part of a format string: literal Text (doubled braces
// already made single), or a named Field to fill.
type Piece struct {
	Text  string
	Field string
	// Line is the source line the piece starts on.
	Line int
}

// ErrUnknownField is wrapped by Format's error for a field that values
// does not name (str.format would raise KeyError).
var ErrUnknownField = errors.New("unknown field")

// Pieces splits s as str.format reads it: "{{" and "}}" are literal
// braces, "{name}" is a named field. A field that is positional ({} or
// {0}), has an attribute or index ({a.b}, {a[0]}), a conversion ({a!r})
// or a format spec ({a:>10}), and a lone "{" or "}", are errors naming
// the line: they are not needed by a prompt and not rendered.
func (s Str) Pieces() ([]Piece, error) {
	var out []Piece
	var text strings.Builder
	textLine := s.Line
	flush := func() {
		if text.Len() > 0 {
			out = append(out, Piece{Text: text.String(), Line: textLine})
			text.Reset()
		}
	}
	v := s.Value
	for i := 0; i < len(v); {
		c := v[i]
		if text.Len() == 0 {
			textLine = s.lineAt(i)
		}
		switch {
		case c == '{' && i+1 < len(v) && v[i+1] == '{', c == '}' && i+1 < len(v) && v[i+1] == '}':
			text.WriteByte(c)
			i += 2
		case c == '}':
			return nil, s.errAt(i, "a single '}' (str.format needs '}}' for a literal brace)")
		case c == '{':
			end := strings.IndexAny(v[i+1:], "{}")
			if end < 0 || v[i+1+end] == '{' {
				return nil, s.errAt(i, "a single '{' (str.format needs '{{' for a literal brace)")
			}
			field := v[i+1 : i+1+end]
			if err := checkField(field); err != nil {
				return nil, s.errAt(i, "field {%s}: %v", field, err)
			}
			flush()
			out = append(out, Piece{Field: field, Line: s.lineAt(i)})
			i += end + 2
		default:
			text.WriteByte(c)
			i++
		}
	}
	flush()
	return out, nil
}

// checkField accepts a plain field name only.
func checkField(f string) error {
	switch {
	case f == "" || strings.Trim(f, "0123456789") == "":
		return errors.New("a positional field; only named fields are rendered")
	case strings.ContainsAny(f, "!"):
		return errors.New("a conversion (!r, !s, !a) is not rendered")
	case strings.ContainsAny(f, ":"):
		return errors.New("a format spec is not rendered")
	case strings.ContainsAny(f, ".["):
		return errors.New("an attribute or index is not rendered")
	}
	return nil
}

func (s Str) errAt(i int, format string, args ...any) error {
	return errorf(s.file, s.lineAt(i), "%s: %s", s.Name, fmt.Sprintf(format, args...))
}

// Format renders s as s.format(**values) would in Python: every named
// field replaced by its value, doubled braces made single. A field values
// does not name wraps ErrUnknownField; anything Pieces refuses is an error.
// Both name the line.
func (s Str) Format(values map[string]string) (string, error) {
	pieces, err := s.Pieces()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, p := range pieces {
		if p.Field == "" {
			b.WriteString(p.Text)
			continue
		}
		v, ok := values[p.Field]
		if !ok {
			known := make([]string, 0, len(values))
			for k := range values {
				known = append(known, k)
			}
			slices.Sort(known)
			return "", &Error{File: s.file, Line: p.Line,
				Msg: fmt.Sprintf("%s: %v {%s} (known: %s)", s.Name, ErrUnknownField, p.Field, strings.Join(known, ", ")),
				Err: ErrUnknownField}
		}
		b.WriteString(v)
	}
	return b.String(), nil
}
