package session

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/cxr-auditor/cxr-auditor/internal/safefile"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// checkStore checks the store at location (a file or a postgres:// URL)
// without creating, migrating or changing it: store.Diagnose decides, this
// only turns its findings into doctor checks (a fix in words joins the
// message; a fix that is a command is the check's fix line). The location
// is shown without its password.
func checkStore(ctx context.Context, location string) []DoctorCheck {
	shown := store.RedactURL(location)
	// Stat first: opening a named pipe would block the doctor for good.
	if st, err := os.Stat(location); err == nil && !st.Mode().IsRegular() {
		return []DoctorCheck{{Check: "store", Target: shown, Status: CheckFail,
			Message: fmt.Sprintf("store %s is %s, not a store file; give --db a file name (run and review create it)", location, safefile.Kind(st.Mode()))}}
	}
	var out []DoctorCheck
	for _, c := range store.Diagnose(ctx, location) {
		d := DoctorCheck{Check: "store", Target: shown, Message: c.Message}
		if c.Name != "connection" && !strings.HasPrefix(c.Message, "warning: ") {
			d.Message = "store " + c.Name + ": " + c.Message
		}
		if c.Fix != "" {
			d.Message += "; " + c.Fix
		}
		if len(c.Command) > 0 {
			quoted := make([]string, len(c.Command))
			for i, a := range c.Command {
				quoted[i] = shellQuote(a)
			}
			d.Fix = strings.Join(quoted, " ")
		}
		switch c.Status {
		case store.CheckOK:
			d.Status = CheckOK
		case store.CheckWarn:
			d.Status = CheckWarn
		default:
			d.Status = CheckFail
		}
		out = append(out, d)
	}
	return out
}
