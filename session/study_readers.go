package session

import (
	"context"
	"strings"

	"github.com/cxr-auditor/cxr-auditor/tui"
)

// StudyReaders changes a study's readers, recording who did it and why in
// the study's log and the event log. With from empty it adds reader to
// the readers (items assigned later count them); otherwise from departs
// and the items from had not read go to to in turn (a name in to that is
// not a reader yet is added first: a replacement). It says which items
// moved.
func StudyReaders(ctx context.Context, env Env, f StudyStore, name, from string, to []string, why string) error {
	command := "study add-reader"
	if from != "" {
		command = "study reassign"
	}
	// The worklist only names the store here: its rows are not recorded.
	f.DB, f.Worklist = StoreLocation(f.DB, f.Worklist, env.Getenv), ""
	s, err := openStudyStore(ctx, env, command, f)
	if err != nil {
		return err
	}
	defer s.Close()
	by := LoginName(env)
	if from == "" {
		if err := s.AddStudyReader(ctx, name, first(to), by, why); err != nil {
			return err
		}
		WriteLine(env.Stdout, "study %s: %s added as a reader by %s ('cxr-auditor study assign %s' gives them items added later)", name, first(to), by, name)
		return nil
	}
	moved, err := s.DepartStudyReader(ctx, name, from, to, by, why)
	if err != nil {
		return err
	}
	WriteLine(env.Stdout, "study %s: %s departed (recorded by %s); their verdicts are refused from now on", name, from, by)
	WriteLine(env.Stdout, "%s moved to %s", tui.Count(len(moved), "unread item"), strings.Join(to, ", "))
	return nil
}

func first(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	return ss[0]
}
