package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/sahilm/fuzzy"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// The search ("/") narrows the worklist as the reviewer types, the way
// bubbles' list filters: an item stays when its id or its draft contains
// the text (ignoring case), or its id matches it fuzzily (the letters in
// order, as sahilm/fuzzy scores them, which bubbles/list uses). Enter
// keeps the search (the worklist title shows it), esc clears it.

// searchDialog is the search input in the message line.
type searchDialog struct{ input textinput.Model }

func newSearchDialog() searchDialog {
	in := textinput.New()
	in.Prompt = "/"
	in.CharLimit = 256
	st := in.Styles()
	st.Cursor.Blink = false
	in.SetStyles(st)
	return searchDialog{input: in}
}

// Open starts editing query.
func (d *searchDialog) Open(query string) tea.Cmd {
	d.input.SetValue(query)
	d.input.CursorEnd()
	return d.input.Focus()
}

// SetSize sets the input's width.
func (d *searchDialog) SetSize(w int) { d.input.SetWidth(max(10, w-30)) }

// The search dialog's intents.
type (
	// searchChanged: the text changed; the list follows it.
	searchChanged struct{ query string }
	// keepSearch: close the input, keep the search.
	keepSearch struct{}
	// clearSearch: close the input, show every item again.
	clearSearch struct{}
	// stepMatch: move the cursor among the matches.
	stepMatch struct{ delta int }
)

func (searchChanged) isIntent() {}
func (keepSearch) isIntent()    {}
func (clearSearch) isIntent()   {}
func (stepMatch) isIntent()     {}

// HandleKey: enter keeps, esc clears, ↑/↓ move among the matches, the rest
// edits.
func (d *searchDialog) HandleKey(msg tea.KeyPressMsg, k KeyMap) (intent, tea.Cmd) {
	switch {
	case key.Matches(msg, k.Cancel):
		d.input.Blur()
		return clearSearch{}, nil
	case key.Matches(msg, k.Confirm):
		d.input.Blur()
		return keepSearch{}, nil
	case key.Matches(msg, k.SearchNext):
		return stepMatch{1}, nil
	case key.Matches(msg, k.SearchPrev):
		return stepMatch{-1}, nil
	}
	before := d.input.Value()
	cmd := d.Update(msg)
	if q := d.input.Value(); q != before {
		return searchChanged{query: q}, cmd
	}
	return nil, cmd
}

// Update forwards other messages (pastes) to the input.
func (d *searchDialog) Update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	d.input, cmd = d.input.Update(msg)
	return cmd
}

// View draws the input line.
func (d *searchDialog) View() string { return d.input.View() }

// openSearch opens the search input on the current search.
func (m *Model) openSearch() tea.Cmd {
	m.setMode(modeSearch)
	return m.search.Open(m.nav.search)
}

// applySearch narrows the list to the items matching query ("" shows them
// all) and keeps the cursor on a match: the current item if it matches,
// else the nearest.
func (m *Model) applySearch(query string) tea.Cmd {
	m.nav.search = strings.TrimSpace(query)
	m.nav.hits = m.data.matching(m.nav.search)
	m.nav.dirty = true
	cmd := m.toNearest()
	if m.nav.search != "" {
		m.setMsg(msgInfo, "search: "+Sanitize(m.nav.search)+" ("+count(len(m.nav.visible), "item")+")")
	}
	return cmd
}

// matching returns which items match query (nil for every item).
func (d *reviewData) matching(query string) []bool {
	if query == "" {
		return nil
	}
	if d.searchText == nil {
		d.searchText = make([]string, len(d.items))
		for i, it := range d.items {
			d.searchText[i] = strings.ToLower(it.ID + "\x00" + it.Draft)
		}
	}
	q := strings.ToLower(query)
	hits := make([]bool, len(d.items))
	for i, s := range d.searchText {
		hits[i] = strings.Contains(s, q)
	}
	for _, f := range fuzzy.FindFrom(q, itemIDs(d.items)) {
		hits[f.Index] = true
	}
	return hits
}

// itemIDs lets fuzzy read the ids without copying them.
type itemIDs []audit.Item

func (s itemIDs) String(i int) string { return s[i].ID }
func (s itemIDs) Len() int            { return len(s) }
