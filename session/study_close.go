package session

import (
	"context"
	"fmt"
	"strings"

	"github.com/cxr-auditor/cxr-auditor/store"
)

// StudyClose closes the study (reopen false: verdicts given in it are
// refused from now on) or reopens it, recording who did it and why in the
// study's log and the event log.
func StudyClose(ctx context.Context, env Env, f StudyStore, name, why string, reopen bool) error {
	command := "study close"
	if reopen {
		command = "study reopen"
	}
	// The worklist only names the store here: its rows are not recorded.
	f.DB, f.Worklist = StoreLocation(f.DB, f.Worklist, env.Getenv), ""
	s, err := openStudyStore(ctx, env, command, f)
	if err != nil {
		return err
	}
	defer s.Close()
	by := LoginName(env)
	if reopen {
		err = s.ReopenStudy(ctx, name, by, why)
	} else {
		err = s.CloseStudy(ctx, name, by, why)
	}
	if err != nil {
		return err
	}
	if reopen {
		WriteLine(env.Stdout, "study %s reopened by %s: it takes verdicts again", name, by)
	} else {
		WriteLine(env.Stdout, "study %s closed by %s: verdicts given in it are refused until 'cxr-auditor study reopen %s'", name, by, name)
	}
	return nil
}

// printStudyLog says, under a study's heading in `study status`, whether
// it is closed and what was done to it: closes, reopens, and the readers
// who read it unblinded.
func printStudyLog(env Env, log []store.StudyLogEntry, closed bool) {
	if closed {
		WriteLine(env.Stdout, "CLOSED: verdicts are refused ('cxr-auditor study reopen' opens it again)")
	}
	for _, e := range log {
		what := map[string]string{"close": "closed", "reopen": "reopened", "unblind": "read UNBLINDED (saw the other readers' verdicts)",
			"add": "added as a reader", "depart": "DEPARTED: unread items to " + strings.Join(e.Successors, ", ")}[e.Kind]
		line := fmt.Sprintf("%s: %s %s", e.At.Format("2006-01-02 15:04 MST"), e.Annotator, what)
		if e.By != "" {
			line += " by " + e.By
		}
		if e.Detail != "" {
			line += " (" + e.Detail + ")"
		}
		WriteLine(env.Stdout, "log: %s", line)
	}
}

func nonNilLog(l []store.StudyLogEntry) []store.StudyLogEntry {
	if l == nil {
		return []store.StudyLogEntry{}
	}
	return l
}

// printUnclaimed names the verdicts from before verdicts named their study
// that this study and another could both claim: the upgrade left them out
// of every study rather than guess, so they count in no unit's state.
func printUnclaimed(env Env, us []store.UnclaimedVerdict) {
	for _, u := range us {
		WriteLine(env.Stdout, "NOT COUNTED: %s's verdict #%d on %s is from before verdicts named their study, and %s could each claim it; give it again in this study's session",
			u.Annotator, u.VerdictID, u.ItemID, strings.Join(u.Studies, " and "))
	}
}
