package store

import "strings"

// dialect is what differs between the two back ends. Everything else (the
// queries, with $1-style parameters, which modernc's SQLite driver binds by
// number too) is shared.
type dialect struct {
	postgres   bool
	migrations []migration
	// exportQueries are the streaming export's queries (export_stream.go):
	// they aggregate JSON, which the two spell differently.
	exportQueries []string
	// exportListQuery exports the items of a list of ids, in its order
	// (export_order.go).
	exportListQuery string
	// forUpdate locks the rows a read-then-write transaction reads (undo);
	// SQLite needs none, its one writer holds the whole file.
	forUpdate string
}

var (
	sqliteDialect = &dialect{
		migrations:      migrations,
		exportQueries:   exportQueriesFor(sqliteJSON),
		exportListQuery: exportListQueryFor(sqliteJSON, sqliteIDList),
	}
	postgresDialect = &dialect{
		postgres:        true,
		migrations:      postgresMigrations,
		exportQueries:   exportQueriesFor(postgresJSON),
		exportListQuery: exportListQueryFor(postgresJSON, postgresIDList),
		forUpdate:       " FOR UPDATE",
	}
)

// jsonAgg spells "a JSON array, as text, of one JSON array per row of
// (cols), ordered by order" in one back end's SQL.
type jsonAgg func(cols, order string) string

func sqliteJSON(cols, order string) string {
	return "json_group_array(json_array(" + cols + ") ORDER BY " + order + ")"
}

func postgresJSON(cols, order string) string {
	return "coalesce(json_agg(json_build_array(" + cols + ") ORDER BY " + order + "), '[]')::text"
}

// IsPostgres reports whether location names a PostgreSQL database (a
// postgres:// or postgresql:// URL) rather than a SQLite file.
func IsPostgres(location string) bool {
	l := strings.ToLower(location)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}
