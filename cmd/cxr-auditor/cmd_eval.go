package main

import (
	"context"
	"errors"
)

// runEval is implemented by its issue; until then it says so.
func runEval(_ context.Context, _ env, _ []string) error {
	return errors.New("eval: not implemented yet")
}
