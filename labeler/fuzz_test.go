package labeler

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// FuzzLabel: Label never panics, is deterministic, and every span is a
// non-empty substring of the draft; labels and statuses are canonical and
// each label appears at most once.
func FuzzLabel(f *testing.F) {
	rs, err := Default()
	require.NoError(f, err)
	for _, p := range []string{"../testdata/drafts/dev.jsonl"} {
		fh, err := os.Open(p)
		require.NoError(f, err)
		cases, err := ReadCases(fh)
		fh.Close()
		require.NoError(f, err)
		for _, c := range cases {
			f.Add(c.Draft)
		}
	}
	f.Add("No pneumothorax, small left effusion.\n\nIndication: ? PTX")
	f.Add("heart ... is ,,, not / enlarged ? period comma colon")
	f.Add("\xff\xfe effusion \xc3")
	f.Fuzz(func(t *testing.T, draft string) {
		got := rs.Label(draft)
		again := rs.Label(draft)
		require.Equal(t, got, again)
		seen := map[schema.Label]bool{}
		for _, d := range got {
			require.True(t, d.Label.Valid(), "label %q", d.Label)
			require.True(t, d.Status.Valid(), "status %q", d.Status)
			require.False(t, seen[d.Label], "label %s twice", d.Label)
			seen[d.Label] = true
			require.NotEmpty(t, d.Span)
			require.True(t, strings.Contains(draft, d.Span), "span %q not in draft", d.Span)
		}
	})
}

// FuzzCompile: any rule text either compiles or returns an error; it never
// panics, and a compiled set labels a draft without panicking.
func FuzzCompile(f *testing.F) {
	for _, n := range []string{"text.rules", "lexicon.rules", "context.rules"} {
		b, err := embedded.ReadFile("rules/" + n)
		require.NoError(f, err)
		for _, line := range strings.Split(string(b), "\n") {
			f.Add(line)
		}
	}
	f.Add("mention cardiomegaly: ((a | b c)? ~2 @x")
	f.Add("define x = (a|b)? | c\nmention no_finding: ^ @x ~3 d $ => inverted")
	f.Fuzz(func(t *testing.T, text string) {
		rs, err := Compile(map[string]string{"a.rules": text})
		if err != nil {
			return
		}
		for _, d := range rs.Label("No pneumothorax, a b c d. Possible effusion: none?") {
			require.True(t, d.Label.Valid())
		}
	})
}
