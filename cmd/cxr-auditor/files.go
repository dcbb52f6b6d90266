package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/cxr-auditor/cxr-auditor/internal/safefile"
	"github.com/cxr-auditor/cxr-auditor/internal/termtext"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// writeLine writes one line that may carry outside text (ids, paths,
// server messages): the whole line goes through termtext.Line, so nothing
// in it can act on the terminal.
func writeLine(w io.Writer, format string, args ...any) {
	_, _ = io.WriteString(w, termtext.Line(fmt.Sprintf(format, args...))+"\n")
}

// protectedFile is a file an output must never replace.
type protectedFile struct {
	what string // "the worklist", "the store", ...
	path string
}

// storeFiles are the store at db and the WAL and shared-memory files
// SQLite keeps beside it.
func storeFiles(db string) []protectedFile {
	if store.IsPostgres(db) {
		return nil // a database server's files are not ours to overwrite
	}
	return []protectedFile{
		{"the store", db},
		{"the store's write-ahead log", db + "-wal"},
		{"the store's shared-memory file", db + "-shm"},
	}
}

// checkOutput refuses an output path (the value of flag) that is one of the
// protected files, compared by file identity (symlinks, "./" and hard
// links are seen through): writing results there would destroy it.
func checkOutput(flag, out string, protected ...protectedFile) error {
	for _, p := range protected {
		if p.path != "" && safefile.Same(out, p.path) {
			return fmt.Errorf("%w: %s %s is %s (%s); writing there would destroy it: choose another file", errUsage, flag, out, p.what, p.path)
		}
	}
	return nil
}

// checkStorePath refuses a --db that exists but is not a regular file
// (SQLite would block opening a named pipe). A missing store is fine: run
// and review create it.
func checkStorePath(db string) error {
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

// checkInput stats an input file before it is opened: a named pipe would
// block the open, a device would be read without end. Pipes come through
// stdin ("-").
func checkInput(path string) error {
	_, err := safefile.Regular(path)
	if errors.Is(err, safefile.ErrNotRegular) {
		return fmt.Errorf("read input: %w; to read from a pipe, give - and send it to stdin", err)
	}
	if err != nil {
		return fmt.Errorf("read input: %w", err)
	}
	return nil
}

// redactCredentials replaces the password (or token) of every URL in urls
// that carries one ("http://user:password@host") wherever it appears in
// msg, so no message echoes it.
func redactCredentials(msg string, urls []string) string {
	for _, u := range urls {
		rest := u
		if _, after, ok := strings.Cut(u, "://"); ok {
			rest = after
		}
		rest, _, _ = strings.Cut(rest, "/")
		at := strings.LastIndex(rest, "@")
		if at < 0 {
			continue
		}
		user, secret, ok := strings.Cut(rest[:at], ":")
		if !ok {
			secret = user // a bare token in the user part
		}
		if secret != "" {
			msg = strings.ReplaceAll(msg, secret, "xxxxx")
		}
	}
	return msg
}
