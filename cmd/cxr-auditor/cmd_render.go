package main

import (
	"context"
	"errors"
)

// runRender is implemented by its issue; until then it says so.
func runRender(_ context.Context, e env, args []string) error {
	fs := newFlagSet(e, "render", "", "Not implemented yet.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return errors.New("render: not implemented yet")
}
