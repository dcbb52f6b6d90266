package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
)

// keyDocModes are the modes KeyTables documents, in order, with the
// heading of each table.
var keyDocModes = []struct {
	md    mode
	title string
}{
	{modeBrowse, "Browsing"},
	{modeHelp, "Help screen (`?`): the browsing keys, and"},
	{modeRaw, "Raw output viewer (`r`)"},
	{modeNote, "Note editor (`a`)"},
	{modeJump, "Jump to an id (`:`)"},
	{modeSearch, "Search ids and drafts (`/`)"},
	{modeBlocked, "Models unavailable (shown at start when a model cannot run on any host)"},
}

// KeyTables returns the keys of every mode as Markdown tables, generated
// from the bindings (as the help line and the help screen are), so that
// README.md and docs/tui.md, which carry this text, list exactly the keys
// that work in each mode. A test fails when the documents differ from it.
func (k KeyMap) KeyTables() string {
	var b strings.Builder
	browse := map[string]bool{}
	for i, dm := range keyDocModes {
		km := k
		km.setMode(dm.md)
		// In the raw viewer the scroll and close keys are matched first: a
		// judging key's keys they take (↓, ↑) do not work there.
		shadow := map[string]bool{}
		own := map[string]bool{}
		if dm.md == modeRaw {
			for _, rb := range km.raw() {
				own[rb.Help().Key+"\x00"+rb.Help().Desc] = true
				for _, p := range strings.Split(rb.Help().Key, "/") {
					shadow[p] = true
				}
			}
		}
		var rows []key.Binding
		for _, col := range km.FullHelp() {
			for _, kb := range col {
				if !kb.Enabled() || kb.Help().Key == "" {
					continue
				}
				id := kb.Help().Key + "\x00" + kb.Help().Desc
				if dm.md == modeBrowse {
					browse[id] = true
				} else if dm.md == modeHelp && browse[id] {
					continue
				}
				if len(shadow) > 0 && !own[id] {
					kb = unshadowed(kb, shadow)
				}
				rows = append(rows, kb)
			}
		}
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString("**" + dm.title + "**\n\n| key | action |\n| --- | --- |\n")
		for _, kb := range rows {
			b.WriteString("| " + keyCell(kb.Help().Key) + " | " + kb.Help().Desc + " |\n")
		}
	}
	return b.String()
}

// keyCell writes a help key ("j/↓", "?/esc", "/") as Markdown code spans,
// one per key.
func keyCell(k string) string {
	parts := strings.Split(k, "/")
	if k == "/" || len(parts) < 2 {
		return "`" + k + "`"
	}
	for _, p := range parts {
		if p == "" {
			return "`" + k + "`"
		}
	}
	return "`" + strings.Join(parts, "` `") + "`"
}

// unshadowed is kb for display with the help keys in shadow left out.
func unshadowed(kb key.Binding, shadow map[string]bool) key.Binding {
	if kb.Help().Key == "/" {
		return kb
	}
	var keep []string
	for _, p := range strings.Split(kb.Help().Key, "/") {
		if !shadow[p] {
			keep = append(keep, p)
		}
	}
	return key.NewBinding(key.WithKeys(kb.Keys()...), key.WithHelp(strings.Join(keep, "/"), kb.Help().Desc))
}
