package main

import "github.com/cxr-auditor/cxr-auditor/store"

// dbEnv names the store when --db is not given: a SQLite file or a
// PostgreSQL URL (postgres://user@host/db?sslmode=verify-full), so that a
// team's URL, with its password, need not be typed on every command line.
const dbEnv = "CXR_AUDITOR_DB"

// storeLocation resolves the store of a command: --db, else $CXR_AUDITOR_DB,
// else the file beside the worklist ("" without a worklist).
func storeLocation(flag, worklist string, getenv func(string) string) string {
	switch {
	case flag != "":
		return flag
	case getenv != nil && getenv(dbEnv) != "":
		return getenv(dbEnv)
	case worklist != "":
		return store.DefaultPath(worklist)
	}
	return ""
}
