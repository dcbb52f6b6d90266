package pyconst

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// ErrNotFound is wrapped by Module.Constant's error for a name the module
// never binds at module level.
var ErrNotFound = errors.New("not defined at module level")

// Module is a tokenized Python module.
type Module struct {
	file  string
	lines []logicalLine
}

// codingDecl matches a PEP 263 source encoding declaration.
var codingDecl = regexp.MustCompile(`^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)`)

// Parse tokenizes the Python source src; file names it in errors. The
// source must be UTF-8 (a byte order mark is dropped, a declared encoding
// other than UTF-8 is refused) without NUL bytes, and must tokenize: every
// string and bracket closed.
func Parse(file string, src []byte) (*Module, error) {
	s := strings.TrimPrefix(string(src), "\xef\xbb\xbf")
	if i := strings.IndexByte(s, 0); i >= 0 {
		return nil, errorf(file, 1+strings.Count(s[:i], "\n"), "the source holds a NUL byte")
	}
	if !utf8.ValidString(s) {
		i := 0
		for i < len(s) {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			i += n
		}
		return nil, errorf(file, 1+strings.Count(s[:i], "\n"), "the source is not UTF-8")
	}
	// Python reads source with universal newlines: CRLF and CR are LF,
	// inside triple-quoted strings too.
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	for i, l := range strings.SplitN(s, "\n", 3)[:min(2, strings.Count(s, "\n")+1)] {
		m := codingDecl.FindStringSubmatch(l)
		if m == nil {
			if strings.TrimSpace(l) != "" && !strings.HasPrefix(strings.TrimSpace(l), "#") {
				break // only a comment line may come before the declaration
			}
			continue
		}
		switch strings.ToLower(strings.ReplaceAll(m[1], "_", "-")) {
		case "utf-8", "utf8", "utf-8-sig":
		default:
			return nil, errorf(file, i+1, "the source declares the encoding %q; only UTF-8 is read", m[1])
		}
	}
	lines, err := lex(file, s)
	if err != nil {
		return nil, err
	}
	return &Module{file: file, lines: lines}, nil
}

// binding is one statement that binds the wanted name.
type binding struct {
	line  int
	value []token // the assigned expression; nil when it cannot be read
	why   string  // why it cannot be read, when value is nil
}

// Constant returns the value of the module-level constant name. The module
// must bind it exactly once, unconditionally (at the top level, not inside
// an if, for, try or with block), as NAME = ... or NAME: TYPE = ..., to
// plain string literals: one, or several adjacent ones, optionally in
// parentheses. Bindings inside functions and classes are local and do not
// count. Anything else is an *Error naming the line; a name never bound
// wraps ErrNotFound.
func (m *Module) Constant(name string) (Str, error) {
	var found []binding
	var scopes []int // indents of enclosing def and class statements
	for _, l := range m.lines {
		for len(scopes) > 0 && l.indent <= scopes[len(scopes)-1] {
			scopes = scopes[:len(scopes)-1]
		}
		if len(scopes) > 0 {
			continue
		}
		if opensScope(l.toks) {
			if n := definedName(l.toks); n == name {
				found = append(found, binding{line: l.line, why: "it is a def or class"})
			}
			scopes = append(scopes, l.indent)
			continue
		}
		for _, st := range statements(l.toks) {
			b, ok := bindingOf(st, name)
			if !ok {
				continue
			}
			if l.indent > 0 && b.why == "" {
				b.value, b.why = nil, "it is assigned inside a block (if, for, try, with...), so its value depends on running the module"
			}
			found = append(found, b)
		}
	}
	switch len(found) {
	case 0:
		return Str{}, fmt.Errorf("%s: %s %w", m.file, name, ErrNotFound)
	case 1:
	default:
		return Str{}, errorf(m.file, found[1].line, "%s is bound again here (first on line %d); only a constant bound once is read", name, found[0].line)
	}
	b := found[0]
	if b.value == nil {
		return Str{}, errorf(m.file, b.line, "%s cannot be read exactly: %s", name, b.why)
	}
	return m.literal(name, b)
}

// opensScope reports whether a logical line starts a def or class
// (decorated or async), whose body is a scope of its own.
func opensScope(toks []token) bool {
	if len(toks) == 0 || toks[0].kind != tName {
		return false
	}
	switch toks[0].text {
	case "def", "class":
		return true
	case "async":
		return len(toks) > 1 && toks[1].kind == tName && toks[1].text == "def"
	}
	return false
}

// definedName is the name a def or class line defines.
func definedName(toks []token) string {
	for i, t := range toks[:len(toks)-1] {
		if t.kind == tName && (t.text == "def" || t.text == "class") && toks[i+1].kind == tName {
			return toks[i+1].text
		}
	}
	return ""
}

// statements splits a logical line at its top-level semicolons.
func statements(toks []token) [][]token {
	var out [][]token
	depth, start := 0, 0
	for i, t := range toks {
		if t.kind != tOp {
			continue
		}
		switch t.text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
		case ";":
			if depth == 0 {
				out = append(out, toks[start:i])
				start = i + 1
			}
		}
	}
	return append(out, toks[start:])
}

// augmented are the augmented assignment operators.
var augmented = map[string]bool{"+=": true, "-=": true, "*=": true, "/=": true, "//=": true, "%=": true,
	"**=": true, ">>=": true, "<<=": true, "&=": true, "|=": true, "^=": true, "@=": true}

// binders are the keywords after which a name is bound.
var binders = map[string]bool{"as": true, "for": true, "import": true, "del": true, "global": true, "nonlocal": true}

// compound are the keywords that open a block, whose body may follow on
// the same line.
var compound = map[string]bool{"if": true, "elif": true, "else": true, "while": true, "for": true, "try": true,
	"except": true, "finally": true, "with": true, "match": true, "case": true, "async": true}

// bindingOf reports whether statement st binds name, and how.
func bindingOf(st []token, name string) (binding, bool) {
	if len(st) == 0 {
		return binding{}, false
	}
	parts := splitAssign(st)
	if len(parts) >= 2 && !(st[0].kind == tName && compound[st[0].text]) {
		for i, p := range parts[:len(parts)-1] {
			switch {
			case len(p) == 1 && isName(p[0], name):
				return binding{line: p[0].line, value: parts[len(parts)-1]}, true
			case i == 0 && len(p) >= 2 && isName(p[0], name) && isOp(p[1], ":"):
				return binding{line: p[0].line, value: parts[len(parts)-1]}, true
			case mentionsAtTop(p, name):
				return binding{line: p[0].line, why: "it is one of several names bound together"}, true
			}
		}
	}
	imports := st[0].kind == tName && (st[0].text == "import" || st[0].text == "from")
	depth := 0
	for i, t := range st {
		switch {
		case isOp(t, "(") || isOp(t, "[") || isOp(t, "{"):
			depth++
		case isOp(t, ")") || isOp(t, "]") || isOp(t, "}"):
			depth--
		}
		if !isName(t, name) || i > 0 && isOp(st[i-1], ".") {
			continue
		}
		if imports {
			return binding{line: t.line, why: "it is imported"}, true
		}
		next := ""
		if i+1 < len(st) && st[i+1].kind == tOp {
			next = st[i+1].text
		}
		prev := ""
		if i > 0 && st[i-1].kind == tName {
			prev = st[i-1].text
		}
		switch {
		case augmented[next]:
			return binding{line: t.line, why: "it is changed by " + next}, true
		case next == ":=":
			return binding{line: t.line, why: "it is bound by :="}, true
		case binders[prev]:
			return binding{line: t.line, why: "it is bound by " + prev}, true
		case next == "=" && i > 0 && depth == 0:
			return binding{line: t.line, why: "it is assigned inside a compound statement"}, true
		}
	}
	return binding{}, false
}

// splitAssign splits a statement at its top-level "=" signs.
func splitAssign(st []token) [][]token {
	var out [][]token
	depth, start := 0, 0
	for i, t := range st {
		if t.kind != tOp {
			continue
		}
		switch t.text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
		case "=":
			if depth == 0 {
				out = append(out, st[start:i])
				start = i + 1
			}
		}
	}
	return append(out, st[start:])
}

// mentionsAtTop reports whether name is a bare name of p outside brackets.
func mentionsAtTop(p []token, name string) bool {
	depth := 0
	for i, t := range p {
		switch {
		case isOp(t, "(") || isOp(t, "[") || isOp(t, "{"):
			depth++
		case isOp(t, ")") || isOp(t, "]") || isOp(t, "}"):
			depth--
		case depth == 0 && isName(t, name) && (i == 0 || !isOp(p[i-1], ".")):
			return true
		}
	}
	return false
}

func isName(t token, name string) bool { return t.kind == tName && t.text == name }
func isOp(t token, op string) bool     { return t.kind == tOp && t.text == op }

// literal decodes a binding's value: plain string literals, adjacent,
// optionally in parentheses.
func (m *Module) literal(name string, b binding) (Str, error) {
	v := b.value
	for len(v) >= 2 && isOp(v[0], "(") && isOp(v[len(v)-1], ")") && closes(v) {
		v = v[1 : len(v)-1]
	}
	if len(v) == 0 {
		return Str{}, errorf(m.file, b.line, "%s is not assigned a string", name)
	}
	var w builder
	for _, t := range v {
		if t.kind != tString {
			return Str{}, errorf(m.file, t.line, "%s is not plain string literals: it holds %q; only adjacent string literals (optionally in parentheses) are read", name, t.text)
		}
		if p := strings.ToLower(t.text); p != "" && p != "u" {
			return Str{}, errorf(m.file, t.line, "%s holds a string with the prefix %q (%s); only plain string literals are read", name, t.text, prefixMeaning(p))
		}
		if err := decode(m.file, t, &w); err != nil {
			return Str{}, err
		}
	}
	return Str{Name: name, Line: b.line, Value: w.b.String(), file: m.file, lines: w.lines}, nil
}

// closes reports whether the opening bracket v[0] is closed by the last
// token (not earlier).
func closes(v []token) bool {
	depth := 0
	for i, t := range v {
		switch {
		case isOp(t, "(") || isOp(t, "[") || isOp(t, "{"):
			depth++
		case isOp(t, ")") || isOp(t, "]") || isOp(t, "}"):
			depth--
			if depth == 0 {
				return i == len(v)-1
			}
		}
	}
	return false
}

// prefixMeaning says what a refused prefix makes of a literal.
func prefixMeaning(p string) string {
	switch {
	case strings.ContainsAny(p, "f"):
		return "an f-string is computed when the module runs"
	case strings.ContainsAny(p, "t"):
		return "a t-string is a template object, not a string"
	case strings.ContainsAny(p, "b"):
		return "a bytes literal is not text"
	}
	return "a raw string; rewrite it as a plain literal"
}
