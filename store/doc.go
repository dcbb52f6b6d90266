// Package store is the one place cxr-auditor persists anything: worklist
// items, every model call (the cache, keyed by provenance key), the latest
// result per item, reviewers' verdicts and notes, reading studies, and an
// append-only event log for the audit trail. It is an embedded SQLite file
// beside the worklist by default (DefaultPath), or a PostgreSQL database
// shared by a team; the same schema, migrations and behaviour cover both.
//
// A verdict is on disk before the call that saves it returns, because the
// TUI reports it as saved; verdicts, notes and events are append-only in the
// database itself, because they are the audit trail. A Store is safe for
// many goroutines and many processes. docs/store.md lists the guarantees;
// store/export owns the export file formats.
//
// Errors name the database and the operation, wrap ErrInvalid for bad
// input, and wrap a sentinel (ErrDiskFull, ErrReadOnlyStore, ErrLocked,
// ErrDamaged) where SQLite's own words would hide the cause.
package store
