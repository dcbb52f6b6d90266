package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// flagHelp is returned when the user asked for --help; it exits 0.
var flagHelp = errors.New("help requested")

// newFlagSet makes a FlagSet whose usage text names the command, its
// arguments, what it does and the research-only disclaimer.
func newFlagSet(e env, name, argsUsage, description string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// Parse errors are reported once, by realMain, with a pointer to
	// --help, instead of the error followed by the whole usage text.
	fs.SetOutput(io.Discard)
	help := &helpValue{out: e.stdout}
	fs.Var(help, "help", "show this help")
	fs.Var(help, "h", "show this help")
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: %s\n\n%s\n\n%s\n", strings.TrimSpace("cxr-auditor "+name+" [flags] "+argsUsage), strings.TrimSpace(description), disclaimer)
		printDefaults(out, fs)
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
	if f := fs.Lookup("help"); f != nil {
		if h, ok := f.Value.(*helpValue); ok && h.on {
			fs.SetOutput(h.out)
			fs.Usage()
			return flagHelp
		}
	}
	return nil
}

// helpValue is the -h/--help flag. Help that was asked for is output, not an
// error: it goes to stdout (where `| less` finds it) and exits 0, whereas
// flag.FlagSet sends it to the error stream.
type helpValue struct {
	on  bool
	out io.Writer
}

func (h *helpValue) String() string   { return "" }
func (h *helpValue) IsBoolFlag() bool { return true }
func (h *helpValue) Set(v string) error {
	h.on = v == "true" || v == "1"
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

// printDefaults lists the flags like flag.PrintDefaults, without the -h
// alias of -help.
func printDefaults(out io.Writer, fs *flag.FlagSet) {
	first := true
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name == "h" {
			return
		}
		if first {
			fmt.Fprintf(out, "\nFlags:\n")
			first = false
		}
		name, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		line += "\n    \t" + strings.ReplaceAll(usage, "\n", "\n    \t")
		switch f.DefValue {
		case "", "false", "0", "[]", "0s":
		default:
			if name == "string" || strings.ContainsAny(f.DefValue, " ,") {
				line += fmt.Sprintf(" (default %q)", f.DefValue)
			} else {
				line += fmt.Sprintf(" (default %v)", f.DefValue)
			}
		}
		fmt.Fprintln(out, line)
	})
}

// labelsFlag is a comma-separated list of canonical labels (--urgent),
// checked while the flags are parsed, so a typo is a usage error that names
// the label. "" is an empty list (nothing urgent).
type labelsFlag struct{ labels []schema.Label }

func (f *labelsFlag) String() string {
	if f == nil {
		return ""
	}
	s := make([]string, len(f.labels))
	for i, l := range f.labels {
		s[i] = string(l)
	}
	return strings.Join(s, ",")
}

// Set replaces the list with the labels in v.
func (f *labelsFlag) Set(v string) error {
	ls, err := schema.ParseLabelList(v)
	if err != nil {
		return err
	}
	f.labels = ls
	return nil
}

// addUrgentFlag defines --urgent on fs, defaulting to schema.DefaultUrgent.
func addUrgentFlag(fs *flag.FlagSet, usage string) *labelsFlag {
	f := &labelsFlag{labels: schema.DefaultUrgent()}
	fs.Var(f, "urgent", usage)
	return f
}
