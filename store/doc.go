// Package store is the one place cxr-auditor persists anything: the worklist
// items, every model call (the cache, keyed by provenance key), the latest
// result per item, reviewers' verdicts and notes, and an append-only event log
// for the audit trail. Everything lives in one embedded SQLite file
// (modernc.org/sqlite, pure Go), by default beside the worklist (DefaultPath).
//
// Guarantees:
//
//   - Every write is one transaction and is on disk when the call returns
//     (WAL journal, synchronous=FULL), so a verdict the TUI reports as saved
//     survives a crash, a kill -9 or a power cut.
//   - A Store is safe for use by many goroutines: the scheduler writes
//     results while the TUI writes verdicts. Writes are serialised through
//     one connection; reads run in parallel and never wait for a write.
//   - The schema is versioned (PRAGMA user_version) and migrated forward on
//     Open; a file written by a newer cxr-auditor is refused (ErrNewerSchema),
//     never downgraded.
//   - Verdicts, notes and events are append-only, enforced by triggers in the
//     database itself: an undo marks a verdict undone, it never deletes it,
//     and the event log can be neither updated nor deleted.
//   - A failed model call (StageRecord.Error set) is stored for the audit but
//     never served from the cache.
//
// Errors name the database file and the operation, for example
// `store /data/wl.cxr.db: save verdict item "a12": field Decision: ...`.
// Invalid input wraps ErrInvalid.
package store
