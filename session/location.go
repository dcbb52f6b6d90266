package session

import (
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/cxr-auditor/cxr-auditor/internal/safefile"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// EnvDB names the store when --db is not given: a SQLite file or a
// PostgreSQL URL (postgres://user@host/db?sslmode=verify-full), so that a
// team's URL, with its password, need not be typed on every command line.
const EnvDB = "CXR_AUDITOR_DB"

// EnvBusyTimeout names how long a command that writes to the store waits
// for another program's write lock before giving up (a Go duration such
// as "30s"; unset: the store's default).
const EnvBusyTimeout = "CXR_AUDITOR_BUSY_TIMEOUT"

// StoreLocation resolves the store of a command: the --db flag, else
// $CXR_AUDITOR_DB, else the file beside the worklist ("" without a
// worklist).
func StoreLocation(flag, worklist string, getenv func(string) string) string {
	switch {
	case flag != "":
		return flag
	case getenv != nil && getenv(EnvDB) != "":
		return getenv(EnvDB)
	case worklist != "":
		return store.DefaultPath(worklist)
	}
	return ""
}

// StoreOptions are the options of a read-write store.Open that the
// environment sets. A bad value is a usage error naming the variable.
func StoreOptions(getenv func(string) string) ([]store.Option, error) {
	v := getenv(EnvBusyTimeout)
	if v == "" {
		return nil, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return nil, fmt.Errorf("%w: %s=%q: want a positive duration such as 30s", ErrUsage, EnvBusyTimeout, v)
	}
	return []store.Option{store.WithBusyTimeout(d)}, nil
}

// Protected is a file an output must never replace.
type Protected struct {
	What string // "the worklist", "the store", ...
	Path string
}

// StoreFiles are the store at db and the WAL and shared-memory files
// SQLite keeps beside it (none for a PostgreSQL store: a database
// server's files are not ours to overwrite).
func StoreFiles(db string) []Protected {
	if store.IsPostgres(db) {
		return nil
	}
	return []Protected{
		{"the store", db},
		{"the store's write-ahead log", db + "-wal"},
		{"the store's shared-memory file", db + "-shm"},
	}
}

// CheckOutput refuses an output path (the value of flag) that is one of
// the protected files, compared by file identity (symlinks, "./" and hard
// links are seen through): writing there would destroy it.
func CheckOutput(flag, out string, protected ...Protected) error {
	for _, p := range protected {
		if p.Path != "" && safefile.Same(out, p.Path) {
			return fmt.Errorf("%w: %s %s is %s (%s); writing there would destroy it: choose another file", ErrUsage, flag, out, p.What, p.Path)
		}
	}
	return nil
}

// CheckStorePath refuses a store location that exists but is not a
// regular file (SQLite would block opening a named pipe). A missing store
// is fine: run and review create it.
func CheckStorePath(db string) error {
	if store.IsPostgres(db) {
		return nil
	}
	_, err := safefile.Regular(db)
	switch {
	case err == nil, errors.Is(err, fs.ErrNotExist):
		return nil
	case errors.Is(err, safefile.ErrNotRegular):
		return fmt.Errorf("store: %w; --db must name a store file", err)
	default:
		return fmt.Errorf("store: %w", err)
	}
}

// CheckInput stats an input file before it is opened: a named pipe would
// block the open, a device would be read without end. Pipes come through
// stdin ("-").
func CheckInput(path string) error {
	_, err := safefile.Regular(path)
	if errors.Is(err, safefile.ErrNotRegular) {
		return fmt.Errorf("read input: %w; to read from a pipe, give - and send it to stdin", err)
	}
	if err != nil {
		return fmt.Errorf("read input: %w", err)
	}
	return nil
}
