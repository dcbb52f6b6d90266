package store

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// OnlyItems makes Export write only the items whose id is in ids, in the
// order of ids (an id given twice comes once, where it first came): a
// WORKLIST given with --db names the subset and its order. An id the store
// knows nothing of is left out.
func OnlyItems(ids []string) ExportOption {
	return func(o *exportOptions) {
		if ids == nil {
			ids = []string{}
		}
		o.only = ids
	}
}

// exportQuery is one query of the streaming export and its parameters.
type exportQuery struct {
	text string
	args []any
}

// exportListQueryFor returns the query that exports the items of a list
// of ids, in the list's order: the list is bound as one parameter ($1, a
// JSON array the back end's list spells into rows of (pos, id)) and
// joined to the items by their primary key, so the export still streams
// from one cursor, however long the list. An id is exported when the
// store knows it (an item, a result, a verdict or a note), as the full
// export's two queries do.
func exportListQueryFor(agg jsonAgg, list string) string {
	return `SELECT ` + exportColumns(agg) + ` FROM (
		SELECT w.pos AS pos, w.id AS id, coalesce(i.image, '') AS image, coalesce(i.draft, '') AS draft
		FROM (` + list + `) w LEFT JOIN items i ON i.id = w.id) x` + exportJoins + `
	WHERE EXISTS (SELECT 1 FROM items WHERE id = x.id) OR r.item_id IS NOT NULL
		OR EXISTS (SELECT 1 FROM verdicts WHERE item_id = x.id AND undone = 0)
		OR EXISTS (SELECT 1 FROM notes WHERE item_id = x.id AND text <> '')
	ORDER BY x.pos`
}

// The id lists of exportListQueryFor. SQLite gets each id in hex, so an id
// whose bytes are not UTF-8 (which a JSON string cannot hold) still
// matches byte for byte.
const (
	sqliteIDList   = `SELECT key AS pos, CAST(unhex(value) AS TEXT) AS id FROM json_each($1)`
	postgresIDList = `SELECT t.pos AS pos, t.id AS id FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY AS t(id, pos)`
)

// idList is ids as the parameter of the dialect's exportListQuery: a JSON
// array without repeats, of hex for SQLite. PostgreSQL text holds no NUL
// and no bytes that are not UTF-8, so such an id cannot be in its store
// and is left out (JSON would change it into another id).
func (d *dialect) idList(ids []string) string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		switch {
		case !d.postgres:
			out = append(out, hex.EncodeToString([]byte(id)))
		case utf8.ValidString(id) && !strings.ContainsRune(id, 0):
			out = append(out, id)
		}
	}
	b, _ := json.Marshal(out) // a []string always marshals
	return string(b)
}

// exportQueries returns the queries Export runs: the whole store's, or,
// with OnlyItems, the one over its list.
func (s *Store) exportQueries(o exportOptions) []exportQuery {
	if o.only == nil {
		qs := make([]exportQuery, len(s.dialect.exportQueries))
		for i, q := range s.dialect.exportQueries {
			qs[i] = exportQuery{text: q}
		}
		return qs
	}
	return []exportQuery{{text: s.dialect.exportListQuery, args: []any{s.dialect.idList(o.only)}}}
}
