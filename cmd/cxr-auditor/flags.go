package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"
)

// flagHelp is returned when the user asked for --help; it exits 0.
var flagHelp = errors.New("help requested")

// newFlagSet makes a FlagSet whose usage text names the command, its
// arguments, what it does and the research-only disclaimer.
func newFlagSet(e env, name, argsUsage, description string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: cxr-auditor %s [flags] %s\n\n%s\n\n%s\n", name, argsUsage, strings.TrimSpace(description), disclaimer)
		var any bool
		fs.VisitAll(func(*flag.Flag) { any = true })
		if any {
			fmt.Fprintf(out, "\nFlags:\n")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses args, turning -h/--help into flagHelp (usage printed to
// stdout) and any other flag error into errUsage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return flagHelp
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

// stringList is a repeatable string flag (for example --ollama URL twice).
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

// Set appends one value; a comma-separated value adds each part.
func (s *stringList) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*s = append(*s, p)
		}
	}
	return nil
}
