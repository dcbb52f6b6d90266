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
//	run       run both model stages over a worklist, batch, with a progress bar
//	doctor    check Ollama hosts, models and the store, and say how to fix them
//	export    write results with verdicts and notes as JSONL or CSV
//	parse     parse raw model output: `parse findings` or `parse draft`
//	compare   compare findings with draft labels
//	eval      evaluate predictions against ground truth
//	render    draw an image with boxes for the terminal (sixel, kitty, ...)
//	version   print the version
//
// Example:
//
//	cxr-auditor parse findings model-output.txt --explain
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Disclaimer is printed by --help and shown in the TUI.
const disclaimer = "For research and education only. Not a medical device; not for clinical use. Model outputs are frequently wrong."

// env is what a command may touch of the outside world; tests pass their own.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

// commands lists the subcommands in the order --help shows them.
func commands() []command {
	return []command{
		{"review", "open the review workstation on a worklist (real Ollama hosts)", runReview},
		{"demo", "open the workstation on the bundled synthetic demo (no GPU, no Ollama)", runDemo},
		{"run", "run both model stages over a worklist, batch, with progress", runRun},
		{"doctor", "check Ollama hosts, models and the store; print fixes", runDoctor},
		{"export", "write results with verdicts and notes (jsonl or csv)", runExport},
		{"parse", "parse raw model output: 'parse findings' or 'parse draft'", runParse},
		{"compare", "compare findings with draft labels", runCompare},
		{"eval", "evaluate predictions against ground truth", runEval},
		{"render", "draw an image with boxes for the terminal", runRender},
		{"version", "print the version", runVersion},
	}
}

// errUsage marks an error caused by the command line; it exits 2.
var errUsage = errors.New("usage")

// exitError carries a specific exit status (for example 2 from run when some
// items failed) without printing anything more.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func usage(w io.Writer) {
	fmt.Fprintf(w, "cxr-auditor: audit chest X-ray draft impressions against a grounding vision model.\n\n")
	fmt.Fprintf(w, "%s\n\n", disclaimer)
	fmt.Fprintf(w, "Usage:\n  cxr-auditor <command> [flags] [args]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'cxr-auditor <command> --help' for a command's flags.\n")
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	e := env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	code := realMain(ctx, e, os.Args[1:])
	stop()
	os.Exit(code)
}

// realMain dispatches args to a command and turns its error into an exit
// status: 0 ok, 1 failure, 2 usage (or a command's own exitError code).
func realMain(ctx context.Context, e env, args []string) int {
	if len(args) == 0 {
		usage(e.stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(e.stdout)
		return 0
	case "-version", "--version":
		args[0] = "version"
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		var ee exitError
		switch {
		case err == nil:
			return 0
		case errors.As(err, &ee):
			return ee.code
		case errors.Is(err, flagHelp):
			return 0
		case errors.Is(err, errUsage):
			fmt.Fprintf(e.stderr, "cxr-auditor %s: %v\n(see 'cxr-auditor %s --help')\n", c.name, err, c.name)
			return 2
		default:
			fmt.Fprintf(e.stderr, "cxr-auditor %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(e.stderr, "cxr-auditor: unknown command %q\n\n", args[0])
	usage(e.stderr)
	return 2
}

func runVersion(_ context.Context, e env, args []string) error {
	fs := newFlagSet(e, "version", "", "Print the version.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "cxr-auditor %s\n", version)
	return nil
}
