package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/tui"
)

// addAllowOutsideFlag defines --allow-outside-paths on cmd.
func addAllowOutsideFlag(cmd *cobra.Command, allow *bool) {
	cmd.Flags().BoolVar(allow, "allow-outside-paths", false,
		"let the worklist name images and draft files outside its own folder (absolute paths, .., symlinks leading out); only for worklists you trust")
}

// addStoreFlags adds --db and --allow-outside-paths to a command that
// takes a WORKLIST and a store: every such command takes both, as review
// does (one that only reads the worklist's ids accepts the flag and needs
// it for nothing, so scripts can pass the same flags to each).
func addStoreFlags(cmd *cobra.Command, db *string, allow *bool) {
	cmd.Flags().StringVar(db, "db", "", "the store: a FILE or a postgres:// URL (default: $CXR_AUDITOR_DB, else beside WORKLIST)")
	_ = cmd.RegisterFlagCompletionFunc("db", completeStore)
	addAllowOutsideFlag(cmd, allow)
}

// addASCIIFlag adds --ascii to a workstation command.
func addASCIIFlag(cmd *cobra.Command, ascii *bool) {
	cmd.Flags().BoolVar(ascii, "ascii", false,
		"draw every mark and arrow in ASCII, for terminals that lack the glyphs (default: $"+tui.EnvASCII+", else on when the locale is not UTF-8)")
}

// addKeysFlag adds --keys: a built-in key profile or a key map file.
func addKeysFlag(cmd *cobra.Command, keys *string) {
	cmd.Flags().StringVar(keys, "keys", "",
		"key PROFILE ("+strings.Join(tui.KeyProfileNames(), ", ")+") or key map FILE (YAML); "+
			"$XDG_CONFIG_HOME/cxr-auditor/keys.yaml applies on top when it exists")
	_ = cmd.RegisterFlagCompletionFunc("keys", completeWords(tui.KeyProfileNames()...))
}

// wantASCII is --ascii when given, else what the environment asks for
// (CXR_AUDITOR_ASCII, or a locale that is not UTF-8).
func wantASCII(e env, cmd *cobra.Command, flag bool) bool {
	if cmd.Flags().Changed("ascii") {
		return flag
	}
	return tui.WantASCII(e.getenv)
}

// addTruthFlag defines --truth on a command that reads a worklist: ground
// truth besides the worklist's own truth column.
func addTruthFlag(cmd *cobra.Command, truth *string) {
	cmd.Flags().StringVar(truth, "truth", "",
		"ground truth FILE (JSONL of {id, findings}) or a WORKLIST with a truth column; replaces the worklist's truth by id")
	_ = cmd.RegisterFlagCompletionFunc("truth", completeJSONL)
}

// jobsFlag is run's --jobs: a number of calls in flight per model per
// host, or 0 for auto (tuned from what the calls measure).
type jobsFlag struct{ n int }

// String is the flag's value as given: "auto" or the number.
func (j *jobsFlag) String() string {
	if j.n == 0 {
		return "auto"
	}
	return strconv.Itoa(j.n)
}

// Set reads "auto" or a number of 1 or more.
func (j *jobsFlag) Set(s string) error {
	if strings.EqualFold(strings.TrimSpace(s), "auto") {
		j.n = 0
		return nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 {
		return fmt.Errorf("--jobs %s: want auto or a number of 1 or more", s)
	}
	j.n = n
	return nil
}

// Type names the value in --help.
func (j *jobsFlag) Type() string { return "N|auto" }
