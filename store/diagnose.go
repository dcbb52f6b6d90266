package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// CheckStatus is the outcome of one Check.
type CheckStatus string

// The outcomes of a check: fine, worth knowing, or in the way.
const (
	CheckOK   CheckStatus = "ok"
	CheckWarn CheckStatus = "warn"
	CheckFail CheckStatus = "fail"
)

// Check is one finding of Diagnose, for `cxr-auditor doctor`.
type Check struct {
	// Name is what was checked: "connection", "schema", "permissions" or
	// "transport".
	Name    string      `json:"name"`
	Status  CheckStatus `json:"status"`
	Message string      `json:"message"`
	// Fix says, in words, what fixes a warn or fail ("" for ok).
	Fix string `json:"fix,omitempty"`
	// Command is the shell command that fixes it, as arguments (nil when
	// the fix is not one command); quote them for the user's shell.
	Command []string `json:"command,omitempty"`
}

// Diagnose checks the store at location (a SQLite path or a PostgreSQL
// URL) without creating, migrating or changing it: that it can be reached
// and opened, its schema version, that this user may write to it, and, for
// PostgreSQL, that the connection is encrypted beyond this machine. Every
// problem comes with a fix. The location is shown without its password. It
// never blocks on a file that is not a regular file (a named pipe).
func Diagnose(ctx context.Context, location string) []Check {
	shown := RedactURL(location)
	inUse := false
	if !IsPostgres(location) {
		if c, done := diagnoseFile(location); done {
			return c
		}
		// Asked before this process takes its own lock, which InUse
		// would see.
		inUse, _ = InUse(location)
	}
	s, err := Open(ctx, location, ReadOnly(), skipVersionCheck(), leaveNoFiles())
	if err != nil {
		return []Check{{Name: "connection", Status: CheckFail, Message: err.Error(), Fix: openFix(location, err)}}
	}
	defer s.Close()
	checks := []Check{{Name: "connection", Status: CheckOK, Message: "store " + shown + " opens"}}
	if s.insecure {
		checks = append(checks, Check{Name: "transport", Status: CheckWarn, Message: s.InsecureWarning(),
			Fix: "add sslmode=verify-full (or require) to the URL, or reach the server through an SSH tunnel to 127.0.0.1"})
	} else if s.dialect.postgres {
		checks = append(checks, Check{Name: "transport", Status: CheckOK, Message: "the connection is local or encrypted (TLS)"})
	}
	inspectFn := inspect
	if s.dialect.postgres {
		inspectFn = inspectPostgres
	}
	version, appID, tables, err := inspectFn(ctx, s.r)
	if err == nil {
		if ierr := s.checkIdentity(version, appID, tables); ierr != nil {
			return append(checks, Check{Name: "schema", Status: CheckFail, Message: ierr.Error(), Fix: openFix(location, ierr)})
		}
	}
	switch {
	case err != nil:
		checks = append(checks, Check{Name: "schema", Status: CheckFail, Message: s.errorf("schema", err).Error(), Fix: "restore the store from a backup, or choose another --db"})
	case version == 0 && tables == 0:
		checks = append(checks, Check{Name: "schema", Status: CheckOK, Message: "empty: run or review will create the tables"})
	case version < SchemaVersion():
		checks = append(checks, Check{Name: "schema", Status: CheckWarn,
			Message: fmt.Sprintf("schema version %d, this build uses %d", version, SchemaVersion()),
			Fix:     "run `cxr-auditor run` or `review` on it once to upgrade it (export and doctor never change it)"})
	default:
		checks = append(checks, Check{Name: "schema", Status: CheckOK, Message: fmt.Sprintf("schema version %d (current)", version)})
	}
	checks = append(checks, s.checkPermissions(ctx, tables, inUse))
	if err == nil && tables > 0 {
		checks = append(checks, s.checkIntegrity(ctx))
		if c, ok := s.checkUnclaimed(ctx); ok {
			checks = append(checks, c)
		}
	}
	return checks
}

// checkIntegrity runs SQLite's quick_check (every page and record is
// readable and well-formed, without the slower index cross-check of
// integrity_check): a store with damaged pages fails here rather than in
// the middle of a run or an export. PostgreSQL checks its own pages.
func (s *Store) checkIntegrity(ctx context.Context) Check {
	c := Check{Name: "integrity", Status: CheckOK}
	if s.dialect.postgres {
		c.Message = "PostgreSQL checks its own pages"
		return c
	}
	fix := fmt.Sprintf("restore the store from a backup, or recover what can be read: sqlite3 %s .recover | sqlite3 recovered.cxr.db", s.path)
	rows, err := s.r.QueryContext(ctx, "PRAGMA quick_check(20)")
	if err != nil {
		return Check{Name: "integrity", Status: CheckFail, Message: s.errorf("quick_check", err).Error(), Fix: fix}
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return Check{Name: "integrity", Status: CheckFail, Message: s.errorf("quick_check", err).Error(), Fix: fix}
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return Check{Name: "integrity", Status: CheckFail, Message: s.errorf("quick_check", err).Error(), Fix: fix}
	}
	if len(problems) > 0 {
		return Check{Name: "integrity", Status: CheckFail, Fix: fix,
			Message: fmt.Sprintf("the file has damaged pages (SQLite quick_check): %s", strings.Join(problems, "; "))}
	}
	c.Message = "every page reads back (SQLite quick_check)"
	return c
}

// diagnoseFile handles the file cases that must not be opened: a missing
// store (fine when it can be created) and a file that is not regular.
func diagnoseFile(path string) ([]Check, bool) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		dir := filepath.Dir(path)
		if werr := writable(dir); werr != nil {
			return []Check{{Name: "connection", Status: CheckFail,
				Message: fmt.Sprintf("store %s does not exist and cannot be created in %s: %v", path, dir, werr),
				Fix:     "create the folder " + dir + " or make it writable, or choose another --db",
				Command: []string{"mkdir", "-p", dir}}}, true
		}
		return []Check{{Name: "connection", Status: CheckOK, Message: fmt.Sprintf("store %s does not exist yet; run or review will create it", path)}}, true
	case err != nil:
		return []Check{{Name: "connection", Status: CheckFail, Message: fmt.Sprintf("store %s: %v", path, err), Fix: "check the path and its folders' permissions"}}, true
	case !fi.Mode().IsRegular():
		return []Check{{Name: "connection", Status: CheckFail, Message: fmt.Sprintf("store %s is not a regular file (%s)", path, fi.Mode().Type()),
			Fix: "choose a store file for --db (run or review create it)"}}, true
	}
	return nil, false
}

func openFix(location string, err error) string {
	switch {
	case errors.Is(err, ErrNewerSchema):
		return "upgrade cxr-auditor, or choose another --db"
	case errors.Is(err, ErrNotStore):
		return "choose another --db: this is not a cxr-auditor store (left untouched)"
	case errors.Is(err, ErrReadOnlyStore):
		return "fix the permissions named above"
	case errors.Is(err, ErrLocked):
		return "finish the other program's transaction, then try again"
	case IsPostgres(location):
		return "check the URL (user, host, port, database, sslmode), that the server runs, and that pg_hba.conf admits this machine"
	}
	return "check the path, or restore the store from a backup"
}

// checkPermissions says whether this user may write the store: the file
// and its folder for SQLite, table privileges for PostgreSQL.
func (s *Store) checkPermissions(ctx context.Context, tables int, inUse bool) Check {
	c := Check{Name: "permissions", Status: CheckOK}
	if !s.dialect.postgres {
		dir := filepath.Dir(s.path)
		switch {
		case writable(s.path) != nil:
			c.Status, c.Message = CheckFail, fmt.Sprintf("the file is read-only for this user (%s): review and run cannot save", describeMode(s.path))
			c.Fix = "let this user write the file"
			c.Command = []string{"chmod", "u+w", s.path}
		case writable(dir) != nil:
			c.Status, c.Message = CheckFail, fmt.Sprintf("its folder %s is read-only for this user: SQLite must create the -wal and -shm files there", dir)
			c.Fix = "make " + dir + " writable, or move the store"
		default:
			c.Message = "this user may write the file and its folder"
		}
		if inUse {
			c.Message += " (open in a cxr-auditor session right now)"
		}
		return c
	}
	var user, schema string
	if err := s.r.QueryRowContext(ctx, "SELECT current_user, current_schema()").Scan(&user, &schema); err != nil {
		return Check{Name: "permissions", Status: CheckFail, Message: s.errorf("permissions", err).Error(), Fix: "check the connection"}
	}
	if tables == 0 {
		var create bool
		if err := s.r.QueryRowContext(ctx, "SELECT has_schema_privilege(current_schema(), 'CREATE')").Scan(&create); err != nil || !create {
			c.Status, c.Message = CheckFail, fmt.Sprintf("user %s may not create tables in schema %s", user, schema)
			c.Fix = fmt.Sprintf("GRANT CREATE ON SCHEMA %s TO %s; (or let its owner run cxr-auditor once)", schema, user)
			return c
		}
		c.Message = fmt.Sprintf("user %s may create the tables in schema %s", user, schema)
		return c
	}
	var missing []string
	for _, t := range []struct {
		table string
		privs []string
	}{
		{"items", []string{"SELECT", "INSERT", "UPDATE"}}, {"stage_records", []string{"SELECT", "INSERT"}},
		{"results", []string{"SELECT", "INSERT", "UPDATE"}}, {"verdicts", []string{"SELECT", "INSERT", "UPDATE"}},
		{"notes", []string{"SELECT", "INSERT"}}, {"events", []string{"SELECT", "INSERT"}},
		{"studies", []string{"SELECT", "INSERT"}}, {"study_members", []string{"SELECT", "INSERT"}},
		{"study_items", []string{"SELECT", "INSERT"}},
	} {
		// One privilege at a time: has_table_privilege with a list is
		// true when any one of them is held.
		for _, p := range t.privs {
			var ok bool
			err := s.r.QueryRowContext(ctx, "SELECT has_table_privilege($1, $2)", t.table, p).Scan(&ok)
			if err != nil || !ok {
				missing = append(missing, t.table+" ("+p+")")
			}
		}
	}
	if len(missing) > 0 {
		c.Status = CheckFail
		c.Message = fmt.Sprintf("user %s may not write %s", user, strings.Join(missing, ", "))
		c.Fix = fmt.Sprintf("GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA %s TO %s; GRANT USAGE ON ALL SEQUENCES IN SCHEMA %s TO %s;", schema, user, schema, user)
		return c
	}
	c.Message = fmt.Sprintf("user %s may read and write every table", user)
	return c
}
