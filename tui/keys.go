package tui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
)

// mode is what the keyboard currently drives. Each mode has its own set of
// enabled bindings (KeyMap.setMode), so the help line and the help screen
// list exactly the keys that work at that moment.
type mode int

const (
	// modeBrowse: the worklist, the disagreements, verdicts and the image.
	modeBrowse mode = iota
	// modeHelp: browsing with every key listed below the panes; the
	// browse keys keep working, `?` or esc closes it.
	modeHelp
	// modeJump: the jump-to-id input in the message line.
	modeJump
	// modeSearch: the search input; the worklist follows what is typed.
	modeSearch
	// modeNote: the note editor.
	modeNote
	// modeRaw: the raw model output viewer.
	modeRaw
	// modeBlocked: the preflight's blocking message over the panes (the
	// models cannot run anywhere); esc closes it, q quits.
	modeBlocked
)

// KeyMap holds every key binding of the workstation, grouped by the mode
// that uses it. It satisfies help.KeyMap, so the help line and the help
// screen are generated from the same bindings the update function matches:
// they cannot drift apart. The workstation enables only the current mode's
// bindings (Binding.SetEnabled, as bubbles/list does), and the help shows
// only enabled ones. Rebind a key with Binding.SetKeys and SetHelp.
type KeyMap struct {
	// Browse: worklist navigation.
	Next, Prev, First, Last key.Binding
	Search, Jump            key.Binding
	Filter, FilterBack      key.Binding
	UrgentFirst             key.Binding
	// Skip flags the item for later (again: unflags) and moves on.
	Skip key.Binding

	// Browse: disagreements and adjudication.
	NextDisagreement, PrevDisagreement key.Binding
	ImageRight, DraftRight             key.Binding
	BothWrong, Unsure                  key.Binding
	Note, Undo                         key.Binding
	// DisagreementNote edits the note on the selected disagreement (Note
	// stays the item's).
	DisagreementNote key.Binding

	// Browse: triage against the truth. TruthView swaps the
	// disagreements for the errors against the truth; the triage keys
	// work there (Unsure too), the draft's verdict keys do not.
	TruthView, Metrics                key.Binding
	ModelWrong, TruthWrong, Ambiguous key.Binding
	// Truth corrections: take the model's finding into the truth, remove
	// the truth's, pick a box edge and move it.
	AcceptModel, RemoveTruth, Edge, EdgeBack, EdgeOn key.Binding
	// The worklist by the rows against the truth: filter and order.
	TruthFilter, TruthOrder key.Binding

	// Browse, comparing two runs: the judgment of a difference (Unsure
	// too); the draft's verdict keys are off there.
	PreferA, PreferB, PreferBothRight, PreferBothWrong key.Binding

	// Browse: image. The window keys mean the same on every image:
	// WidthDown narrows the window (more contrast), Brighter brightens,
	// whether the file is PNG, JPEG, MONOCHROME2 or MONOCHROME1.
	Boxes              key.Binding
	WidthDown, WidthUp key.Binding
	Darker, Brighter   key.Binding
	Preset, PresetBack key.Binding
	// PresetNumber picks a preset by its number (its keys are digits;
	// while comparing two runs the compare keys take 1-4).
	PresetNumber        key.Binding
	WindowReset, Invert key.Binding
	ZoomIn, ZoomOut     key.Binding
	ZoomBox, ZoomReset  key.Binding
	PanLeft, PanRight   key.Binding
	PanUp, PanDown      key.Binding

	// Browse: everything else. Help opens the help screen; in the raw
	// viewer and the blocking message it shows that mode's keys.
	// HelpInText does the same where ? is text (note, jump, search).
	Raw, Rerun, Help, Quit key.Binding
	HelpInText             key.Binding

	// Help screen.
	CloseHelp key.Binding

	// Raw output viewer: scrolling (the viewport's own key map is set from
	// these) and closing. The disagreement keys and the verdict keys work
	// there too, so an output can be read and judged without closing it;
	// j/k scroll there, as in a pager.
	ScrollUp, ScrollDown     key.Binding
	HalfPageUp, HalfPageDown key.Binding
	PageUp, PageDown         key.Binding
	CloseRaw                 key.Binding

	// Jump and search inputs, note editor.
	Confirm, Cancel, SaveNote key.Binding
	SearchNext, SearchPrev    key.Binding

	// Every mode: quit (after the pending writes, like Quit) even where q
	// is text or closes a dialog; suspend to the shell (fg resumes), as
	// ctrl+z does in any terminal program; redraw the screen and the
	// picture, as ctrl+l does (after something drew over them: tmux
	// without focus-events, a wall message).
	ForceQuit, Suspend, Redraw key.Binding
}

// DefaultKeyMap returns the default bindings, all enabled (the workstation
// enables the current mode's). Verdict keys are mnemonic: i = the image is
// right, d = the draft is right, b = both wrong, u = unsure. Each call
// returns a new KeyMap.
func DefaultKeyMap() KeyMap {
	k := KeyMap{
		Next:        key.NewBinding(key.WithKeys("j", "down"), key.WithHelp("j/↓", "next item")),
		Prev:        key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("k/↑", "previous item")),
		First:       key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g/home", "first item")),
		Last:        key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G/end", "last item")),
		Search:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search ids and drafts")),
		Jump:        key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "jump to id")),
		Filter:      key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "next filter")),
		FilterBack:  key.NewBinding(key.WithKeys("F"), key.WithHelp("F", "previous filter")),
		UrgentFirst: key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "urgent first on/off")),
		Skip:        key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "later: skip, flag for later")),

		NextDisagreement: key.NewBinding(key.WithKeys("n", "tab"), key.WithHelp("n/tab", "next disagreement")),
		PrevDisagreement: key.NewBinding(key.WithKeys("p", "shift+tab"), key.WithHelp("p/⇧tab", "previous disagreement")),
		ImageRight:       key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "image right")),
		DraftRight:       key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "draft right")),
		BothWrong:        key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "both wrong")),
		Unsure:           key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "unsure")),
		Note:             key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "item note")),
		DisagreementNote: key.NewBinding(key.WithKeys("A"), key.WithHelp("A", "disagreement note")),
		Undo:             key.NewBinding(key.WithKeys("z"), key.WithHelp("z", "undo")),

		PreferA:         key.NewBinding(key.WithKeys("1"), key.WithHelp("1", "A right")),
		PreferB:         key.NewBinding(key.WithKeys("2"), key.WithHelp("2", "B right")),
		PreferBothRight: key.NewBinding(key.WithKeys("3"), key.WithHelp("3", "A and B right")),
		PreferBothWrong: key.NewBinding(key.WithKeys("4"), key.WithHelp("4", "A and B wrong")),

		Boxes:      key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "boxes on/off")),
		WidthDown:  key.NewBinding(key.WithKeys("["), key.WithHelp("[", "more contrast")),
		WidthUp:    key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "less contrast")),
		Darker:     key.NewBinding(key.WithKeys("{"), key.WithHelp("{", "darker")),
		Brighter:   key.NewBinding(key.WithKeys("}"), key.WithHelp("}", "brighter")),
		Preset:     key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "next window preset")),
		PresetBack: key.NewBinding(key.WithKeys("W"), key.WithHelp("W", "previous preset")),
		PresetNumber: key.NewBinding(key.WithKeys(presetDigits()...),
			key.WithHelp("1-"+itoa(int(numPresets)), "window preset N")),
		WindowReset: key.NewBinding(key.WithKeys("="), key.WithHelp("=", "reset window")),
		Invert:      key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "invert")),
		ZoomIn:      key.NewBinding(key.WithKeys("+"), key.WithHelp("+", "zoom in")),
		ZoomOut:     key.NewBinding(key.WithKeys("-"), key.WithHelp("-", "zoom out")),
		ZoomBox:     key.NewBinding(key.WithKeys("Z"), key.WithHelp("Z", "zoom to the box")),
		ZoomReset:   key.NewBinding(key.WithKeys("0"), key.WithHelp("0", "whole image")),
		PanLeft:     key.NewBinding(key.WithKeys("H", "shift+left"), key.WithHelp("H", "pan left")),
		PanRight:    key.NewBinding(key.WithKeys("L", "shift+right"), key.WithHelp("L", "pan right")),
		PanUp:       key.NewBinding(key.WithKeys("K", "shift+up"), key.WithHelp("K", "pan up")),
		PanDown:     key.NewBinding(key.WithKeys("J", "shift+down"), key.WithHelp("J", "pan down")),

		Raw:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "raw model output")),
		Rerun: key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "rerun (ignore cache)")),
		Help:  key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "all keys")),

		HelpInText: key.NewBinding(key.WithKeys("f1"), key.WithHelp("f1", "all keys")),
		Quit:       key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),

		CloseHelp: key.NewBinding(key.WithKeys("?", "esc"), key.WithHelp("?/esc", "close help")),

		ScrollUp:     key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("k/↑", "scroll up")),
		ScrollDown:   key.NewBinding(key.WithKeys("j", "down"), key.WithHelp("j/↓", "scroll down")),
		HalfPageUp:   key.NewBinding(key.WithKeys("ctrl+u"), key.WithHelp("ctrl+u", "½ page up")),
		HalfPageDown: key.NewBinding(key.WithKeys("ctrl+d"), key.WithHelp("ctrl+d", "½ page down")),
		PageUp:       key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown:     key.NewBinding(key.WithKeys("pgdown", "space"), key.WithHelp("pgdn/space", "page down")),
		CloseRaw:     key.NewBinding(key.WithKeys("esc", "r", "q"), key.WithHelp("esc/r/q", "close")),

		Confirm:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "go")),
		Cancel:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		SaveNote: key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "save note")),

		SearchNext: key.NewBinding(key.WithKeys("down", "ctrl+n"), key.WithHelp("↓", "next match")),
		SearchPrev: key.NewBinding(key.WithKeys("up", "ctrl+p"), key.WithHelp("↑", "previous match")),

		ForceQuit: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		Suspend:   key.NewBinding(key.WithKeys("ctrl+z"), key.WithHelp("ctrl+z", "suspend (fg resumes)")),
		Redraw:    key.NewBinding(key.WithKeys("ctrl+l"), key.WithHelp("ctrl+l", "redraw the screen")),
	}
	truthBindings(&k)
	return k
}

// truthBindings sets the keys of triage against the truth: the view,
// the metrics pane, the triage verdicts and the corrections.
func truthBindings(k *KeyMap) {
	k.TruthView = key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "truth view on/off"))
	k.Metrics = key.NewBinding(key.WithKeys("M"), key.WithHelp("M", "metrics vs truth on/off"))
	k.ModelWrong = key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "model wrong"))
	k.TruthWrong = key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "truth wrong"))
	k.Ambiguous = key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "ambiguous"))
	k.AcceptModel = key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "model's finding into the truth"))
	k.RemoveTruth = key.NewBinding(key.WithKeys("X"), key.WithHelp("X", "remove the truth's finding"))
	k.Edge = key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "next truth box edge"))
	k.EdgeBack = key.NewBinding(key.WithKeys("("), key.WithHelp("(", "edge up/left"))
	k.EdgeOn = key.NewBinding(key.WithKeys(")"), key.WithHelp(")", "edge down/right"))
	k.TruthFilter = key.NewBinding(key.WithKeys("T"), key.WithHelp("T", "next truth filter"))
	k.TruthOrder = key.NewBinding(key.WithKeys("O"), key.WithHelp("O", "misses first / worst IoU first"))
}

// browse returns the bindings of the browse mode (also live while the help
// screen is open).
func (k *KeyMap) browse() []*key.Binding {
	return []*key.Binding{
		&k.Next, &k.Prev, &k.First, &k.Last, &k.Search, &k.Jump, &k.Filter, &k.FilterBack, &k.UrgentFirst, &k.Skip,
		&k.NextDisagreement, &k.PrevDisagreement, &k.ImageRight, &k.DraftRight, &k.BothWrong, &k.Unsure, &k.Note, &k.DisagreementNote, &k.Undo,
		&k.TruthView, &k.Metrics, &k.ModelWrong, &k.TruthWrong, &k.Ambiguous,
		&k.PreferA, &k.PreferB, &k.PreferBothRight, &k.PreferBothWrong,
		&k.AcceptModel, &k.RemoveTruth, &k.Edge, &k.EdgeBack, &k.EdgeOn, &k.TruthFilter, &k.TruthOrder,
		&k.Boxes, &k.WidthDown, &k.WidthUp, &k.Darker, &k.Brighter, &k.Preset, &k.PresetBack, &k.PresetNumber, &k.WindowReset, &k.Invert,
		&k.ZoomIn, &k.ZoomOut, &k.ZoomBox, &k.ZoomReset, &k.PanLeft, &k.PanRight, &k.PanUp, &k.PanDown,
		&k.Raw, &k.Rerun, &k.Help, &k.Quit,
	}
}

// raw returns the bindings of the raw output viewer.
func (k *KeyMap) raw() []*key.Binding {
	return []*key.Binding{&k.ScrollUp, &k.ScrollDown, &k.HalfPageUp, &k.HalfPageDown, &k.PageUp, &k.PageDown, &k.CloseRaw}
}

// rawJudging returns the browse bindings that also work in the raw viewer.
func (k *KeyMap) rawJudging() []*key.Binding {
	return []*key.Binding{&k.NextDisagreement, &k.PrevDisagreement,
		&k.ImageRight, &k.DraftRight, &k.BothWrong, &k.Unsure, &k.Undo}
}

// setMode enables the bindings of md and disables every other one (a
// binding disabled by the caller's KeyMap is enabled again with its mode).
func (k *KeyMap) setMode(md mode) {
	for _, b := range k.browse() {
		b.SetEnabled(md == modeBrowse || md == modeHelp)
	}
	for _, b := range k.raw() {
		b.SetEnabled(md == modeRaw)
	}
	if md == modeRaw {
		for _, b := range k.rawJudging() {
			b.SetEnabled(true)
		}
	}
	k.Help.SetEnabled(md == modeBrowse || md == modeRaw || md == modeBlocked)
	k.HelpInText.SetEnabled(md == modeNote || md == modeJump || md == modeSearch)
	k.CloseHelp.SetEnabled(md == modeHelp)
	k.Confirm.SetEnabled(md == modeJump || md == modeSearch)
	k.Cancel.SetEnabled(md == modeJump || md == modeNote || md == modeSearch || md == modeBlocked)
	if md == modeBlocked {
		k.Quit.SetEnabled(true)
	}
	k.SearchNext.SetEnabled(md == modeSearch)
	k.SearchPrev.SetEnabled(md == modeSearch)
	switch md {
	case modeSearch:
		k.Confirm.SetHelp(k.Confirm.Help().Key, "keep the search")
		k.Cancel.SetHelp(k.Cancel.Help().Key, "clear it")
	case modeNote:
		k.Cancel.SetHelp(k.Cancel.Help().Key, "close (keeps a draft)")
	case modeBlocked:
		k.Cancel.SetHelp(k.Cancel.Help().Key, "review cached results")
	default:
		k.Confirm.SetHelp(k.Confirm.Help().Key, "go")
		k.Cancel.SetHelp(k.Cancel.Help().Key, "cancel")
	}
	k.SaveNote.SetEnabled(md == modeNote)
	k.ForceQuit.SetEnabled(true)
	k.Suspend.SetEnabled(true)
	k.Redraw.SetEnabled(true)
}

// ShortHelp is the one-line help of the current mode: in browse mode what
// a reviewer needs every minute, "?" first so it shows on the narrowest
// terminal. Disabled bindings are not shown.
func (k KeyMap) ShortHelp() []key.Binding {
	forceQuit := k.ForceQuit
	if k.Quit.Enabled() {
		forceQuit.SetEnabled(false) // q says "quit" already
	}
	return []key.Binding{
		k.Help, k.HelpInText, k.CloseHelp, k.CloseRaw, pair(k.ScrollDown, k.ScrollUp, "scroll"), pair(k.PageDown, k.PageUp, "page"),
		pair(k.Next, k.Prev, "item"), pair(k.NextDisagreement, k.PrevDisagreement, "disagreement"),
		k.ImageRight, k.DraftRight, k.BothWrong, k.ModelWrong, k.TruthWrong, k.Ambiguous,
		k.PreferA, k.PreferB, k.PreferBothRight, k.PreferBothWrong, k.Unsure, k.Undo, k.Quit,
		pair(k.SearchNext, k.SearchPrev, "match"), k.Confirm, k.SaveNote, k.Cancel, forceQuit,
	}
}

// pair shows two opposite bindings as one help entry ("j/k item"), built
// from the bindings themselves so it follows a rebinding. It is for
// display only.
func pair(a, b key.Binding, desc string) key.Binding {
	if !a.Enabled() || !b.Enabled() || len(a.Keys()) == 0 || len(b.Keys()) == 0 {
		return key.NewBinding(key.WithDisabled())
	}
	first := func(k key.Binding) string {
		if h := k.Help().Key; h != "" && !strings.Contains(h, "/") {
			return h // a single key, as its help writes it ("↓")
		}
		return k.Keys()[0]
	}
	return key.NewBinding(key.WithKeys(append(a.Keys(), b.Keys()...)...), key.WithHelp(first(a)+"/"+first(b), desc))
}

// notes is the help's note keys: the item's and, where it is on, the
// disagreement's, on one line.
func (k KeyMap) notes() key.Binding {
	if !k.DisagreementNote.Enabled() || !k.Note.Enabled() {
		return k.Note
	}
	return pair(k.Note, k.DisagreementNote, "item note/disagreement note")
}

// FullHelp is the help screen, one column per group; columns without an
// enabled binding are left out.
func (k KeyMap) FullHelp() [][]key.Binding {
	forceQuit := k.ForceQuit
	if k.Quit.Enabled() {
		forceQuit.SetEnabled(false)
	}
	return [][]key.Binding{
		{k.Next, k.Prev, k.First, k.Last, k.Search, k.Jump, k.Filter, k.FilterBack, k.UrgentFirst},
		{k.NextDisagreement, k.PrevDisagreement, k.ImageRight, k.DraftRight, k.BothWrong,
			k.PreferA, k.PreferB, k.PreferBothRight, k.PreferBothWrong, k.Unsure, k.notes(), k.Undo, k.Skip},
		{k.Boxes, k.WidthDown, k.WidthUp, k.Darker, k.Brighter, k.Preset, k.PresetBack, k.WindowReset, k.Invert},
		{k.PresetNumber, k.ZoomIn, k.ZoomOut, k.ZoomBox, k.ZoomReset, pair(k.PanLeft, k.PanRight, "pan left/right"), pair(k.PanUp, k.PanDown, "pan up/down")},
		{k.TruthView, k.Metrics, k.ModelWrong, k.TruthWrong, k.Ambiguous, k.Raw, k.Rerun, k.Help, k.HelpInText, k.CloseHelp, k.Quit},
		{k.ScrollUp, k.ScrollDown, k.HalfPageUp, k.HalfPageDown, k.PageUp, k.PageDown, k.CloseRaw},
		{k.AcceptModel, k.RemoveTruth, k.Edge, k.EdgeBack, k.EdgeOn, k.TruthFilter, k.TruthOrder, k.SearchNext, k.SearchPrev, k.Confirm, k.SaveNote, k.Cancel, forceQuit, k.Suspend, k.Redraw},
	}
}

// fullHelpView draws the help screen in width cells: the columns of
// FullHelp side by side as long as they fit, the rest wrapped below (the
// help bubble would cut them off with "…").
func fullHelpView(h help.Model, k KeyMap, width int) string {
	h.SetWidth(0)
	var rows []string
	var row [][]key.Binding
	for _, col := range k.FullHelp() {
		if !anyEnabled(col) {
			continue
		}
		if len(row) > 0 && lipgloss.Width(h.FullHelpView(append(row, col))) > width {
			rows = append(rows, h.FullHelpView(row))
			row = nil
		}
		row = append(row, col)
	}
	if len(row) > 0 {
		rows = append(rows, h.FullHelpView(row))
	}
	return strings.Join(rows, "\n")
}

func anyEnabled(bs []key.Binding) bool {
	for _, b := range bs {
		if b.Enabled() {
			return true
		}
	}
	return false
}
