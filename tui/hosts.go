package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// ModelsMsg tells the workstation what the model hosts can do, as the
// pipeline's preflight found before its first model call. The command
// sends it (tea.Program.Send); the zero value means all is well.
type ModelsMsg struct {
	// Blocked says why no new result can be computed (a model missing on
	// every host, or a grounding model that cannot see), with the fix to
	// paste. The workstation shows it over the panes until the reviewer
	// closes it or quits: cached results stay reviewable, but nothing new
	// comes, and the status bar keeps saying so.
	Blocked string
	// Offline is set when no host answered: cached results are shown
	// (their model digests could not be verified) and uncached items wait
	// for a host. The status bar says so until a later ModelsMsg clears it.
	Offline bool
	// Detail is the reason in words (the hosts tried), for the message line.
	Detail string
}

// hostState is what the status bar says about the hosts.
type hostState struct {
	blocked string // the blocking reason and fix, sanitized
	offline bool
}

// badge is what the status bar says of the state, in a long and a
// one-word form ("" when all is well).
func (h hostState) badge() (long, short string) {
	switch {
	case h.blocked != "":
		return "MODELS UNAVAILABLE", "NO-MODELS"
	case h.offline:
		return "OFFLINE (cached only)", "OFFLINE"
	}
	return "", ""
}

// handleModels takes the preflight's verdict: a blocking problem opens its
// overlay; going offline, or back, is said in the message line.
func (m *Model) handleModels(msg ModelsMsg) {
	m.hosts = hostState{blocked: SanitizeText(strings.TrimSpace(msg.Blocked)), offline: msg.Offline}
	switch {
	case m.hosts.blocked != "":
		m.setMode(modeBlocked)
	case msg.Offline:
		text := "offline: no Ollama host answered; cached results are shown (model digests unverified), the rest wait for a host"
		if msg.Detail != "" {
			text += " · " + Sanitize(msg.Detail)
		}
		m.setMsg(msgErr, text)
	default:
		if m.mode == modeBlocked {
			m.setMode(modeBrowse)
		}
	}
}

// handleBlockedKey: the blocking overlay takes only its own keys; esc
// closes it (cached results stay reviewable), q quits.
func (m *Model) handleBlockedKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Cancel):
		m.setMode(modeBrowse)
		m.setMsg(msgErr, "no new results this session: "+firstLine(m.hosts.blocked))
	case key.Matches(msg, m.keys.Quit):
		return m.quit()
	}
	return nil
}

// blockedView draws the blocking message in w×h cells.
func (m *Model) blockedView(w, h int) string {
	text := "The models cannot run on any host, so no new result will be computed.\n" +
		"Cached results and verdicts can still be reviewed (esc); q quits.\n\n" + m.hosts.blocked
	return wrapPlain(text, w, h)
}

// firstLine returns s up to its first line break.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// hostAnswered ends the offline state when a result computed by a model
// arrives: some host answers again.
func (m *Model) hostAnswered(res *audit.Result) {
	if !m.hosts.offline || res.Cached || res.Err != "" {
		return
	}
	m.hosts.offline = false
	m.setMsg(msgOK, "a model host answers again: new results resume")
}
