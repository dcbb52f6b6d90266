package store_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/store"
	"github.com/cxr-auditor/cxr-auditor/store/export"
)

// exportedIDs exports s as JSONL with opts and lists the items' ids
// (byte-exact: from id_base64 when the id is not UTF-8).
func exportedIDs(t *testing.T, s *store.Store, opts ...store.ExportOption) []string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, s.Export(context.Background(), &buf, "jsonl", opts...))
	ids := []string{}
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var it export.Item
		require.NoError(t, json.Unmarshal([]byte(line), &it), line)
		if it.IDBase64 != "" {
			b, err := base64.StdEncoding.DecodeString(it.IDBase64)
			require.NoError(t, err)
			it.ID = string(b)
		}
		ids = append(ids, it.ID)
	}
	return ids
}

// OnlyItems exported the store's order (the filter ran over the full
// export): the list gives the order and the subset. An id known only from
// a verdict takes its place in the list too, one the store does not know
// is left out, and a repeated id comes once.
func TestExportOnlyItemsOrder(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		s := exportFixture(t, be) // a1..a4 in this order
		ctx := context.Background()
		_, err := s.SaveVerdict(ctx, audit.Verdict{ItemID: "x9", DisagreementKey: "effusion/missed_in_draft", Decision: audit.Unsure, Annotator: "rad1"})
		require.NoError(t, err)

		tests := []struct {
			name string
			only []string
			want []string
		}{
			{"reversed", []string{"a4", "a3", "a2", "a1"}, []string{"a4", "a3", "a2", "a1"}},
			{"subset", []string{"a3", "a1"}, []string{"a3", "a1"}},
			{"known only from a verdict", []string{"x9", "a2"}, []string{"x9", "a2"}},
			{"unknown and repeated", []string{"a2", "nope", "a4", "a2"}, []string{"a2", "a4"}},
			{"nul and non-UTF-8 ids are nobody's", []string{"a\x00", "\xff\xfe", "a1"}, []string{"a1"}},
			{"empty", []string{}, []string{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				assert.Equal(t, tt.want, exportedIDs(t, s, store.OnlyItems(tt.only)))
			})
		}
		assert.Equal(t, []string{"a1", "a2", "a3", "a4", "x9"}, exportedIDs(t, s), "without a list: the store's order")
	})
}

// An id whose bytes are not UTF-8 (SQLite keeps them) is matched byte for
// byte: a JSON list of ids would have turned it into U+FFFD.
func TestExportOnlyItemsNotUTF8(t *testing.T) {
	s := backends[0].open(t)
	ctx := context.Background()
	bad := "id-\xff\xfe"
	require.NoError(t, s.PutItems(ctx, []audit.ItemRecord{{ID: "ok", Seq: 0}, {ID: bad, Seq: 1}, {ID: "id-\uFFFD\uFFFD", Seq: 2}}))
	assert.Equal(t, []string{bad, "ok"}, exportedIDs(t, s, store.OnlyItems([]string{bad, "ok"})))
}
