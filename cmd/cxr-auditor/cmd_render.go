package main

import (
	"context"
	"errors"
)

// runRender is implemented by its issue; until then it says so.
func runRender(_ context.Context, _ env, _ []string) error {
	return errors.New("render: not implemented yet")
}
