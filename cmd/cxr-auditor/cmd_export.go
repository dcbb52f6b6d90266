package main

import (
	"context"
	"errors"
)

// runExport is implemented by its issue; until then it says so.
func runExport(_ context.Context, _ env, _ []string) error {
	return errors.New("export: not implemented yet")
}
