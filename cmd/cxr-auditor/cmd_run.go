package main

import (
	"context"
	"errors"
)

// runRun is implemented by its issue; until then it says so.
func runRun(_ context.Context, _ env, _ []string) error {
	return errors.New("run: not implemented yet")
}
