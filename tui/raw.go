package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// rawDialog shows an item's raw model outputs in a scrollable viewport.
type rawDialog struct {
	vp      viewport.Model
	heading lipgloss.Style
}

func newRawDialog() rawDialog { return rawDialog{vp: viewport.New()} }

// setKeys makes the viewport scroll with the workstation's raw-viewer
// bindings, so the help lists exactly the keys that scroll.
func (d *rawDialog) setKeys(k KeyMap) {
	d.vp.KeyMap = viewport.KeyMap{
		Up: k.ScrollUp, Down: k.ScrollDown, HalfPageUp: k.HalfPageUp, HalfPageDown: k.HalfPageDown,
		PageUp: k.PageUp, PageDown: k.PageDown,
		Left: key.NewBinding(key.WithDisabled()), Right: key.NewBinding(key.WithDisabled()),
	}
}

// SetSize fits the viewer in w x h cells.
func (d *rawDialog) SetSize(w, h int) {
	d.vp.SetWidth(max(10, w))
	d.vp.SetHeight(max(3, h))
}

// SetContent shows content, wrapped to the viewer: raw outputs are often
// one long line.
func (d *rawDialog) SetContent(content string) {
	d.vp.SetContent(ansi.Wrap(content, max(10, d.vp.Width()), ""))
}

// rawBrowse asks the root to act on a browse key (an item, disagreement
// or verdict key) with the viewer open.
type rawBrowse struct{ msg tea.KeyPressMsg }

func (rawBrowse) isIntent() {}

// HandleKey: the close keys close; the scroll keys scroll; the item,
// disagreement and verdict keys go to the root.
func (d *rawDialog) HandleKey(msg tea.KeyPressMsg, k KeyMap) (intent, tea.Cmd) {
	switch {
	case key.Matches(msg, k.CloseRaw):
		return closeDialog{}, nil
	case key.Matches(msg, k.ScrollUp, k.ScrollDown, k.HalfPageUp, k.HalfPageDown, k.PageUp, k.PageDown):
		return nil, d.Update(msg)
	}
	for _, b := range k.rawJudging() {
		if key.Matches(msg, *b) {
			return rawBrowse{msg}, nil
		}
	}
	return nil, nil
}

// judgeInRaw acts on a browse key with the viewer open, then shows the
// item now current (from its top when it changed).
func (m *Model) judgeInRaw(msg tea.KeyPressMsg) tea.Cmd {
	before := m.nav.cur
	cmd := m.handleBrowseKey(msg)
	m.fillRaw()
	if m.nav.cur != before {
		m.raw.vp.GotoTop()
	}
	return cmd
}

// rawTitle names the item and the selected disagreement with its verdict,
// so a verdict given in the viewer is never given blind.
func (m *Model) rawTitle() string {
	t := "raw model output · " + Sanitize(m.CurrentID())
	if ds := m.disagreements(); len(ds) > 0 {
		d := ds[m.nav.dis]
		t += " · " + itoa(m.nav.dis+1) + "/" + itoa(len(ds)) + " " + string(d.Label) + ": "
		if e := m.data.mine[m.CurrentID()][d.Key()]; e != nil {
			t += decisionText(e.decision, d.Key())
		} else {
			t += "no verdict"
		}
	}
	return t
}

// Update forwards other messages to the viewport.
func (d *rawDialog) Update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	d.vp, cmd = d.vp.Update(msg)
	return cmd
}

// View draws the visible part.
func (d *rawDialog) View() string { return d.vp.View() }

// openRaw opens the raw-output viewer on the current item.
func (m *Model) openRaw() tea.Cmd {
	if _, ok := m.current(); !ok {
		return nil
	}
	m.setMode(modeRaw)
	m.fillRaw()
	m.raw.vp.GotoTop()
	return nil
}

// fillRaw writes the current item's raw outputs, thinking, diagnostics and
// metrics into the viewer, all sanitized.
func (m *Model) fillRaw() {
	it, ok := m.current()
	if !ok {
		return
	}
	r := m.data.rows.at(m.nav.cur)
	h := m.raw.heading
	var b strings.Builder
	line := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	line("%s %s", h.Render("item"), Sanitize(it.ID))
	line("%s %s", h.Render("image"), Sanitize(it.ImagePath))
	st := string(r.status)
	if st == "" {
		st = "not run yet"
	}
	line("%s %s", h.Render("status"), st)
	if r.err != "" {
		line("%s %s", h.Render("error"), Sanitize(r.err))
	}
	if r.result == nil {
		line("")
		if r.status == "" || r.status == "queued" || r.status == "running" {
			line("(no model output yet)")
		} else {
			line("(loading the stored model outputs…)")
		}
	} else {
		if r.result.Salvaged {
			line("%s the output needed salvage (truncated or repaired JSON): check it", h.Render("salvaged"))
		}
		if r.result.Note != "" {
			line("%s %s", h.Render("note"), Sanitize(r.result.Note))
		}
		for _, sr := range []*audit.StageRecord{r.result.Grounding, r.result.Draft} {
			if sr != nil {
				writeStage(&b, h.Render, sr, m.cfg.Prompts)
			}
		}
	}
	line("")
	line("%s", h.Render("draft text"))
	line("%s", SanitizeText(it.Draft))
	m.raw.SetContent(b.String())
}

func writeStage(b *strings.Builder, head func(...string) string, sr *audit.StageRecord, prompts map[string]string) {
	line := func(format string, a ...any) { fmt.Fprintf(b, format+"\n", a...) }
	line("")
	line("%s", head("── "+string(sr.Stage)+" stage ──"))
	line("model %s  digest %s  host %s", Sanitize(sr.Model), Sanitize(short(sr.ModelDigest, 12)), Sanitize(sr.Host))
	line("done %v  done_reason %s  prompt tokens %d  output tokens %d", sr.Done, Sanitize(sr.DoneReason), sr.PromptEvalCount, sr.EvalCount)
	line("total %v  load %v  eval %v  wall %v", roundDur(sr.TotalDuration), roundDur(sr.LoadDuration), roundDur(sr.EvalDuration), roundDur(sr.Wall))
	line("options %s", Sanitize(sr.Options))
	if sr.PromptDigest == "" {
		line("prompt not recorded")
	} else {
		line("prompt %s (%s)", Sanitize(short(sr.PromptDigest, 19)), Sanitize(promptSource(prompts, sr.PromptDigest)))
	}
	if sr.SystemDigest != "" {
		line("system message %s (%s)", Sanitize(short(sr.SystemDigest, 19)), Sanitize(promptSource(prompts, sr.SystemDigest)))
	}
	if sr.Ladder != "" {
		line("retry ladder %s", Sanitize(sr.Ladder))
	}
	if sr.ModelInput != "" {
		line("model input %s", Sanitize(sr.ModelInput))
	}
	if sr.Error != "" {
		line("%s %s", head("error"), Sanitize(sr.Error))
	}
	if sr.Diagnostics.Salvaged || len(sr.Diagnostics.Notes) > 0 {
		line("%s salvaged=%v", head("diagnostics"), sr.Diagnostics.Salvaged)
		for _, n := range sr.Diagnostics.Notes {
			line("  - %s: %s", Sanitize(n.Kind), Sanitize(n.Message))
		}
	}
	writeFindingExtras(line, head, sr)
	for _, a := range sr.Attempts[:max(0, len(sr.Attempts)-1)] {
		// The earlier attempts; the last one is the record itself, below.
		line("%s", head(attemptHeading(a)))
		if a.Error != "" {
			line("error %s", Sanitize(a.Error))
		}
		if a.Thinking != "" {
			line("thinking: %s", SanitizeText(a.Thinking))
		}
		line("%s", SanitizeText(a.Raw))
	}
	if n := len(sr.Attempts); n > 0 {
		line("%s", head(attemptHeading(sr.Attempts[n-1])+": the record's output"))
	}
	if sr.Thinking != "" {
		line("%s", head("thinking"))
		line("%s", SanitizeText(sr.Thinking))
	}
	line("%s", head("raw output"))
	line("%s", SanitizeText(sr.Raw))
}

// attemptHeading names one attempt of the retry ladder and how it was
// made.
func attemptHeading(a audit.Attempt) string {
	how := "greedy"
	switch {
	case a.TopP > 0:
		how = fmt.Sprintf("sampling t=%g top_p=%g seed=%d, corrective suffix", a.Temperature, a.TopP, a.Seed)
	case a.Corrective:
		how = "greedy, corrective suffix"
	}
	return fmt.Sprintf("attempt %d (%s, %d tokens, %v)", a.N, how, a.EvalCount, roundDur(a.Wall))
}

// writeFindingExtras lists the confidence and evidence a model gave its
// findings, when it gave any.
func writeFindingExtras(line func(string, ...any), head func(...string) string, sr *audit.StageRecord) {
	shown := false
	for _, f := range sr.Findings {
		if f.Confidence == nil && f.Evidence == "" {
			continue
		}
		if !shown {
			line("%s", head("findings as the model gave them"))
			shown = true
		}
		s := "  " + string(f.Label)
		if f.Confidence != nil {
			s += fmt.Sprintf("  confidence %.2f", *f.Confidence)
		}
		if f.Evidence != "" {
			s += "  evidence “" + Sanitize(f.Evidence) + "”"
		}
		line("%s", s)
	}
}

// promptSource says where the template with this digest came from: the
// source of a template in use this session, or that it is not one of them
// (an output cached under an earlier prompt).
func promptSource(prompts map[string]string, digest string) string {
	if src, ok := prompts[digest]; ok {
		return src
	}
	return "not a prompt in use this session"
}

func short(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// roundDur rounds a duration for reading: to 10 ms from a second up
// ("2.49s", not "2.493128048s"), to the millisecond below.
func roundDur(d time.Duration) time.Duration {
	if d >= time.Second || d <= -time.Second {
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}
