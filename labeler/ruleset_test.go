package labeler

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// TestCompileErrors: a broken rule file is refused with its file, line and
// what is wrong.
func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"no colon", "mention cardiomegaly cardiomegaly", "a.rules:1: want 'directive: body'"},
		{"unknown directive", "\n\nfinding pneumothorax: ptx", "a.rules:3: unknown directive \"finding\""},
		{"unknown label", "mention pneumonia: consolidation", "unknown label \"pneumonia\""},
		{"no label", "mention: consolidation", "mention wants one label list"},
		{"unknown status", "mention cardiomegaly: big heart => large", "unknown status"},
		{"two words as one", "exclude: mass-effect", "\"mass-effect\" is not one lower-case word"},
		{"upper case", "terminate: But", "\"But\" is not one lower-case word"},
		{"unclosed group", "hedge-pre: (may | might", "unclosed '('"},
		{"empty alternative", "hedge-pre: may | | might", "empty alternative"},
		{"undefined macro", "mention cardiomegaly: enlarged @heart", "macro @heart is not defined above"},
		{"gap at the end", "mention cardiomegaly: heart ~3", "a gap must sit between two words"},
		{"too many gaps", "mention cardiomegaly: heart ~2 is ~2 very ~2 big", "at most 2 gaps"},
		{"bad gap", "mention cardiomegaly: heart ~9 big", "want ~1 to ~8"},
		{"anchor inside", "mention no_finding: normal ^ chest", "'^' must come first"},
		{"trigger twice", "negate-pre: no\nhedge-pre: no", "a.rules:2: trigger \"no\" is already declared at a.rules:1"},
		{"spelling twice", "spelling: tumour = tumor\nspelling: tumour = tumor", "spelling of \"tumour\" given twice"},
		{"window kind", "window mention: 3", "not a trigger kind"},
		{"window size", "window negate-pre: 99", "from 1 to 50"},
		{"spoken mark", "spoken !: bang", "spoken wants one of"},
		{"expansion", "mention cardiomegaly: " + strings.Repeat("(a b | c d | e f | g h) ", 7), "too many alternatives"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(map[string]string{"a.rules": tt.text})
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.want)
		})
	}
}

// TestDigest: the digest is a property of the rule texts: equal texts give
// equal digests, and any change (a byte, a file name) changes it.
func TestDigest(t *testing.T) {
	base := map[string]string{"a.rules": "mention pneumothorax: ptx\n", "b.rules": "negate-pre: no\n"}
	d := func(files map[string]string) string {
		rs, err := Compile(files)
		require.NoError(t, err)
		return rs.Digest()
	}
	d0 := d(base)
	require.Len(t, d0, 64)
	require.Equal(t, d0, d(map[string]string{"b.rules": "negate-pre: no\n", "a.rules": "mention pneumothorax: ptx\n"}))
	require.NotEqual(t, d0, d(map[string]string{"a.rules": "mention pneumothorax: ptx \n", "b.rules": "negate-pre: no\n"}))
	require.NotEqual(t, d0, d(map[string]string{"c.rules": "mention pneumothorax: ptx\n", "b.rules": "negate-pre: no\n"}))

	rs := mustDefault(t)
	again, err := Load(embedded, "rules")
	require.NoError(t, err)
	require.Equal(t, rs.Digest(), again.Digest())
}

// TestLoadDir reads rules from a folder, and refuses a folder without any.
func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "mine.rules"), []byte("mention pneumothorax: air leak\nnegate-pre: no\n"), 0o600))
	rs, err := Load(os.DirFS(dir), ".")
	require.NoError(t, err)
	require.Equal(t, []schema.DraftLabel{{Label: ptx, Status: A, Span: "No air leak"}}, rs.Label("No air leak."))

	_, err = Load(fstest.MapFS{"x.txt": {Data: []byte("no")}}, ".")
	require.ErrorContains(t, err, "no *.rules file")
}

// TestOneEdit pins the typo distance.
func TestOneEdit(t *testing.T) {
	tests := []struct {
		a, b  string
		edits bool
		want  bool
	}{
		{"effusoin", "effusion", false, true},
		{"effusoin", "effusion", true, true},
		{"efusion", "effusion", false, false},
		{"efusion", "effusion", true, true},
		{"efffusion", "effusion", true, true},
		{"effesion", "effusion", true, true},
		{"efussion", "effusion", true, false},
		{"effusion", "effusion", true, false},
		{"claer", "clear", false, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s-%s-%v", tt.a, tt.b, tt.edits), func(t *testing.T) {
			require.Equal(t, tt.want, oneEdit(tt.a, tt.b, tt.edits))
		})
	}
}
