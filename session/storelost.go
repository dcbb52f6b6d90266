package session

import (
	"io"

	"github.com/cxr-auditor/cxr-auditor/store"
)

// storeLost says, at the end of a command, that the store file it opened
// was deleted or replaced while open (store.ErrStoreReplaced): what was
// saved before is in a file no one can open, and what was refused since
// is in the rescue file. With said, the error itself was printed already
// (a result it refused) and is only named. It returns the command's exit
// (status 2).
func storeLost(w io.Writer, cmd string, st *store.Store, err error, said bool) error {
	if said {
		WriteLine(w, "cxr-auditor %s: NOT SAVED: %v (above)", cmd, store.ErrStoreReplaced)
	} else {
		WriteLine(w, "cxr-auditor %s: NOT SAVED: %v", cmd, err)
	}
	if n := st.RescuedCount(); n > 0 {
		WriteLine(w, "cxr-auditor %s: %d write(s) refused since are kept in %s: restore or reopen the store and save them again", cmd, n, st.RescuePath())
	}
	return ExitError{Code: 2}
}

// refusedRow reports a worklist row the store cannot hold (PostgreSQL:
// a NUL byte or bytes that are not UTF-8 in its text), skipped like a
// bad row.
func refusedRow(env Env, worklist string, r store.RefusedRow) {
	WriteLine(env.Stderr, "cxr-auditor run: %s: item %q: field %s: %s; row skipped", worklist, r.ID, r.Field, r.Reason)
}
