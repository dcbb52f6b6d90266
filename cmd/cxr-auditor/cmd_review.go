package main

import (
	"context"
	"errors"
)

// runReview is implemented by its issue; until then it says so.
func runReview(_ context.Context, e env, args []string) error {
	fs := newFlagSet(e, "review", "", "Not implemented yet.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return errors.New("review: not implemented yet")
}
