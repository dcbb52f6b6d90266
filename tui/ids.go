package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Ids in a worklist often share a long prefix ("demo-2024-site-a-…") and
// differ at the end. Where an id does not fit, the shared prefix goes
// first (shown as "…"), then the middle of what is left: the part that
// tells items apart stays readable.

// sharedIDPrefix is the prefix (sanitized) every item id shares, cut back
// to its last separator so the rest starts at a whole word ("" for fewer
// than two items).
func sharedIDPrefix(ids []string) string {
	if len(ids) < 2 {
		return ""
	}
	p := Sanitize(ids[0])
	for _, id := range ids[1:] {
		s := Sanitize(id)
		n := 0
		for n < len(p) && n < len(s) && p[n] == s[n] {
			n++
		}
		p = p[:n]
		if p == "" {
			return ""
		}
	}
	if i := strings.LastIndexAny(p, "-_/.: "); i >= 0 {
		return p[:i+1]
	}
	return ""
}

// fitID shortens a sanitized id to w cells: whole when it fits; else
// without the shared prefix ("…0007"); else with the middle of the rest
// cut as well.
func fitID(id, prefix string, w int) string {
	if ansi.StringWidth(id) <= w {
		return id
	}
	if rest, ok := strings.CutPrefix(id, prefix); ok && prefix != "" {
		if ansi.StringWidth(rest)+1 <= w {
			return "…" + rest
		}
		if w >= 4 {
			return "…" + truncateMiddle(rest, w-1)
		}
	}
	return truncateMiddle(id, w)
}

// fitTitle is a pane title made of an id and what follows it, in w cells:
// the id gives way first (fitID, down to a few cells), so the readout
// after it stays.
func fitTitle(id, prefix, rest string, w int) string {
	rw := ansi.StringWidth(rest)
	if ansi.StringWidth(id)+rw <= w {
		return id + rest
	}
	idW := max(w-rw, min(12, ansi.StringWidth(id)))
	return fitID(id, prefix, idW) + rest
}
