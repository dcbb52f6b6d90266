package main

import (
	"context"
	"errors"
)

// runDoctor is implemented by its issue; until then it says so.
func runDoctor(_ context.Context, _ env, _ []string) error {
	return errors.New("doctor: not implemented yet")
}
