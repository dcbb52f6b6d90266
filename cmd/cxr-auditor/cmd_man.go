package main

import (
	"fmt"

	mcobra "github.com/muesli/mango-cobra"
	"github.com/muesli/roff"
	"github.com/spf13/cobra"
)

const manDescription = `Print the manual page (roff, section 1) on stdout: every command and
flag, the exit statuses and the disclaimer.`

const manExample = `
cxr-auditor man | man -l -
cxr-auditor man > cxr-auditor.1`

// manExitStatus is the EXIT STATUS section of the manual page.
const manExitStatus = `0 when everything succeeded; 1 on a failure (doctor: anything needs fixing);
2 on a usage error, and for run when an item or a worklist row failed; 130
when interrupted (Ctrl-C).`

func newManCmd(e env) *cobra.Command {
	return &cobra.Command{
		Use:     "man",
		Short:   "print the manual page (roff)",
		Long:    manDescription,
		Example: manExample,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			page, err := mcobra.NewManPage(1, cmd.Root())
			if err != nil {
				return fmt.Errorf("man page: %w", err)
			}
			page = page.WithSection("Exit status", manExitStatus).
				WithSection("Disclaimer", disclaimer)
			_, err = fmt.Fprint(e.stdout, page.Build(roff.NewDocument()))
			return err
		},
	}
}
