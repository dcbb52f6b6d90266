package pyconst

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokKind is the kind of one token.
type tokKind int

const (
	tName tokKind = iota
	tString
	tNumber
	tOp
)

// token is one Python token. A string token keeps its prefix, its quote
// and its undecoded body; only the constants asked for are decoded.
type token struct {
	kind tokKind
	// text is the name, number or operator; for a string, its prefix.
	text string
	line int
	// The body of a string literal between its quotes, the line it starts
	// on, and its quote (', ", ''' or """).
	body     string
	bodyLine int
	quote    string
}

// logicalLine is one logical line: the tokens from its first to its end,
// with brackets and backslash-newlines joined, and the column of its first
// token (tabs to the next multiple of 8, as Python counts them).
type logicalLine struct {
	indent int
	line   int
	toks   []token
}

// lexer splits normalized source (LF line ends, valid UTF-8) into logical
// lines.
type lexer struct {
	src   string
	pos   int
	line  int
	file  string
	lines []logicalLine
	cur   *logicalLine
	// open holds the line of every unclosed bracket.
	open []int
}

func (lx *lexer) errf(line int, format string, args ...any) error {
	return errorf(lx.file, line, format, args...)
}

// lex returns the logical lines of src.
func lex(file, src string) ([]logicalLine, error) {
	lx := &lexer{src: src, line: 1, file: file}
	for lx.pos < len(lx.src) {
		if lx.cur == nil && len(lx.open) == 0 {
			if !lx.startLine() {
				continue
			}
		}
		if err := lx.next(); err != nil {
			return nil, err
		}
	}
	if len(lx.open) > 0 {
		return nil, lx.errf(lx.open[len(lx.open)-1], "a bracket opened here is never closed")
	}
	lx.endLine()
	return lx.lines, nil
}

// startLine measures the indentation of a new line and skips it when it is
// blank or a comment; it reports whether a logical line started.
func (lx *lexer) startLine() bool {
	col := 0
	for lx.pos < len(lx.src) {
		switch lx.src[lx.pos] {
		case ' ':
			col++
		case '\t':
			col = col/8*8 + 8
		case '\f':
			col = 0
		default:
			goto done
		}
		lx.pos++
	}
done:
	if lx.pos >= len(lx.src) {
		return false
	}
	switch lx.src[lx.pos] {
	case '\n':
		lx.pos++
		lx.line++
		return false
	case '#':
		lx.skipComment()
		return false
	}
	lx.cur = &logicalLine{indent: col, line: lx.line}
	return true
}

func (lx *lexer) skipComment() {
	if i := strings.IndexByte(lx.src[lx.pos:], '\n'); i >= 0 {
		lx.pos += i
	} else {
		lx.pos = len(lx.src)
	}
}

func (lx *lexer) endLine() {
	if lx.cur != nil && len(lx.cur.toks) > 0 {
		lx.lines = append(lx.lines, *lx.cur)
	}
	lx.cur = nil
}

func (lx *lexer) emit(t token) {
	if lx.cur == nil {
		lx.cur = &logicalLine{line: t.line}
	}
	lx.cur.toks = append(lx.cur.toks, t)
}

// next reads one token (or skips space, a comment or a line join).
func (lx *lexer) next() error {
	c := lx.src[lx.pos]
	switch {
	case c == ' ' || c == '\t' || c == '\f':
		lx.pos++
	case c == '#':
		lx.skipComment()
	case c == '\\':
		if lx.pos+1 < len(lx.src) && lx.src[lx.pos+1] == '\n' {
			lx.pos += 2
			lx.line++
			return nil
		}
		return lx.errf(lx.line, "a backslash outside a string must end its line")
	case c == '\n':
		lx.pos++
		lx.line++
		if len(lx.open) == 0 {
			lx.endLine()
		}
	case c == '"' || c == '\'':
		return lx.stringToken("")
	case c >= '0' && c <= '9' || c == '.' && lx.pos+1 < len(lx.src) && isDigit(lx.src[lx.pos+1]):
		lx.number()
	case isNameStart(lx.src[lx.pos:]):
		name := lx.name()
		if lx.pos < len(lx.src) && (lx.src[lx.pos] == '"' || lx.src[lx.pos] == '\'') && isPrefix(name) {
			return lx.stringToken(name)
		}
		lx.emit(token{kind: tName, text: name, line: lx.line})
	default:
		return lx.op()
	}
	return nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isNameStart(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return r == '_' || unicode.IsLetter(r)
}

func isNameRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc, unicode.Nd, unicode.Pc)
}

func (lx *lexer) name() string {
	start := lx.pos
	for lx.pos < len(lx.src) {
		r, n := utf8.DecodeRuneInString(lx.src[lx.pos:])
		if !isNameRune(r) {
			break
		}
		lx.pos += n
	}
	return lx.src[start:lx.pos]
}

// isPrefix reports whether name is a string prefix Python accepts: u, or
// any order of r with one of b, f, t, or one of those alone, in any case.
func isPrefix(name string) bool {
	switch strings.ToLower(name) {
	case "u", "r", "b", "f", "t", "br", "rb", "fr", "rf", "tr", "rt":
		return true
	}
	return false
}

// number skips a numeric literal; its value is never needed.
func (lx *lexer) number() {
	start, line := lx.pos, lx.line
	for lx.pos < len(lx.src) {
		c := lx.src[lx.pos]
		switch {
		case isDigit(c) || c == '.' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			lx.pos++
		case (c == '+' || c == '-') && (lx.src[lx.pos-1] == 'e' || lx.src[lx.pos-1] == 'E') &&
			!strings.HasPrefix(strings.ToLower(lx.src[start:]), "0x"):
			lx.pos++
		default:
			lx.emit(token{kind: tNumber, text: lx.src[start:lx.pos], line: line})
			return
		}
	}
	lx.emit(token{kind: tNumber, text: lx.src[start:lx.pos], line: line})
}

// ops are Python's operators and delimiters of more than one character,
// longest first.
var ops = []string{"**=", "//=", ">>=", "<<=", "...", "->", ":=", "==", "!=", "<=", ">=",
	"+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=", "**", "//", "<<", ">>"}

func (lx *lexer) op() error {
	rest := lx.src[lx.pos:]
	for _, o := range ops {
		if strings.HasPrefix(rest, o) {
			lx.emit(token{kind: tOp, text: o, line: lx.line})
			lx.pos += len(o)
			return nil
		}
	}
	r, n := utf8.DecodeRuneInString(rest)
	switch r {
	case '(', '[', '{':
		lx.open = append(lx.open, lx.line)
	case ')', ']', '}':
		if len(lx.open) == 0 {
			return lx.errf(lx.line, "%q closes a bracket that was never opened", r)
		}
		lx.open = lx.open[:len(lx.open)-1]
	}
	if !strings.ContainsRune("()[]{},:;.=+-*/%&|^~<>@!", r) {
		return lx.errf(lx.line, "unexpected character %q", r)
	}
	lx.emit(token{kind: tOp, text: rest[:n], line: lx.line})
	lx.pos += n
	return nil
}

// stringToken reads a string literal starting at the quote at lx.pos.
func (lx *lexer) stringToken(prefix string) error {
	line := lx.line
	end, newLine, err := scanString(lx.src, lx.pos, lx.line, prefix)
	if err != nil {
		return lx.errf(err.line, "%s", err.msg)
	}
	q := lx.src[lx.pos : lx.pos+1]
	if strings.HasPrefix(lx.src[lx.pos:], q+q+q) {
		q = q + q + q
	}
	lx.emit(token{kind: tString, text: prefix, line: line, quote: q,
		body: lx.src[lx.pos+len(q) : end-len(q)], bodyLine: line})
	lx.pos, lx.line = end, newLine
	return nil
}

// scanErr is an error at a line, before the file name is known to it.
type scanErr struct {
	line int
	msg  string
}

// scanString finds the end of the string literal whose opening quote is at
// pos (on line), with prefix. It returns the offset just past the closing
// quote and the line there. An f- or t-string's replacement fields are
// skipped with their nested strings and brackets, so a quote inside one
// does not end the literal.
func scanString(src string, pos, line int, prefix string) (int, int, *scanErr) {
	start := line
	q := src[pos : pos+1]
	triple := strings.HasPrefix(src[pos:], q+q+q)
	if triple {
		q = q + q + q
	}
	fstr := strings.ContainsAny(prefix, "fFtT")
	i := pos + len(q)
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\\':
			if i+1 < len(src) && src[i+1] == '\n' {
				line++
			}
			i += 2
		case c == '\n':
			if !triple {
				return 0, 0, &scanErr{start, "a string literal opened here runs past the end of its line"}
			}
			line++
			i++
		case strings.HasPrefix(src[i:], q):
			return i + len(q), line, nil
		case fstr && c == '{':
			if i+1 < len(src) && src[i+1] == '{' {
				i += 2
				continue
			}
			var err *scanErr
			if i, line, err = skipField(src, i+1, line); err != nil {
				return 0, 0, err
			}
		default:
			i++
		}
	}
	return 0, 0, &scanErr{start, "a string literal opened here is never closed"}
}

// skipField skips an f-string replacement field from just after its '{'
// to just after its '}': nested strings, brackets and a format spec.
func skipField(src string, i, line int) (int, int, *scanErr) {
	start := line
	depth := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == '"' || c == '\'':
			var err *scanErr
			if i, line, err = scanString(src, i, line, ""); err != nil {
				return 0, 0, err
			}
		case isNameStart(src[i:]):
			j := i
			for j < len(src) {
				r, n := utf8.DecodeRuneInString(src[j:])
				if !isNameRune(r) {
					break
				}
				j += n
			}
			if j < len(src) && (src[j] == '"' || src[j] == '\'') && isPrefix(src[i:j]) {
				var err *scanErr
				if i, line, err = scanString(src, j, line, src[i:j]); err != nil {
					return 0, 0, err
				}
				continue
			}
			i = j
		case c == '(' || c == '[' || c == '{':
			depth++
			i++
		case c == ')' || c == ']':
			depth--
			i++
		case c == '}':
			if depth == 0 {
				return i + 1, line, nil
			}
			depth--
			i++
		case c == ':' && depth == 0 && !strings.HasPrefix(src[i:], ":="):
			return skipSpec(src, i+1, line)
		default:
			i++
		}
	}
	return 0, 0, &scanErr{start, "an f-string field opened here is never closed"}
}

// skipSpec skips a format spec (literal text with nested fields) up to and
// past the '}' that closes its field.
func skipSpec(src string, i, line int) (int, int, *scanErr) {
	start := line
	for i < len(src) {
		switch src[i] {
		case '\n':
			line++
			i++
		case '{':
			var err *scanErr
			if i, line, err = skipField(src, i+1, line); err != nil {
				return 0, 0, err
			}
		case '}':
			return i + 1, line, nil
		default:
			i++
		}
	}
	return 0, 0, &scanErr{start, "an f-string field opened here is never closed"}
}
