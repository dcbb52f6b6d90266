package main

import (
	"context"
	"errors"
)

// runDemo is implemented by its issue; until then it says so.
func runDemo(_ context.Context, _ env, _ []string) error {
	return errors.New("demo: not implemented yet")
}
