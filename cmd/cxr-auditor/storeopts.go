package main

import (
	"fmt"
	"time"

	"github.com/cxr-auditor/cxr-auditor/store"
)

// envBusyTimeout names how long a command that writes to the store waits
// for another program's write lock before giving up (a Go duration such as
// "30s"; unset: the store's default).
const envBusyTimeout = "CXR_AUDITOR_BUSY_TIMEOUT"

// storeOptions are the options of a read-write store.Open that the
// environment sets. A bad value is a usage error naming the variable.
func storeOptions(e env) ([]store.Option, error) {
	v := e.getenv(envBusyTimeout)
	if v == "" {
		return nil, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return nil, fmt.Errorf("%w: %s=%q: want a positive duration such as 30s", errUsage, envBusyTimeout, v)
	}
	return []store.Option{store.WithBusyTimeout(d)}, nil
}
