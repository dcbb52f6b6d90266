package main

import (
	"context"
	"errors"
)

// runCompare is implemented by its issue; until then it says so.
func runCompare(_ context.Context, _ env, _ []string) error {
	return errors.New("compare: not implemented yet")
}
