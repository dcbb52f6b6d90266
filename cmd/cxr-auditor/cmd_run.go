package main

import (
	"context"
	"errors"
)

// runRun is implemented by its issue; until then it says so.
func runRun(_ context.Context, e env, args []string) error {
	fs := newFlagSet(e, "run", "", "Not implemented yet.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return errors.New("run: not implemented yet")
}
