package main

import (
	"context"
	"errors"
)

// runDoctor is implemented by its issue; until then it says so.
func runDoctor(_ context.Context, e env, args []string) error {
	fs := newFlagSet(e, "doctor", "", "Not implemented yet.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return errors.New("doctor: not implemented yet")
}
