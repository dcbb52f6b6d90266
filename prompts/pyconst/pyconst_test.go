package pyconst

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readCases are modules whose constant P Python reads to want. Each is
// also checked against python3 itself (TestReadAgreesWithPython).
var readCases = []struct {
	name, src, want string
}{
	{"plain", `P = "abc"`, "abc"},
	{"single quotes", `P = 'it"s'`, `it"s`},
	{"annotated", "P: str = 'x'\n", "x"},
	{"annotated generic", "P: Final[str] = 'x'\n", "x"},
	{"u prefix", `P = u"x" U'y'`, "xy"},
	{"adjacent", `P = "a" 'b' """c""" '''d'''`, "abcd"},
	{"parenthesized over lines with comments", "P = (\n    \"one \"  # first\n    # between\n    'two'\n)\n", "one two"},
	{"double parentheses", `P = (("a" "b"))`, "ab"},
	{"backslash joins lines", "P = \\\n    \"a\" \\\n    \"b\"\n", "ab"},
	{"triple with continuation", "P = \"\"\"\\\nfirst \\\nsame line\nsecond\n\"\"\"\n", "first same line\nsecond\n"},
	{"continuation in single quotes", "P = 'a\\\nb'\n", "ab"},
	{"simple escapes", `P = "\\ \' \" \a \b \f \n \r \t \v"`, "\\ ' \" \a \b \f \n \r \t \v"},
	{"octal", `P = "\0\7\101\1010\777"`, "\x00\x07AA0\u01ff"},
	{"hex and unicode", `P = "\x41\xe9\u00e9\u2014\U0001F600"`, "A\u00e9\u00e9\u2014\U0001F600"},
	{"unknown escape kept", `P = "\d\q\ \é"`, `\d\q\ \é`},
	{"raw UTF-8", `P = "é — 😀"`, "é — 😀"},
	{"quotes inside triple", `P = '''say """hi""" and 'x' '''`, `say """hi""" and 'x' `},
	{"escaped quote at end of triple", `P = """a\""""`, `a"`},
	{"hash inside", `P = "# not a comment"  # a comment`, "# not a comment"},
	{"empty", `P = ""`, ""},
	{"CRLF read as LF", "P = \"\"\"a\r\nb\rc\"\"\"\r\n", "a\nb\nc"},
	{"escaped CR stays", "P = 'a\\r\\n'\r\n", "a\r\n"},
	{"byte order mark", "\xef\xbb\xbfP = 'x'", "x"},
	{"coding utf-8", "# -*- coding: utf-8 -*-\nP = 'x'", "x"},
	{"chained", `A = P = "x"`, "x"},
	{"semicolons", `A = 1; P = "x"; B = 2`, "x"},
	{"local in def ignored", "def f():\n    P = 'local'\n    return P\nP = 'module'\n", "module"},
	{"class attribute ignored", "class C:\n    P = 'attr'\n\n    def m(self):\n        P = 1\nP = 'module'\n", "module"},
	{"one-line def ignored", "def f(): P = 'local'\nP = 'module'\n", "module"},
	{"use after is fine", "P = 'x'\nQ = P.format(a=1) + P\nprint(P)\n", "x"},
	{"keyword argument is not a binding", "P = 'x'\nf(P='y')\n", "x"},
	{"docstring mentioning it", "\"\"\"P = 'fake'\"\"\"\nP = 'real'\n", "real"},
	{"other code skipped", "import re\nR = re.compile(r\"<t>.*?\\\"</t>\", re.S)\nF = f\"{R!r:>{10}} {'}'}\"\nB = b'\\x00'\nN = 1e-5 + 0x1F + .5j\nP = 'x'\n", "x"},
	{"nested f-string quotes", "F = f'{\"a\" + \"}\"}'\nP = 'x'\n", "x"},
	{"braces kept raw", `P = "{label} {{x}}"`, "{label} {{x}}"},
	{"tabs and form feeds", "if True:\n\tx = 1\n\fP = 'x'\n", "x"},
}

func TestConstant(t *testing.T) {
	for _, tt := range readCases {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse("m.py", []byte(tt.src))
			require.NoError(t, err)
			got, err := m.Constant("P")
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.Value)
			assert.Equal(t, "P", got.Name)
			assert.Len(t, got.lines, len(got.Value), "a line for every byte")
		})
	}
}

// refuseCases cannot be read exactly; the error names the line.
var refuseCases = []struct {
	name, src, want string
	line            int
}{
	{"raw string", "\n\nP = r'\\d'\n", `the prefix "r"`, 3},
	{"f-string", "x = 1\nP = (\n  'a'\n  f'{x}')\n", `the prefix "f"`, 4},
	{"bytes", "P = b'x'", `the prefix "b"`, 1},
	{"rb", "P = Rb'x'", `the prefix "Rb"`, 1},
	{"t-string", "P = t'x'", `the prefix "t"`, 1},
	{"plus", "P = 'a' + 'b'", `it holds "+"`, 1},
	{"method call", "P = 'a'.upper()", `it holds "."`, 1},
	{"a name", "Q = 'a'\nP = Q\n", `it holds "Q"`, 2},
	{"tuple", "P = 'a',", `it holds ","`, 1},
	{"conditional expression", "P = 'a' if X else 'b'", `it holds "if"`, 1},
	{"bound twice", "P = 'a'\n\nP = 'b'\n", "bound again here (first on line 1)", 3},
	{"changed by +=", "P = 'a'\nP += 'b'\n", "bound again here", 2},
	{"assigned in if", "if X:\n    P = 'a'\n", "inside a block", 2},
	{"assigned in try", "try:\n    P = 'a'\nexcept E:\n    pass\n", "inside a block", 2},
	{"one-line if", "if X: P = 'a'\n", "inside a compound statement", 1},
	{"unpacking", "P, Q = 'a', 'b'", "several names bound together", 1},
	{"walrus", "P = 'a'\nif (P := 'b'):\n    pass\n", "bound again here", 2},
	{"import as", "P = 'a'\nimport x as P\n", "bound again here", 2},
	{"from import", "from m import (Q,\n    P)\n", "it is imported", 2},
	{"for loop", "for P in xs:\n    pass\n", "bound by for", 1},
	{"def of the name", "def P():\n    pass\n", "def or class", 1},
	{"\\N escape", "P = (\n 'a'\n '\\N{BULLET}')\n", `\N{...}`, 3},
	{"lone surrogate", "P = '\\ud800'", "lone surrogate", 1},
	{"beyond Unicode", "P = '\\U00110000'", "beyond the last Unicode code point", 1},
	{"short hex", "P = '\\x4'", `truncated \x escape`, 1},
	{"short unicode", "P = '\\u12g4'", `truncated \u escape`, 1},
	{"newline in single quotes", "\nP = 'a\nb'\n", "runs past the end of its line", 2},
	{"unterminated triple", "P = '''abc\n\n", "never closed", 1},
	{"unclosed bracket", "P = ('a'\n\n", "never closed", 1},
	{"stray closer", "P = 'a')\n", "never opened", 1},
	{"latin-1 source", "# coding: latin-1\nP = 'x'\n", `encoding "latin-1"`, 1},
	{"not UTF-8", "P = 'a'\nQ = '\xff'\n", "not UTF-8", 2},
	{"NUL byte", "P = 'a'\n\x00", "NUL byte", 2},
	{"stray backslash", "P = 'a' \\ 'b'", "backslash outside a string", 1},
	{"annotation only, then nothing", "P: str = \n", "not assigned a string", 1},
}

func TestConstantRefuses(t *testing.T) {
	for _, tt := range refuseCases {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse("m.py", []byte(tt.src))
			if err == nil {
				_, err = m.Constant("P")
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			var pe *Error
			require.ErrorAs(t, err, &pe, "every refusal names its line")
			assert.Equal(t, tt.line, pe.Line, err.Error())
			assert.Equal(t, "m.py", pe.File)
		})
	}
}

func TestConstantNotFound(t *testing.T) {
	m, err := Parse("m.py", []byte("Q = 'a'\nP: str\ndef f():\n    P = 'x'\n"))
	require.NoError(t, err)
	_, err = m.Constant("P")
	require.ErrorIs(t, err, ErrNotFound, "an annotation alone and a local do not bind it")
	assert.Equal(t, "m.py: P not defined at module level", err.Error())
}

func TestFormat(t *testing.T) {
	vals := map[string]string{"label_list": "a, b", "no_finding": "none", "draft_report": "{x} }{"}
	for _, tt := range []struct {
		name, src, want string
	}{
		{"fields and braces", `P = "[{{\"l\": \"{no_finding}\"}}] of {label_list}"`, `[{"l": "none"}] of a, b`},
		{"value not re-read", `P = "Draft: {draft_report}!"`, "Draft: {x} }{!"},
		{"field twice", `P = "{no_finding}/{no_finding}"`, "none/none"},
		{"no fields", `P = "plain"`, "plain"},
		{"quadruple braces", `P = "{{{{x}}}}"`, "{{x}}"},
		{"brace pairs around a field", `P = "{{{no_finding}}}"`, "{none}"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := constant(t, tt.src)
			got, err := s.Format(vals)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestFormatRefuses(t *testing.T) {
	vals := map[string]string{"label_list": "a"}
	for _, tt := range []struct {
		name, src, want string
		line            int
	}{
		{"unknown field", "P = '''a\n{nope}'''", "unknown field {nope} (known: label_list)", 2},
		{"positional", "P = ('a\\n'\n '{}')", "positional", 2},
		{"numbered", "P = '{0}'", "positional", 1},
		{"conversion", "P = '''\n\n{label_list!r}'''", "conversion", 3},
		{"format spec", "P = '{label_list:>10}'", "format spec", 1},
		{"attribute", "P = '{label_list.x}'", "attribute or index", 1},
		{"index", "P = '{label_list[0]}'", "attribute or index", 1},
		{"single close", "P = '''a\nb}'''", "a single '}'", 2},
		{"single open", "P = '''a\n\nb{'''", "a single '{'", 3},
		{"nested open", "P = '{a{b}}'", "a single '{'", 1},
		{"spaces in name", "P = '{ label_list }'", "unknown field", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := constant(t, tt.src).Format(vals)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			var pe *Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.line, pe.Line, err.Error())
		})
	}
	_, err := constant(t, "P = '{x}'").Format(nil)
	assert.True(t, errors.Is(err, ErrUnknownField))
}

func TestPieces(t *testing.T) {
	s := constant(t, "P = '''a {{b}}\n{draft_report}\nc'''")
	p, err := s.Pieces()
	require.NoError(t, err)
	assert.Equal(t, []Piece{{Text: "a {b}\n", Line: 1}, {Field: "draft_report", Line: 2}, {Text: "\nc", Line: 2}}, p)
}

func constant(t *testing.T, src string) Str {
	t.Helper()
	m, err := Parse("m.py", []byte(src))
	require.NoError(t, err)
	s, err := m.Constant("P")
	require.NoError(t, err)
	return s
}
