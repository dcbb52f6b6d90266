package tui

import (
	"context"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/charmbracelet/colorprofile"
	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/render"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Config is what New needs. Items and Store are required; a nil Engine
// shows cached results only, a nil Imager shows no image.
type Config struct {
	// Items is the worklist, in worklist order.
	Items []audit.Item
	// Index, when not nil, finds each id of Items at its position
	// (worklist.List.Index: the ids unique); New builds it otherwise.
	// Handing it on spares a million-item worklist a second map. With
	// Loading it must find the items ItemsMsg brings too.
	Index ItemIndex
	// Loading says Items are the first rows of a worklist still being
	// read: ItemsMsg brings the rest. List-wide keys wait for it, and the
	// session's saved results and verdicts are loaded once it is read.
	Loading bool
	// ReadOn, with Loading, is called once the first frame had its time
	// to be drawn: the read of the rest should wait for it.
	ReadOn func()
	// Problems are worklist rows that did not load, in words; they are
	// shown in the status line, not fatal.
	Problems []string
	Store    Store
	Engine   Engine
	Imager   Imager
	// Annotator tags every verdict and note.
	Annotator string
	// Blind hides other annotators' verdicts.
	Blind bool
	// Hosts, GroundingModel and DraftModel are shown in the status bar.
	Hosts                      []string
	GroundingModel, DraftModel string
	// Urgent lists the can't-miss labels (their boxes are drawn urgent).
	Urgent []schema.Label
	// Prefetch is how many items after the current one the pipeline is
	// asked to run ahead (default 3).
	Prefetch int
	// Title names the worklist in the terminal's title (sanitized).
	Title string
	// Extra is shown in the status bar (for example "DEMO: synthetic data").
	Extra string
	// PromptWarning, when set, says the grounding prompt is not the
	// model's training prompt: a badge in the status bar ("own prompt"),
	// and the message line until the saved results are loaded.
	PromptWarning string
	// UrgentFirst opens with urgent items first (the reviewer's choice of
	// the last session; UrgentFirst reports the current one).
	UrgentFirst bool
	// Prompts names where each prompt template in use this session came
	// from ("embedded", or the file --prompts read), by its digest, so the
	// raw viewer can say which prompt a stored output was made with.
	Prompts map[string]string
	// ASCII draws every glyph in ASCII (see WantASCII): for terminals
	// whose locale is not UTF-8 or that lack the glyphs.
	ASCII bool
	// KeyMap overrides DefaultKeyMap when non-nil. The workstation turns
	// its bindings on and off by mode (Binding.SetEnabled).
	KeyMap *KeyMap
	// NoteDrafts are note texts typed in an earlier session that a signal
	// stopped, by item id: brought back as unsaved drafts (NoteDrafts
	// hands them back at the end).
	NoteDrafts map[string]string
	// Styles overrides the styles when non-nil; otherwise they follow the
	// terminal's background and colour profile (colours that read on both
	// black and white until it answers).
	Styles *Styles
	// Palette is the terminal's colours as the probe read them: inks are
	// chosen by their contrast on them (empty: today's safe choices).
	Palette render.Palette
	// Compare, when set, compares two runs (compare.go).
	Compare *CompareConfig
	// Settled: units this reviewer may not judge (a study adjudicator's
	// agreed units), item → key → the decision that stands: shown agreed,
	// counted done, refused.
	Settled map[string]map[string]audit.Decision
	// Study: a study adjudicator's study; Settled follows it (others.go).
	Study *StudyRoles
	// Reader: a study reader, whose verdicts are judgements; counts say
	// "judged", not "adjudicated".
	Reader bool
	// RedrawOnFocus asks the terminal for focus events and writes an
	// out-of-band picture (sixel, iTerm2, kitty without placeholders)
	// again when the workstation regains focus: for tmux, which repaints
	// a window's cells, and not the passthrough picture, when the reader
	// comes back to it (window switch, re-attach).
	RedrawOnFocus bool
}

// Model is the workstation: the only tea.Model of the package. Use it as a
// pointer (*Model implements tea.Model). It routes messages, keeps the
// state, and after every message hands each pane the data it draws
// (syncPanes); View composes the panes.
type Model struct {
	ctx    context.Context
	cfg    Config
	keys   KeyMap
	styles Styles
	fixed  bool // styles given by the caller; ignore background changes
	// bg and profile are what the terminal said of its background and
	// colours; the styles follow them.
	bg      Background
	profile colorprofile.Profile
	termPal render.Palette // the terminal's reported colours

	data    reviewData    // items, results, verdicts, notes
	nav     navigation    // current item and disagreement, filter, order
	saves   writeQueue    // store writes, one at a time, in order
	look    imageLook     // boxes and window/level of the image
	img     imageState    // the picture asked for, received and on screen
	msg     message       // the message line
	hosts   hostState     // what the preflight found of the model hosts
	truth   truthState    // the truth view
	metrics metricsState  // the metrics pane
	cmp     *compareState // compare mode; nil outside it

	width, height int
	layout        Layout
	mode          mode

	panes  panes
	jump   jumpDialog
	search searchDialog
	note   noteDialog
	raw    rawDialog

	timing timing
}

// panes are the plain structs the screen is made of. Each draws only the
// data the root set on it, in View(width, height), and changes nothing
// while drawing.
type panes struct {
	worklist      worklistPane
	image         imagePane
	disagreements disagreementPane
	truth         truthPane
	draft         draftPane
	status        statusBar
	help          help.Model
	spin          spinner.Model
	spinning      bool // a tick is pending
	// helpCovers: the help screen is drawn over the panes (it does not
	// fit below them).
	helpCovers bool
	// keysOver: the keys of the current dialog are drawn over it (? or
	// f1 outside browsing); any key closes them.
	keysOver bool
}

// timing holds the delays of the debounced commands; tests set them to 0.
type timing struct {
	focusDelay, flushDelay time.Duration
}

// imageLook is how the reviewer looks at the image: the boxes and the
// window carry over from item to item; the zoom is reset on moving.
type imageLook struct {
	showBoxes bool
	view      ImageView
}

// message is the message line's text and colour.
type message struct {
	text string
	kind msgKind
}

// msgKind colours the message line.
type msgKind int

const (
	msgInfo msgKind = iota
	msgOK
	msgErr
)

// New builds the workstation. It does no I/O: the cached results and the
// verdicts are loaded by the command Init returns, so the first frame is
// drawn at once whatever the worklist's size. ctx bounds every store and
// pipeline call the workstation makes.
func New(ctx context.Context, cfg Config) *Model {
	if cfg.Prefetch <= 0 {
		cfg.Prefetch = 3
	}
	m := &Model{
		ctx:    ctx,
		cfg:    cfg,
		keys:   DefaultKeyMap(),
		data:   newReviewData(cfg.Items, cfg.Index, cfg.Urgent, cfg.Settled),
		nav:    navigation{cur: -1, dirty: true},
		look:   imageLook{showBoxes: true, view: DefaultImageView()},
		jump:   newJumpDialog(),
		search: newSearchDialog(),
		note:   newNoteDialog(),
		raw:    newRawDialog(),
		timing: timing{focusDelay: focusDelay, flushDelay: flushDelay},
	}
	m.data.reading, m.data.problemsAtOpen = cfg.Loading, len(cfg.Problems)
	m.panes.help = help.New()
	m.panes.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	if cfg.KeyMap != nil {
		m.keys = *cfg.KeyMap
	}
	if cfg.ASCII {
		asciiHelp(&m.keys)
	}
	if cfg.Styles != nil {
		m.styles, m.fixed = *cfg.Styles, true
	} else {
		m.profile, m.termPal, m.bg = colorprofile.TrueColor, cfg.Palette, backgroundOf(cfg.Palette)
		m.styles = newStyles(m.bg, m.profile, m.termPal)
	}
	m.applyStyles()
	m.setMode(modeBrowse)
	if len(m.data.items) > 0 {
		m.nav.cur = 0
	}
	if cfg.UrgentFirst && cfg.Compare == nil {
		m.nav.urgentFirst = true
		m.nav.order = m.urgentOrder()
	}
	m.startCompare(cfg.Compare)
	if cfg.PromptWarning != "" {
		m.setMsg(msgErr, Sanitize(cfg.PromptWarning))
	}
	m.restoreDrafts(cfg.NoteDrafts)
	if len(cfg.Problems) > 0 {
		m.setMsg(msgErr, problemSummary(cfg.Problems))
	}
	m.refresh()
	return m
}

// applyStyles hands the styles to the panes and components.
func (m *Model) applyStyles() {
	p := &m.panes
	p.help.Styles = m.styles.Help
	p.spin.Style = m.styles.Worklist.Running
	p.worklist.st = m.styles.Worklist
	p.image.st = m.styles.Image
	p.disagreements.st = m.styles.Disagreement
	p.disagreements.errStyle = m.styles.Status.Error
	p.truth.st = m.styles.Disagreement
	p.draft.st = m.styles.Draft
	p.status.st = m.styles.Status
	m.raw.heading = m.styles.Dialog.Heading
	m.note.setStyles(m.styles.Pane.Border, m.styles.Status.Dim)
}

// setMode switches what the keyboard drives and the bindings (and so the
// help) that go with it.
func (m *Model) setMode(md mode) {
	helpWas := m.mode == modeHelp
	m.mode = md
	m.keys.setMode(md)
	m.applyTruthKeys()
	m.raw.setKeys(m.keys)
	m.panes.help.ShowAll = md == modeHelp
	if helpWas != (md == modeHelp) {
		m.relayout()
	}
}

// Init loads the session (one query for the results, one for the
// verdicts), starts reading the pipeline's progress and asks for the
// terminal's background colour.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor}
	if m.cfg.Store != nil {
		if !m.data.reading { // else once it is read (handleItems)
			cmds = append(cmds, loadSession(m.ctx, m.cfg.Store, m.data.finder(), m.cfg.Annotator, m.cfg.Blind))
		}
		cmds = append(cmds, m.initTruth())
	}
	if m.cfg.Engine != nil {
		cmds = append(cmds, waitForUpdate(m.cfg.Engine.Updates()))
	}
	cmds = append(cmds, m.afterMove())
	return tea.Batch(cmds...)
}

// Update routes one message to its handler, then brings the image and the
// panes in line with the new state.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		cmd = m.handleResize(msg)
	case tea.BackgroundColorMsg:
		cmd = m.handleBackground(msg)
	case tea.ColorProfileMsg:
		m.handleProfile(msg)
	case tea.KeyPressMsg:
		cmd = m.handleKey(msg)
	case sessionLoadedMsg:
		cmd = m.handleSession(msg)
	case ItemsMsg:
		cmd = m.handleItems(msg)
	case readOnMsg:
		m.cfg.ReadOn()
	case engineUpdatedMsg:
		cmd = tea.Batch(m.handleEngineUpdate(msg), m.metricsChanged(msg.u.ItemID))
	case metricsBuiltMsg, correctionsLoadedMsg:
		cmd = m.handleTruthMsg(msg)
	case engineClosedMsg:
		// The pipeline only closes its updates when it stops (at exit):
		// stop reading.
	case detailLoadedMsg:
		m.handleDetail(msg)
		cmd = m.metricsChanged(msg.itemID)
	case notesLoadedMsg:
		m.handleNote(msg)
	case othersLoadedMsg:
		m.handleOthers(msg)
	case imageEncodedMsg:
		cmd = m.handleImage(msg)
	case imageFlushMsg:
		cmd = m.handleFlush(msg)
	case focusDueMsg:
		cmd = m.handleFocusDue(msg)
	case writeDoneMsg:
		cmd = m.handleWriteDone(msg)
	case spinner.TickMsg:
		cmd = m.handleSpin(msg)
	case tea.ResumeMsg:
		// Back from ctrl+z: the shell drew over the screen.
		m.img.invalidate()
	case tea.FocusMsg:
		if m.cfg.RedrawOnFocus {
			m.img.repainted()
		}
	case NoticeMsg:
		m.handleNotice(msg)
	case ModelsMsg:
		m.handleModels(msg)
	default:
		cmd = m.forwardToDialog(msg)
	}
	m.refresh()
	cmd = tea.Batch(cmd, m.syncImage())
	m.syncPanes()
	cmd = tea.Batch(cmd, m.repairImage(), m.askReadOn())
	return m, cmd
}

// refresh recomputes what derives from the state: the visible list and the
// selection.
func (m *Model) refresh() {
	if m.nav.dirty {
		m.nav.visible = m.computeVisible()
		m.nav.dirty = false
	}
	m.clampSelection()
}

func (m *Model) handleResize(msg tea.WindowSizeMsg) tea.Cmd {
	m.width, m.height = msg.Width, msg.Height
	m.relayout()
	// The terminal repaints everything after a resize: any picture drawn
	// out of band is gone and must be sent again.
	m.img.invalidate()
	return nil
}

// relayout recomputes the layout for the current size and mode, and sizes
// the panes and dialogs.
func (m *Model) relayout() {
	p := &m.panes
	p.help.SetWidth(m.width)
	lines := 1
	p.helpCovers = false
	if m.mode == modeHelp {
		lines = strings.Count(fullHelpView(p.help, m.keys, m.width), "\n") + 1
		if lines > m.height-statusLines-MinMainHeight {
			// Too tall to fit below the panes: it covers them instead.
			lines, p.helpCovers = 1, true
		}
	}
	l := ComputeLayout(m.width, m.height, lines)
	m.layout = l
	m.jump.SetSize(m.width)
	m.search.SetSize(m.width)
	nr := l.Disagreements.Inner()
	m.note.SetSize(nr.W, nr.H)
	m.raw.SetSize(m.width-2, l.Height-statusLines-l.Help.H-2)
	if m.mode == modeRaw {
		m.fillRaw()
	}
	in := l.Worklist.Inner()
	p.worklist.SetSize(in.W, in.H)
}

// current returns the current item, or false when the worklist is empty
// or the filter and search list no item: an item the list does not show
// is neither drawn nor acted on.
func (m *Model) current() (audit.Item, bool) {
	if m.nav.cur < 0 || m.nav.cur >= len(m.data.items) || m.listEmpty() {
		return audit.Item{}, false
	}
	return m.data.items[m.nav.cur], true
}

// disagreements returns the current item's disagreements (nil when none
// are known yet).
func (m *Model) disagreements() []audit.Disagreement {
	if m.listEmpty() {
		return nil
	}
	return m.data.disagreements(m.nav.cur)
}

// listEmpty reports whether the filter and search leave no item listed.
func (m *Model) listEmpty() bool { return !m.nav.dirty && len(m.nav.visible) == 0 }

func (m *Model) setMsg(k msgKind, s string) { m.msg = message{text: s, kind: k} }

// Pending reports how many store writes are queued or in flight; the
// workstation only quits once it is 0 (unless asked twice).
func (m *Model) Pending() int { return len(m.saves.ops) }

// CurrentID returns the ID of the item under the cursor ("" when empty).
func (m *Model) CurrentID() string {
	if it, ok := m.current(); ok {
		return it.ID
	}
	return ""
}

// UrgentFirst reports whether the worklist shows urgent items first (for
// the command to remember across sessions).
func (m *Model) UrgentFirst() bool { return m.nav.urgentFirst }

// Loaded reports whether the cached results and verdicts have been loaded.
func (m *Model) Loaded() bool { return m.data.loaded }
