// Command cxr-auditor is a keyboard-driven terminal workstation for auditing
// chest X-ray draft impressions against what a vision model grounds in the
// image. It is for research and education only: it is not a medical device
// and must not be used for clinical decisions.
//
// Usage:
//
//	cxr-auditor <command> [flags] [args]
//
// Commands (each takes --help):
//
//	review    open the review workstation on a worklist (real Ollama hosts)
//	demo      open the workstation on the bundled synthetic demo (no GPU)
//	study     blind double-reading studies with adjudication
//	run       run both model stages over a worklist, batch, with a progress bar
//	doctor    check Ollama hosts, models and the store, and say how to fix them
//	export    write results with verdicts and notes as JSONL or CSV
//	agreement reader agreement on the verdicts (kappa, confusion tables)
//	report    a self-contained HTML (or Markdown) report of an eval or a study
//	parse     parse raw model output: `parse findings` or `parse draft`
//	label     read drafts with the rule-based labeler (no model)
//	compare   compare findings with draft labels
//	eval      evaluate predictions against ground truth
//	render    draw an image with boxes for the terminal (sixel, kitty, ...)
//	version   print the version
//	completion  shell completion scripts (bash, zsh, fish, powershell)
//	man       the manual page (roff), e.g. cxr-auditor man | man -l -
//
// The commands are cobra commands, one per file (cmd_<name>.go); fang
// styles the help and errors on a terminal and adds --version.
//
// Example:
//
//	cxr-auditor parse findings model-output.txt --explain
package main

import (
	"context"
	"io"
	"os"

	"github.com/cxr-auditor/cxr-auditor/session"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// disclaimer is printed by every --help and shown in the TUI.
const disclaimer = "For research and education only. Not a medical device; not for clinical use. Model outputs are frequently wrong."

// env is what a command may touch of the outside world; tests pass their own.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

// session is e as the session package takes it.
func (e env) session() session.Env {
	return session.Env{Stdin: e.stdin, Stdout: e.stdout, Stderr: e.stderr, Getenv: e.getenv}
}

// errUsage marks an error caused by the command line; it exits 2.
var errUsage = session.ErrUsage

// exitError carries a specific exit status (for example 2 from run when some
// items failed) without printing anything more.
type exitError = session.ExitError

func main() {
	ctx, stop := session.SignalContext(context.Background())
	e := env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	code := realMain(ctx, e, os.Args[1:])
	stop()
	os.Exit(code)
}
