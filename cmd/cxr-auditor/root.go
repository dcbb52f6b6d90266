package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	fang "charm.land/fang/v2"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/cxr-auditor/cxr-auditor/internal/termtext"
	"github.com/cxr-auditor/cxr-auditor/session"
)

const rootDescription = `cxr-auditor audits chest X-ray draft impressions against a grounding vision
model: a vision model grounds findings in the image, a text model parses the
draft, a deterministic comparator lists where they disagree, and the review
workstation records a reviewer's verdict on each disagreement. Both models
are served by Ollama.

Exit status: 0 ok, 1 failure, 2 a usage error (or, for run, an item that
failed), 130 interrupted. Run 'cxr-auditor COMMAND --help' for a command's
flags.`

// Command groups, in the order the help lists them.
var commandGroups = []*cobra.Group{
	{ID: "workstation", Title: "workstation"},
	{ID: "batch", Title: "batch and checks"},
	{ID: "tools", Title: "tools"},
	{ID: "other", Title: "other"},
}

// newRootCmd builds the command tree. Every command writes through e
// (tests pass buffers); nothing is parsed or run here.
func newRootCmd(e env) *cobra.Command {
	root := &cobra.Command{
		Use:   "cxr-auditor",
		Short: "audit chest X-ray draft impressions against a grounding vision model",
		Long:  rootDescription,
		Example: `
# the workstation on the bundled synthetic demo (no GPU, no Ollama)
cxr-auditor demo
# check hosts and models, then review a worklist
cxr-auditor doctor --ollama http://127.0.0.1:11434
cxr-auditor review cases.csv --annotator alice`,
		// No command is a usage error (exit 2), with the help on stderr.
		RunE: func(cmd *cobra.Command, _ []string) error {
			cmd.SetOut(e.stderr)
			_ = cmd.Help()
			return exitError{Code: 2}
		},
		Args:                       unknownCommand,
		SuggestionsMinimumDistance: 2,
	}
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.SetVersionTemplate("cxr-auditor {{.Version}}\n")
	// Flag errors are usage errors (exit 2), printed once by the error
	// handler with a pointer to --help.
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return fmt.Errorf("%w: %v", errUsage, err)
	})
	root.AddGroup(commandGroups...)
	for _, c := range []struct {
		group string
		cmd   *cobra.Command
	}{
		{"workstation", newReviewCmd(e)},
		{"workstation", newDemoCmd(e)},
		{"workstation", newStudyCmd(e)},
		{"batch", newRunCmd(e)},
		{"batch", newRunsCmd(e)},
		{"batch", newDoctorCmd(e)},
		{"batch", newExportCmd(e)},
		{"batch", newAgreementCmd(e)},
		{"batch", newReportCmd(e)},
		{"tools", newParseCmd(e)},
		{"tools", newLabelCmd(e)},
		{"tools", newCompareCmd(e)},
		{"tools", newEvalCmd(e)},
		{"tools", newRenderCmd(e)},
		{"tools", newPromptsCmd(e)},
		{"other", newVersionCmd(e)},
		{"other", newManCmd(e)},
	} {
		c.cmd.GroupID = c.group
		root.AddCommand(c.cmd)
	}
	// Made now rather than by Execute, so that their help carries the
	// disclaimer and their argument errors are usage errors like every
	// other command's.
	root.SetHelpCommandGroupID("other")
	root.SetCompletionCommandGroupID("other")
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	decorate(root)
	return root
}

// decorate walks the tree: every command's help ends with the disclaimer,
// and every positional-argument error is a usage error (exit 2).
func decorate(c *cobra.Command) {
	long := c.Long
	if long == "" {
		long = c.Short
	}
	c.Long = strings.TrimRight(long, "\n") + "\n\n" + disclaimer
	args := c.Args
	c.Args = func(cmd *cobra.Command, a []string) error {
		var err error
		if args != nil {
			err = args(cmd, a)
		} else if cmd.HasSubCommands() && len(a) > 0 {
			err = unknownCommand(cmd, a)
		}
		if err != nil && !errors.Is(err, errUsage) {
			err = fmt.Errorf("%w: %v", errUsage, err)
		}
		return err
	}
	for _, sub := range c.Commands() {
		decorate(sub)
	}
}

// unknownCommand refuses positional arguments on a command that only has
// subcommands, suggesting the nearest command names.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	hint := ""
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		hint = " (did you mean " + strings.Join(s, " or ") + "?)"
	}
	return fmt.Errorf("%w: unknown command %q%s", errUsage, args[0], hint)
}

// realMain runs the command line args and turns its error into an exit
// status: 0 ok, 1 failure, 2 usage (or a command's own exitError code).
func realMain(ctx context.Context, e env, args []string) int {
	if args == nil {
		args = []string{} // nil would make cobra read os.Args
	}
	root := newRootCmd(e)
	root.SetArgs(args)
	status := 0
	keepExitStatus(root, &status)
	err := fang.Execute(ctx, root,
		fang.WithVersion(version),
		// Our own man command (cmd_man.go) writes to the command's
		// stdout, so it can be tested, and carries the disclaimer.
		fang.WithoutManpage(),
		fang.WithErrorHandler(errorHandler(root, args, isTerminal(e.stderr))),
	)
	if err == nil {
		return status
	}
	return exitCode(err)
}

// keepExitStatus makes every command's exitError a status kept in
// status instead of an error returned to fang: the command has said what
// happened, and fang, given an error, would first ask the terminal for
// its background colour to style a message it does not print (waiting
// for a reply from a terminal that never gives one).
func keepExitStatus(c *cobra.Command, status *int) {
	if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			err := run(cmd, args)
			var ee exitError
			switch {
			case errors.As(err, &ee):
				*status = ee.Code
				return nil
			case session.IsBrokenPipe(err):
				// The reader closed the output (`export | head`): as a
				// SIGPIPE death would, without a message.
				*status = session.BrokenPipe
				return nil
			}
			return err
		}
	}
	for _, sub := range c.Commands() {
		keepExitStatus(sub, status)
	}
}

// exitCode maps a command's error to the process exit status.
func exitCode(err error) int {
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.Code
	case errors.Is(err, errUsage):
		return 2
	default:
		return 1
	}
}

// errorHandler prints a command's error once, naming the command: on a
// terminal in fang's style, otherwise as one plain line that scripts and
// logs can read ("cxr-auditor run: ..."). A usage error adds a pointer to
// the command's --help. An exitError prints nothing (the command has said
// what happened).
func errorHandler(root *cobra.Command, args []string, tty bool) fang.ErrorHandler {
	return func(w io.Writer, st fang.Styles, err error) {
		var ee exitError
		if errors.As(err, &ee) {
			return
		}
		name := root.Name()
		if c, _, ferr := root.Find(args); ferr == nil && c != nil {
			name = c.CommandPath()
		}
		// Errors echo paths, ids and servers' messages: outside text.
		msg := termtext.Line(err.Error())
		usage := errors.Is(err, errUsage)
		if !tty {
			fmt.Fprintf(w, "%s: %s\n", name, msg)
			if usage {
				fmt.Fprintf(w, "(see '%s --help')\n", name)
			}
			return
		}
		fmt.Fprintln(w, st.ErrorHeader.String())
		fmt.Fprintln(w, st.ErrorText.UnsetTransform().Render(name+": "+msg))
		if usage {
			fmt.Fprintln(w)
			fmt.Fprintln(w, st.ErrorText.Render("see '"+name+" --help'"))
		}
		fmt.Fprintln(w)
	}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

const versionDescription = `Print the version (the same as --version).`

func newVersionCmd(e env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print the version",
		Long:  versionDescription,
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintf(e.stdout, "cxr-auditor %s\n", version)
			return err
		},
	}
}

// argsBetween accepts min to max positional arguments; otherwise it is a
// usage error saying what is wanted ("want one WORKLIST") and what came.
func argsBetween(lo, hi int, want string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) < lo || len(args) > hi {
			return fmt.Errorf("%w: %s, got %d arguments", errUsage, want, len(args))
		}
		return nil
	}
}

// exactArgs accepts exactly n positional arguments.
func exactArgs(n int, want string) cobra.PositionalArgs { return argsBetween(n, n, want) }

// noArgs refuses any positional argument, naming the first.
func noArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, args[0])
	}
	return nil
}

// first is the first positional argument, or "" when there is none.
func first(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return args[0]
}
