package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// labelsFlag is the one --urgent flag type every command shares: a
// comma-separated list of canonical labels, checked while the flags are
// parsed, so a typo is a usage error that names the label. "" is an empty
// list (nothing urgent).
type labelsFlag struct{ labels []schema.Label }

// String returns the labels, comma-separated.
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

// Type names the value in help and completions.
func (f *labelsFlag) Type() string { return "labels" }

// addUrgentFlag defines --urgent on cmd, defaulting to schema.DefaultUrgent,
// with the canonical labels as its completions.
func addUrgentFlag(cmd *cobra.Command, usage string) *labelsFlag {
	f := &labelsFlag{labels: schema.DefaultUrgent()}
	cmd.Flags().Var(f, "urgent", usage)
	_ = cmd.RegisterFlagCompletionFunc("urgent", completeLabels)
	return f
}

// completeLabels offers the positive labels after what is already typed
// in a comma-separated list.
func completeLabels(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	prefix := ""
	if i := strings.LastIndex(toComplete, ","); i >= 0 {
		prefix = toComplete[:i+1]
	}
	var out []cobra.Completion
	for _, l := range schema.PositiveLabels() {
		out = append(out, prefix+string(l))
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}
