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
//     never served from the cache (unless it is deterministic).
//   - Several processes may open the same store at once, new or old: the
//     migration runs inside BEGIN IMMEDIATE and re-reads the version, so
//     exactly one migrates and the others wait (busy timeout, 10 s) and
//     find it done.
//   - A new store and its -wal and -shm files are created mode 0600: they
//     hold report text and verdicts. (An existing file keeps its mode, so a
//     team may share one with chmod 0660.)
//   - An open Store holds a shared advisory lock on its file: InUse tells
//     whether a store is open anywhere, and Remove refuses to delete one
//     that is (demo --fresh).
//   - A read-only open (export) works in a folder or on a file the user
//     cannot write.
//   - Export streams, one item at a time, and skips (and reports) a stored
//     row it cannot read instead of failing.
//   - Reading studies (CreateStudy, AssignStudy, StudyItems, StudyUnits) are
//     append-only like verdicts; a verdict or undo on a study's item logs,
//     in its own transaction, every change of the disagreement's state
//     ("study_unit" events), once even when two readers save at once.
//
// Errors name the database file and the operation, for example
// `store /data/wl.cxr.db: save verdict item "a12": field Decision: ...`.
// Invalid input wraps ErrInvalid. Where SQLite's words hide the cause, the
// error names it and what to do, and wraps a sentinel: ErrDiskFull,
// ErrReadOnlyStore, ErrLocked (another program holds the write lock),
// ErrDamaged.
package store
