package main

import (
	"context"
	"errors"
)

// runDemo is implemented by its issue; until then it says so.
func runDemo(_ context.Context, e env, args []string) error {
	fs := newFlagSet(e, "demo", "", "Not implemented yet.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return errors.New("demo: not implemented yet")
}
