package tui

import (
	"context"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Config is what New needs. Items and Store are required; a nil Engine
// shows cached results only, a nil Imager shows no image.
type Config struct {
	// Items is the worklist, in worklist order.
	Items []audit.Item
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
	// KeyMap overrides DefaultKeyMap when non-nil.
	KeyMap *KeyMap
	// Styles overrides the styles when non-nil; otherwise they follow the
	// terminal's background (dark until it answers).
	Styles *Styles
}

// mode is what the keyboard currently drives.
type mode int

const (
	modeNormal mode = iota
	modeJump
	modeNote
	modeRaw
)

// saveState is where a verdict is on its way to disk.
type saveState int

const (
	stateSaving saveState = iota
	stateSaved
	stateFailed
)

// verdictEntry is the reviewer's current verdict on one disagreement as the
// UI knows it.
type verdictEntry struct {
	decision audit.Decision
	state    saveState
	seq      int
	err      string
}

// row is what the worklist knows about one item without loading it.
type row struct {
	status audit.Status // "" until the store or the pipeline says
	stage  audit.Stage  // the stage running, for the progress display
	report *compare.Report
	result *audit.Result // full result once known (findings, raw outputs)
	err    string
	// cached is true when the summary came from the store at open.
	cached bool
	// detailPending is true while the full cached result is being loaded:
	// the picture waits for its findings rather than being drawn twice.
	detailPending bool
}

// Model is the workstation: the only tea.Model of the package. Use it as a
// pointer (*Model implements tea.Model).
type Model struct {
	ctx    context.Context
	cfg    Config
	keys   KeyMap
	styles Styles
	fixed  bool // styles given by the caller; ignore background changes

	items   []audit.Item
	index   map[string]int
	rows    []row
	urgent  map[schema.Label]bool
	mine    map[string]map[string]*verdictEntry // item → disagreement key → verdict
	others  map[string][]audit.Verdict          // item → other annotators' verdicts
	notes   map[string]string
	noteReq map[string]bool

	loaded bool // session (cached results and verdicts) loaded
	moved  bool // the reviewer moved before the session loaded

	cur         int // current item (index into items); -1 when empty
	dis         int // selected disagreement of the current item
	filter      Filter
	urgentFirst bool
	visible     []int // items shown in the worklist, in display order
	dirty       bool  // visible needs recomputing

	width, height int
	layout        Layout
	mode          mode
	help          help.Model
	spin          spinner.Model
	spinning      bool
	running       int

	jump jumpDialog
	note noteDialog
	raw  rawDialog

	wl  worklistPane
	dp  disagreementPane
	dr  draftPane
	img imageState

	showBoxes bool
	window    WindowAdjust

	writes    []writeOp
	writing   bool
	writeSeq  int
	savedN    int // verdicts saved this session
	notesN    int
	quitting  bool
	focusGen  int
	detailGen int

	msg     string
	msgKind msgKind

	// focusDelay and flushDelay are the focusDelay and flushDelay
	// constants; tests set them to 0.
	focusDelay, flushDelay time.Duration
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
		ctx:        ctx,
		cfg:        cfg,
		keys:       DefaultKeyMap(),
		items:      cfg.Items,
		index:      make(map[string]int, len(cfg.Items)),
		rows:       make([]row, len(cfg.Items)),
		urgent:     map[schema.Label]bool{},
		mine:       map[string]map[string]*verdictEntry{},
		others:     map[string][]audit.Verdict{},
		notes:      map[string]string{},
		noteReq:    map[string]bool{},
		cur:        -1,
		showBoxes:  true,
		window:     DefaultWindowAdjust(),
		help:       help.New(),
		spin:       spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		jump:       newJumpDialog(),
		note:       newNoteDialog(),
		raw:        newRawDialog(),
		dirty:      true,
		focusDelay: focusDelay,
		flushDelay: flushDelay,
	}
	if cfg.KeyMap != nil {
		m.keys = *cfg.KeyMap
	}
	if cfg.Styles != nil {
		m.styles, m.fixed = *cfg.Styles, true
	} else {
		m.styles = NewStyles(true)
	}
	m.applyStyles()
	for i, it := range cfg.Items {
		if _, dup := m.index[it.ID]; !dup {
			m.index[it.ID] = i
		}
	}
	for _, l := range cfg.Urgent {
		m.urgent[l] = true
	}
	if len(m.items) > 0 {
		m.cur = 0
	}
	if len(cfg.Problems) > 0 {
		m.setMsg(msgErr, problemSummary(cfg.Problems))
	}
	m.refresh()
	return m
}

// problemSummary says how many worklist rows were skipped and shows the
// first.
func problemSummary(p []string) string {
	s := "worklist: " + itoa(len(p)) + " row(s) skipped: " + Sanitize(p[0])
	if len(p) > 1 {
		s += " (and more; see `cxr-auditor doctor`)"
	}
	return s
}

func (m *Model) applyStyles() {
	m.help.Styles = m.styles.Help
	m.spin.Style = m.styles.Worklist.Running
}

// Init loads the session (one query for the results, one for the
// verdicts), starts reading the pipeline's progress and asks for the
// terminal's background colour.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor}
	if m.cfg.Store != nil {
		cmds = append(cmds, loadSession(m.ctx, m.cfg.Store, m.cfg.Annotator, m.cfg.Blind))
	}
	if m.cfg.Engine != nil {
		cmds = append(cmds, waitForUpdate(m.cfg.Engine.Updates()))
	}
	cmds = append(cmds, m.afterMove())
	return tea.Batch(cmds...)
}

// Update routes one message to its handler, then brings the image in line
// with the new state.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		cmd = m.handleResize(msg)
	case tea.BackgroundColorMsg:
		cmd = m.handleBackground(msg)
	case tea.KeyPressMsg:
		cmd = m.handleKey(msg)
	case sessionLoadedMsg:
		cmd = m.handleSession(msg)
	case engineUpdatedMsg:
		cmd = m.handleEngineUpdate(msg)
	case engineClosedMsg:
		// The pipeline only closes its updates when it stops (at exit):
		// stop reading.
	case detailLoadedMsg:
		m.handleDetail(msg)
	case notesLoadedMsg:
		m.handleNote(msg)
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
	case NoticeMsg:
		if msg.Err {
			m.setMsg(msgErr, Sanitize(msg.Text))
		} else {
			m.setMsg(msgInfo, Sanitize(msg.Text))
		}
	default:
		cmd = m.forwardToDialog(msg)
	}
	m.refresh()
	return m, tea.Batch(cmd, m.syncImage())
}

// refresh recomputes what derives from the state: the visible list and the
// pane sizes.
func (m *Model) refresh() {
	if m.dirty {
		m.visible = m.computeVisible()
		m.dirty = false
	}
	m.clampSelection()
}

func (m *Model) handleBackground(msg tea.BackgroundColorMsg) tea.Cmd {
	if m.fixed {
		return nil
	}
	m.styles = NewStyles(msg.IsDark())
	m.applyStyles()
	return nil
}

func (m *Model) handleResize(msg tea.WindowSizeMsg) tea.Cmd {
	m.width, m.height = msg.Width, msg.Height
	m.relayout()
	// The terminal repaints everything after a resize: any picture drawn
	// out of band is gone and must be sent again.
	m.img.invalidate()
	return nil
}

// relayout recomputes the layout for the current size and help state.
func (m *Model) relayout() {
	m.help.SetWidth(m.width)
	lines := 1
	if m.help.ShowAll {
		lines = strings.Count(m.help.FullHelpView(m.keys.FullHelp()), "\n") + 1
	}
	m.layout = ComputeLayout(m.width, m.height, lines)
	m.jump.SetSize(m.width)
	dr := m.layout.Draft.Inner()
	if m.layout.Wide {
		dr = Rect{W: m.layout.Draft.W - 2, H: m.layout.Draft.H + m.layout.Disagreements.H - 2}
	}
	m.note.SetSize(dr.W, dr.H-2)
	m.raw.SetSize(m.width-2, m.layout.Height-statusLines-m.layout.Help.H-2)
	if m.mode == modeRaw {
		m.fillRaw()
	}
}

// current returns the current item, or false when the worklist is empty.
func (m *Model) current() (audit.Item, bool) {
	if m.cur < 0 || m.cur >= len(m.items) {
		return audit.Item{}, false
	}
	return m.items[m.cur], true
}

// disagreements returns the current item's disagreements (nil when none
// are known yet).
func (m *Model) disagreements() []compare.Disagreement {
	if m.cur < 0 {
		return nil
	}
	if r := m.rows[m.cur].report; r != nil {
		return r.Disagreements
	}
	return nil
}

func (m *Model) clampSelection() {
	n := len(m.disagreements())
	if m.dis >= n {
		m.dis = n - 1
	}
	if m.dis < 0 {
		m.dis = 0
	}
}

func (m *Model) setMsg(k msgKind, s string) { m.msg, m.msgKind = s, k }

// SavedVerdicts returns how many verdicts were saved durably during this
// session (for the summary printed on exit).
func (m *Model) SavedVerdicts() int { return m.savedN }

// SavedNotes returns how many notes were saved durably during this session.
func (m *Model) SavedNotes() int { return m.notesN }

// Pending reports how many store writes are queued or in flight; the
// workstation only quits once it is 0 (unless asked twice).
func (m *Model) Pending() int { return len(m.writes) }

// CurrentID returns the ID of the item under the cursor ("" when empty).
func (m *Model) CurrentID() string {
	if it, ok := m.current(); ok {
		return it.ID
	}
	return ""
}

// Loaded reports whether the cached results and verdicts have been loaded.
func (m *Model) Loaded() bool { return m.loaded }
