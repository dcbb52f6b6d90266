package main

import (
	"context"
	"errors"
)

// runExport is implemented by its issue; until then it says so.
func runExport(_ context.Context, e env, args []string) error {
	fs := newFlagSet(e, "export", "", "Not implemented yet.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return errors.New("export: not implemented yet")
}
