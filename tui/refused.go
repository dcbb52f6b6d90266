package tui

import (
	"errors"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// Refused is a verdict the store refused for what the verdict is, not
// for a fault: pressing the key again would be refused again. Reason says
// why in a few words (the message line says it whole at 80 columns,
// after "NOT saved " and the label); Agreed, when set, is the readers'
// final decision on the unit: it is shown agreed from then on, as the
// study's other agreed units are. The session turns the store's refusals
// into it.
type Refused struct {
	Reason string
	Agreed audit.Decision
}

func (r *Refused) Error() string { return r.Reason }

// refusal is err's Refused, if it is one.
func refusal(err error) (*Refused, bool) {
	var r *Refused
	ok := errors.As(err, &r)
	return r, ok
}
