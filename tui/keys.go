package tui

import "charm.land/bubbles/v2/key"

// KeyMap holds every key binding of the workstation, grouped by what it
// acts on. It satisfies help.KeyMap, so the help line and the help screen
// are generated from the same bindings the update function matches: they
// cannot drift apart. Rebind a key with Binding.SetKeys and SetHelp.
type KeyMap struct {
	// Worklist navigation.
	Next, Prev, First, Last key.Binding
	Jump                    key.Binding
	Filter, FilterBack      key.Binding
	UrgentFirst             key.Binding

	// Disagreements and adjudication.
	NextDisagreement, PrevDisagreement key.Binding
	ImageRight, DraftRight             key.Binding
	BothWrong, Unsure                  key.Binding
	Note, Undo                         key.Binding

	// Image.
	Boxes                key.Binding
	WidthDown, WidthUp   key.Binding
	CenterDown, CenterUp key.Binding
	WindowReset          key.Binding

	// Everything else.
	Raw, Rerun, Help, Quit key.Binding

	// Dialogs.
	Confirm, Cancel, SaveNote key.Binding
}

// DefaultKeyMap returns the default bindings. Verdict keys are mnemonic:
// i = the image is right, d = the draft is right, b = both wrong,
// u = unsure. Each call returns a new KeyMap.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Next:        key.NewBinding(key.WithKeys("j", "down"), key.WithHelp("j/↓", "next item")),
		Prev:        key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("k/↑", "previous item")),
		First:       key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g/home", "first item")),
		Last:        key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G/end", "last item")),
		Jump:        key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "jump to id")),
		Filter:      key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "next filter")),
		FilterBack:  key.NewBinding(key.WithKeys("F"), key.WithHelp("F", "previous filter")),
		UrgentFirst: key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "urgent first on/off")),

		NextDisagreement: key.NewBinding(key.WithKeys("n", "tab"), key.WithHelp("n/tab", "next disagreement")),
		PrevDisagreement: key.NewBinding(key.WithKeys("p", "shift+tab"), key.WithHelp("p/⇧tab", "previous disagreement")),
		ImageRight:       key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "image right")),
		DraftRight:       key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "draft right")),
		BothWrong:        key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "both wrong")),
		Unsure:           key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "unsure")),
		Note:             key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "annotate (note)")),
		Undo:             key.NewBinding(key.WithKeys("z", "ctrl+z"), key.WithHelp("z", "undo")),

		Boxes:       key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "boxes on/off")),
		WidthDown:   key.NewBinding(key.WithKeys("["), key.WithHelp("[", "narrower window")),
		WidthUp:     key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "wider window")),
		CenterDown:  key.NewBinding(key.WithKeys("{"), key.WithHelp("{", "lower level")),
		CenterUp:    key.NewBinding(key.WithKeys("}"), key.WithHelp("}", "higher level")),
		WindowReset: key.NewBinding(key.WithKeys("="), key.WithHelp("=", "reset window")),

		Raw:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "raw model output")),
		Rerun: key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "rerun (ignore cache)")),
		Help:  key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "all keys")),
		Quit:  key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),

		Confirm:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "go")),
		Cancel:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		SaveNote: key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "save note")),
	}
}

// ShortHelp is the one-line help: what a reviewer needs every minute,
// "?" first so it shows on the narrowest terminal.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Help, pair(k.Next, k.Prev, "item"), pair(k.NextDisagreement, k.PrevDisagreement, "disagreement"),
		k.ImageRight, k.DraftRight, k.BothWrong, k.Unsure, k.Undo, k.Quit}
}

// pair shows two opposite bindings as one help entry ("j/k item"), built
// from the bindings themselves so it follows a rebinding. It is for
// display only.
func pair(a, b key.Binding, desc string) key.Binding {
	if !a.Enabled() || !b.Enabled() {
		return key.NewBinding(key.WithDisabled())
	}
	return key.NewBinding(key.WithKeys(append(a.Keys(), b.Keys()...)...), key.WithHelp(a.Keys()[0]+"/"+b.Keys()[0], desc))
}

// FullHelp is the help screen `?` opens, one column per group.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Next, k.Prev, k.First, k.Last, k.Jump, k.Filter, k.FilterBack, k.UrgentFirst},
		{k.NextDisagreement, k.PrevDisagreement, k.ImageRight, k.DraftRight, k.BothWrong, k.Unsure, k.Note, k.Undo},
		{k.Boxes, k.WidthDown, k.WidthUp, k.CenterDown, k.CenterUp, k.WindowReset},
		{k.Raw, k.Rerun, k.Help, k.Quit},
	}
}
