package pyconst

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pyRead is a Python program that reads, for each module source (bytes, as
// a file would be) on its input, the top-level assignment to P with
// Python's own parser, and prints its value (and, when fields are given,
// value.format(**fields)) as hex of UTF-8, or the exception it raised.
const pyRead = `
import ast, json, sys
out = []
for case in json.load(sys.stdin):
    try:
        tree = ast.parse(bytes.fromhex(case["src"]))
        val = None
        for node in tree.body:
            if isinstance(node, ast.Assign):
                targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                targets = [node.target.id]
            else:
                continue
            if "P" in targets:
                val = ast.literal_eval(node.value)
        if case.get("fields") is not None:
            val = val.format(**case["fields"])
        out.append({"value": val.encode("utf-8").hex()})
    except Exception as e:
        out.append({"error": type(e).__name__ + ": " + str(e)})
print(json.dumps(out))
`

type pyCase struct {
	Src    string            `json:"src"`
	Fields map[string]string `json:"fields,omitempty"`
}

type pyResult struct {
	Value string `json:"value"`
	Error string `json:"error"`
}

// python runs pyRead over cases; the test is skipped without python3.
func python(t *testing.T, cases []pyCase) []pyResult {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not on PATH; the golden and table tests still run")
	}
	for i := range cases {
		cases[i].Src = hex.EncodeToString([]byte(cases[i].Src))
	}
	in, err := json.Marshal(cases)
	require.NoError(t, err)
	cmd := exec.Command(py, "-c", pyRead)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	var res []pyResult
	require.NoError(t, json.Unmarshal(out, &res))
	require.Len(t, res, len(cases))
	return res
}

func unhex(t *testing.T, s string) string {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return string(b)
}

// Every case the table reads is read the same by Python.
func TestReadAgreesWithPython(t *testing.T) {
	var cases []pyCase
	for _, tt := range readCases {
		cases = append(cases, pyCase{Src: tt.src})
	}
	for i, r := range python(t, cases) {
		require.Empty(t, r.Error, readCases[i].name)
		assert.Equal(t, readCases[i].want, unhex(t, r.Value), readCases[i].name)
	}
}

// Random strings written as Python literals in every style the reader
// takes are read back as Python reads them, and rendered as str.format
// renders them.
func TestRandomLiteralsAgreeWithPython(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 42))
	fields := map[string]string{"label_list": "a, b", "no_finding": "nf", "draft_report": "{d}"}
	var cases []pyCase
	var ours []string
	var errs []error
	for i := range 300 {
		src := randomModule(rng, i%2 == 0)
		m, err := Parse("m.py", []byte(src))
		require.NoError(t, err, src)
		s, err := m.Constant("P")
		require.NoError(t, err, src)
		c := pyCase{Src: src}
		if i%2 == 0 {
			c.Fields = fields
			v, ferr := s.Format(fields)
			ours, errs = append(ours, v), append(errs, ferr)
		} else {
			ours, errs = append(ours, s.Value), append(errs, nil)
		}
		cases = append(cases, c)
	}
	srcs := make([]string, len(cases))
	for i, c := range cases {
		srcs[i] = c.Src
	}
	for i, r := range python(t, cases) {
		if errs[i] != nil {
			assert.NotEmpty(t, r.Error, "we refused %q (%v) but Python formatted it", srcs[i], errs[i])
			continue
		}
		require.Empty(t, r.Error, srcs[i])
		assert.Equal(t, unhex(t, r.Value), ours[i], srcs[i])
	}
}

// randomModule writes a module assigning P from random pieces in random
// literal styles; with braces it draws only well-formed format strings.
func randomModule(rng *rand.Rand, format bool) string {
	var parts []string
	for range 1 + rng.IntN(4) {
		parts = append(parts, literal(rng, randomText(rng, format)))
	}
	sep := []string{" ", "\n    ", " \\\n", "  # c\n  "}[rng.IntN(4)]
	body := strings.Join(parts, sep)
	if strings.Contains(sep, "\n") && !strings.Contains(sep, "\\") {
		body = "(\n    " + body + "\n)"
	}
	lead := []string{"", "# header\n", "import os\n\n", "def f():\n    P = 'no'\n\n"}[rng.IntN(4)]
	decl := []string{"P = ", "P: str = "}[rng.IntN(2)]
	return lead + decl + body + "\n"
}

// randomText draws text with the characters literals and format strings
// find hard: quotes, backslashes, newlines, braces, non-ASCII.
func randomText(rng *rand.Rand, format bool) string {
	atoms := []string{"a", " ", "é", "—", "😀", "\t", "\n", "'", "\"", "\\", "#", "\x00", "\u2028"}
	if format {
		atoms = append(atoms, "{{", "}}", "{label_list}", "{no_finding}", "{draft_report}")
	}
	var b strings.Builder
	for range rng.IntN(12) {
		b.WriteString(atoms[rng.IntN(len(atoms))])
	}
	return b.String()
}

// literal writes s as a Python string literal in a random style: single or
// triple quotes, either quote, escapes of several kinds.
func literal(rng *rand.Rand, s string) string {
	q := []string{`"`, `'`, `"""`, `'''`}[rng.IntN(4)]
	var b strings.Builder
	if rng.IntN(5) == 0 {
		b.WriteString("u")
	}
	b.WriteString(q)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n' && len(q) == 3 && rng.IntN(2) == 0:
			b.WriteString("\n")
		case r == '\n' && rng.IntN(3) == 0:
			b.WriteString(`\012`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == rune(q[0]):
			b.WriteString(`\` + string(r))
		case r == 0:
			b.WriteString([]string{`\x00`, `\000`}[rng.IntN(2)]) // "\0" would take a digit after it
		case r > 127 && rng.IntN(2) == 0:
			if r > 0xFFFF {
				fmt.Fprintf(&b, `\U%08x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04X`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	if len(q) == 3 && rng.IntN(3) == 0 {
		b.WriteString("\\\n") // a continuation right before the close
	}
	b.WriteString(q)
	return b.String()
}
