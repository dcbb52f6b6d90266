package pyconst

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Error is a place in a Python file that cannot be read exactly, and why.
type Error struct {
	File string
	Line int
	Msg  string
	// Err is a sentinel the error wraps (ErrUnknownField), or nil.
	Err error
}

// Error returns "FILE:LINE: message".
func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

func errorf(file string, line int, format string, args ...any) error {
	return &Error{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// Str is the value of a string constant, with the source line of every
// byte so that Format can name the line of a bad field.
type Str struct {
	// Name is the constant's name and Line the line of its assignment.
	Name string
	Line int
	// Value is the constant's value, as Python holds it.
	Value string
	file  string
	lines []int
}

// lineAt returns the source line of Value[i].
func (s Str) lineAt(i int) int {
	if i >= 0 && i < len(s.lines) {
		return s.lines[i]
	}
	return s.Line
}

// builder accumulates decoded bytes with their source lines.
type builder struct {
	b     strings.Builder
	lines []int
}

func (w *builder) byte(c byte, line int) {
	w.b.WriteByte(c)
	w.lines = append(w.lines, line)
}

func (w *builder) str(s string, line int) {
	w.b.WriteString(s)
	for range len(s) {
		w.lines = append(w.lines, line)
	}
}

// decode appends the value of the plain (or u-prefixed) string literal t
// to w, as Python decodes it.
func decode(file string, t token, w *builder) error {
	line := t.bodyLine
	body := t.body
	triple := len(t.quote) == 3
	for i := 0; i < len(body); {
		c := body[i]
		if c == '\n' {
			if !triple {
				return errorf(file, line, "a newline inside a single-quoted string")
			}
			w.byte(c, line)
			line++
			i++
			continue
		}
		if c != '\\' {
			w.byte(c, line)
			i++
			continue
		}
		n, err := decodeEscape(body[i:], line, w)
		if err != nil {
			return errorf(file, line, "%s", err)
		}
		if body[i+1] == '\n' {
			line++
		}
		i += n
	}
	return nil
}

// simpleEscapes maps the one-character escapes to their bytes.
var simpleEscapes = map[byte]byte{
	'\\': '\\', '\'': '\'', '"': '"', 'a': 7, 'b': 8, 'f': 12, 'n': '\n', 'r': '\r', 't': '\t', 'v': 11,
}

// decodeEscape decodes the escape sequence at the start of s (s[0] is a
// backslash; the lexer guarantees a character after it) and returns how
// many bytes it took.
func decodeEscape(s string, line int, w *builder) (int, error) {
	c := s[1]
	if c == '\n' {
		return 2, nil // line continuation: both go
	}
	if b, ok := simpleEscapes[c]; ok {
		w.byte(b, line)
		return 2, nil
	}
	switch c {
	case '0', '1', '2', '3', '4', '5', '6', '7':
		n := 1
		for n < 3 && 1+n < len(s) && s[1+n] >= '0' && s[1+n] <= '7' {
			n++
		}
		v, _ := strconv.ParseUint(s[1:1+n], 8, 32)
		w.str(string(rune(v)), line)
		return 1 + n, nil
	case 'x':
		return hexEscape(s, 2, line, w)
	case 'u':
		return hexEscape(s, 4, line, w)
	case 'U':
		return hexEscape(s, 8, line, w)
	case 'N':
		return 0, fmt.Errorf("the escape \\N{...} (a character by name) is not read: write the character itself or \\u/\\U")
	}
	// An unknown escape keeps its backslash (Python warns but keeps it).
	w.byte('\\', line)
	return 1, nil
}

// hexEscape decodes \x, \u or \U with exactly digits hex digits.
func hexEscape(s string, digits, line int, w *builder) (int, error) {
	if len(s) < 2+digits {
		return 0, fmt.Errorf("truncated \\%c escape: want %d hex digits", s[1], digits)
	}
	v, err := strconv.ParseUint(s[2:2+digits], 16, 32)
	if err != nil || strings.ContainsAny(s[2:2+digits], "+-_") {
		return 0, fmt.Errorf("truncated \\%c escape: want %d hex digits, got %q", s[1], digits, s[2:2+digits])
	}
	switch {
	case v > utf8.MaxRune:
		return 0, fmt.Errorf("\\%s is beyond the last Unicode code point", s[1:2+digits])
	case v >= 0xD800 && v <= 0xDFFF:
		return 0, fmt.Errorf("\\%s is a lone surrogate, which cannot be written as UTF-8", s[1:2+digits])
	}
	w.str(string(rune(v)), line)
	return 2 + digits, nil
}
