package main

import "github.com/spf13/cobra"

// File completions. The shell offers directories too, so that a path can
// be walked to.

// completeWorklist completes the one WORKLIST argument: CSV and JSONL files
// and directories (a directory of images is a worklist too).
func completeWorklist(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return []cobra.Completion{"csv", "jsonl"}, cobra.ShellCompDirectiveFilterFileExt
}

// completeImage completes the one IMAGE argument of render.
func completeImage(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return []cobra.Completion{"png", "jpg", "jpeg", "dcm"}, cobra.ShellCompDirectiveFilterFileExt
}

// completeStore completes a --db flag: store files.
func completeStore(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return []cobra.Completion{"db"}, cobra.ShellCompDirectiveFilterFileExt
}

// completeJSON completes a flag naming JSON or JSONL input (findings,
// predictions, truth); raw model output may be any text, so .txt too.
func completeJSON(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return []cobra.Completion{"json", "jsonl", "txt"}, cobra.ShellCompDirectiveFilterFileExt
}

// completeWords completes a flag whose value is one of words.
func completeWords(words ...string) cobra.CompletionFunc {
	return cobra.FixedCompletions(words, cobra.ShellCompDirectiveNoFileComp)
}

// graphicsProtocols are the values of --graphics and --protocol.
var graphicsProtocols = []string{"auto", "kitty", "sixel", "iterm2", "blocks", "text"}

// completeJSONL completes an output flag that names a JSONL file.
func completeJSONL(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return []cobra.Completion{"jsonl"}, cobra.ShellCompDirectiveFilterFileExt
}
