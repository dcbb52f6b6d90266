package main

import (
	"context"
	"errors"
)

// runReview is implemented by its issue; until then it says so.
func runReview(_ context.Context, _ env, _ []string) error {
	return errors.New("review: not implemented yet")
}
