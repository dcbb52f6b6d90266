package main

import (
	"context"
	"errors"
)

// runParse is implemented by its issue; until then it says so.
func runParse(_ context.Context, _ env, _ []string) error {
	return errors.New("parse: not implemented yet")
}
