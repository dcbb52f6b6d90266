package render

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/muesli/cancelreader"
	"golang.org/x/term"
)

// EnvGraphics is the environment variable that forces a protocol
// (kitty|sixel|iterm2|blocks|text, or auto).
const EnvGraphics = "CXR_AUDITOR_GRAPHICS"

// EnvQuality is the environment variable that sets the picture quality
// (auto|full|lean) for every command that draws; a flag overrides it.
const EnvQuality = "CXR_AUDITOR_PICTURE_QUALITY"

// EnvKittyPlaceholders, set to 1 or 0, says whether the terminal draws
// kitty Unicode placeholders, overriding the XTVERSION check.
const EnvKittyPlaceholders = "CXR_AUDITOR_KITTY_PLACEHOLDERS"

// EnvTmuxPassthrough, set to 1 or 0, overrides the tmux passthrough check.
const EnvTmuxPassthrough = "CXR_AUDITOR_TMUX_PASSTHROUGH"

// DefaultDetectTimeout is how long Detect waits for replies: generous enough
// for a terminal at the other end of an SSH link.
const DefaultDetectTimeout = 1500 * time.Millisecond

// Caps is what the terminal can do, from its replies and the environment.
type Caps struct {
	// Protocol is Detect's recommendation: the EnvGraphics override if set,
	// otherwise the best supported protocol (see Choose).
	Protocol Protocol
	// Sixel is true when DA1 listed attribute 4.
	Sixel bool
	// Kitty is true when the kitty graphics query was answered OK, or the
	// environment names kitty.
	Kitty bool
	// KittyPlaceholders is true when the terminal is known to draw kitty
	// Unicode placeholders (U=1): kitty 0.28 or later, or Ghostty, from the
	// XTVERSION reply, or EnvKittyPlaceholders=1. Without them kitty
	// pictures are placed directly at the cursor.
	KittyPlaceholders bool
	// ITerm2 is true when TERM_PROGRAM names iTerm2 or WezTerm.
	ITerm2 bool
	// ColorRegisters is the sixel colour register count from XTSMGRAPHICS
	// (after asking for 256); 0 when unknown.
	ColorRegisters int
	// CellW and CellH are the cell size in pixels; 0 when unknown.
	CellW, CellH int
	// TrueColor is true when COLORTERM says truecolor/24bit or the terminal
	// is one known to support it.
	TrueColor bool
	// InTmux is true when TMUX is set; TmuxPassthrough when tmux forwards
	// DCS passthrough (allow-passthrough on).
	InTmux, TmuxPassthrough bool
	// Terminal is the XTVERSION reply, e.g. "XTerm(390)".
	Terminal string
	// TTY is true when detection ran on a terminal.
	TTY bool
	// Remote is true when the session runs over SSH (SSH_CONNECTION or
	// SSH_TTY is set): pictures then cost link time.
	Remote bool
	// Quality chooses between full pictures and lean ones for slow links;
	// the zero value (QualityAuto) is lean when Remote.
	Quality Quality
}

// Quality is how many bytes pictures may spend: see QualityFull and
// QualityLean.
type Quality string

// The qualities.
const (
	// QualityAuto is QualityLean over SSH and QualityFull otherwise.
	QualityAuto Quality = "auto"
	// QualityFull draws sixel pictures with every grey a sixel register
	// can hold (101) and PNG payloads at the fast compression level.
	QualityFull Quality = "full"
	// QualityLean is for slow links: 32 sixel greys (about a third of the
	// bytes, 39 dB PSNR) and PNG payloads at the best compression level.
	QualityLean Quality = "lean"
)

// ParseQuality reads a --picture-quality value: auto (or empty), full or
// lean.
func ParseQuality(s string) (Quality, error) {
	switch q := Quality(strings.ToLower(strings.TrimSpace(s))); q {
	case "", QualityAuto:
		return QualityAuto, nil
	case QualityFull, QualityLean:
		return q, nil
	}
	return "", fmt.Errorf("picture quality %q: want auto, full or lean", s)
}

// lean reports whether pictures should be lean.
func (c Caps) lean() bool {
	return c.Quality == QualityLean || ((c.Quality == "" || c.Quality == QualityAuto) && c.Remote)
}

// Choose picks the protocol to use. A non-empty override other than "auto"
// (a flag value) wins, even sixel on a terminal that did not claim it.
// Otherwise c.Protocol (Detect's recommendation, which honours EnvGraphics)
// is used, and failing that the first supported of kitty, sixel, iTerm2,
// then blocks on a terminal and text elsewhere. Sixel is never chosen
// automatically unless the terminal reported it in DA1. Inside tmux,
// graphics need passthrough; without it the choice falls to blocks.
func Choose(c Caps, override string) (Protocol, error) {
	switch o := strings.ToLower(strings.TrimSpace(override)); o {
	case "", "auto":
	default:
		p := Protocol(o)
		for _, q := range Protocols() {
			if p == q {
				return p, nil
			}
		}
		return "", fmt.Errorf("unknown graphics protocol %q (want auto, kitty, sixel, iterm2, blocks or text)", override)
	}
	if c.Protocol != "" {
		return c.Protocol, nil
	}
	return autoProtocol(c), nil
}

func autoProtocol(c Caps) Protocol {
	graphics := !c.InTmux || c.TmuxPassthrough
	switch {
	case graphics && c.Kitty:
		return ProtocolKitty
	case graphics && c.Sixel:
		return ProtocolSixel
	case graphics && c.ITerm2:
		return ProtocolITerm2
	case c.TTY:
		return ProtocolBlocks
	}
	return ProtocolText
}

// The probe: raise the sixel colour registers to 256 and read the count
// back (XTSMGRAPHICS), ask kitty about a 1x1 image, ask for the cell size
// (CSI 16 t) and, for terminals without it, the text area in pixels and in
// cells (CSI 14 t, CSI 18 t), the terminal version (XTVERSION), and last
// the primary device attributes (DA1), which every terminal answers: its
// reply marks the end of the replies.
const probe = "\x1b[?1;3;256S" + "\x1b[?1;1;0S" +
	"\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\" +
	"\x1b[16t" + "\x1b[14t" + "\x1b[18t" +
	"\x1b[>0q" +
	"\x1b[c"

// replies is what parseReplies found.
type replies struct {
	da1                bool
	sixel              bool
	kitty              bool
	registers          int
	cellW, cellH       int
	winW, winH         int
	textCols, textRows int
	version            string
}

// parseReplies scans terminal output for the replies to probe. It is
// tolerant: unknown sequences, stray bytes (keys typed meanwhile),
// BEL-terminated strings, 8-bit C1 introducers and truncated input are
// skipped, never an error.
func parseReplies(b []byte) replies {
	var r replies
	for i := 0; i < len(b); {
		intro, body, next := nextSeq(b, i)
		if next <= i {
			break
		}
		i = next
		switch intro {
		case 'c': // CSI: body is params + final byte
			if len(body) == 0 {
				continue
			}
			final, params := body[len(body)-1], string(body[:len(body)-1])
			switch {
			case final == 'c' && strings.HasPrefix(params, "?"):
				r.da1 = true
				for _, p := range strings.Split(params[1:], ";") {
					if p == "4" {
						r.sixel = true
					}
				}
			case final == 'S' && strings.HasPrefix(params, "?"):
				f := ints(params[1:])
				if len(f) >= 3 && f[0] == 1 && f[1] == 0 && f[2] > r.registers {
					r.registers = f[2]
				}
			case final == 't':
				f := ints(params)
				if len(f) >= 3 {
					switch f[0] {
					case 6:
						r.cellH, r.cellW = f[1], f[2]
					case 4:
						r.winH, r.winW = f[1], f[2]
					case 8:
						r.textRows, r.textCols = f[1], f[2]
					}
				}
			}
		case '_': // APC
			if bytes.HasPrefix(body, []byte("G")) && bytes.Contains(body, []byte("i=31")) && bytes.Contains(body, []byte(";OK")) {
				r.kitty = true
			}
		case 'P': // DCS
			if bytes.HasPrefix(body, []byte(">|")) {
				r.version = strings.TrimSpace(string(body[2:]))
			}
		}
	}
	return r
}

// nextSeq finds the next escape sequence at or after i and returns its kind
// ('c' CSI, '_' APC, 'P' DCS, ']' OSC, 0 other), its body and the index
// after it. An incomplete sequence at the end returns next == len(b).
func nextSeq(b []byte, i int) (kind byte, body []byte, next int) {
	for i < len(b) {
		switch {
		case b[i] == 0x1b && i+1 < len(b) && b[i+1] == '[':
			return csi(b, i+2)
		case b[i] == 0x9b:
			return csi(b, i+1)
		case b[i] == 0x1b && i+1 < len(b) && (b[i+1] == '_' || b[i+1] == 'P' || b[i+1] == ']'):
			return str(b, b[i+1], i+2)
		case b[i] == 0x9f:
			return str(b, '_', i+1)
		case b[i] == 0x90:
			return str(b, 'P', i+1)
		}
		i++
	}
	return 0, nil, len(b)
}

// csi reads parameter and intermediate bytes up to a final byte.
func csi(b []byte, start int) (byte, []byte, int) {
	for j := start; j < len(b); j++ {
		c := b[j]
		switch {
		case c >= 0x40 && c <= 0x7e:
			return 'c', b[start : j+1], j + 1
		case c < 0x20 || c > 0x7e:
			// Not a CSI after all (a control byte interrupted it).
			return 0, nil, j
		}
	}
	return 0, nil, len(b)
}

// str reads a string sequence up to ST (ESC \, 0x9c) or BEL.
func str(b []byte, kind byte, start int) (byte, []byte, int) {
	for j := start; j < len(b); j++ {
		switch {
		case b[j] == 0x07 || b[j] == 0x9c:
			return kind, b[start:j], j + 1
		case b[j] == 0x1b && j+1 < len(b) && b[j+1] == '\\':
			return kind, b[start:j], j + 2
		case b[j] == 0x1b:
			// A new sequence started: this one was cut short.
			return 0, nil, j
		}
	}
	return 0, nil, len(b)
}

// ints parses "a;b;c" leniently (empty or bad fields become -1).
func ints(s string) []int {
	parts := strings.Split(s, ";")
	out := make([]int, len(parts))
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil {
			v = -1
		}
		out[i] = v
	}
	return out
}

// Detect asks the terminal on tty what it supports and reads the
// environment through getenv. It writes the whole probe at once, then reads
// replies until the DA1 reply arrives, the timeout passes (0 means
// DefaultDetectTimeout) or ctx ends; a terminal that answers nothing yields
// Caps from the environment alone, not an error. The caller must have put
// the terminal in raw mode (DetectTTY does).
//
// Reading happens in a goroutine owned by Detect. Before returning, Detect
// unblocks it with SetReadDeadline or Cancel when tty has one of them (an
// *os.File terminal, a cancelreader) and waits for it to exit, so no read is
// left pending to steal later input. For other readers it returns without
// waiting and the goroutine ends at the reader's next return (close it).
func Detect(ctx context.Context, tty io.ReadWriter, getenv func(string) string, timeout time.Duration) (Caps, error) {
	if timeout <= 0 {
		timeout = DefaultDetectTimeout
	}
	c := envCaps(getenv)
	c.TTY = true
	if _, err := io.WriteString(tty, probe); err != nil {
		return c, fmt.Errorf("terminal probe: %w", err)
	}
	chunks := make(chan []byte, 16)
	done := make(chan struct{})
	stop := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1024)
		for {
			n, err := tty.Read(buf)
			if n > 0 {
				select {
				case chunks <- bytes.Clone(buf[:n]):
				case <-stop:
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var got []byte
	var r replies
wait:
	for {
		select {
		case b := <-chunks:
			got = append(got, b...)
			if r = parseReplies(got); r.da1 {
				break wait
			}
		case <-done:
			// The reader stopped (EOF or error): take what it sent.
			for {
				select {
				case b := <-chunks:
					got = append(got, b...)
				default:
					break wait
				}
			}
		case <-timer.C:
			break wait
		case <-ctx.Done():
			break wait
		}
	}
	close(stop)
	unblocked := false
	switch t := tty.(type) {
	case interface{ SetReadDeadline(time.Time) error }:
		if t.SetReadDeadline(time.Now()) == nil {
			unblocked = true
			defer t.SetReadDeadline(time.Time{}) //nolint:errcheck // best effort reset
		}
	case interface{ Cancel() bool }:
		unblocked = t.Cancel()
	}
	if unblocked {
		<-done
	}
	r = parseReplies(got)
	c.Sixel = r.sixel
	c.Kitty = c.Kitty || r.kitty
	c.ColorRegisters = r.registers
	c.Terminal = r.version
	c.KittyPlaceholders = placeholdersFor(c.Terminal)
	switch getenv(EnvKittyPlaceholders) {
	case "1":
		c.KittyPlaceholders = true
	case "0":
		c.KittyPlaceholders = false
	}
	switch {
	case r.cellW > 0 && r.cellH > 0:
		c.CellW, c.CellH = r.cellW, r.cellH
	case r.winW > 0 && r.winH > 0 && r.textCols > 0 && r.textRows > 0:
		c.CellW, c.CellH = r.winW/r.textCols, r.winH/r.textRows
	}
	if strings.Contains(strings.ToLower(c.Terminal), "kitty") || strings.Contains(strings.ToLower(c.Terminal), "wezterm") {
		c.TrueColor = true
	}
	c.Protocol = envOverride(getenv)
	if c.Protocol == "" {
		c.Protocol = autoProtocol(c)
	}
	if err := ctx.Err(); err != nil {
		return c, err
	}
	return c, nil
}

// EnvCaps is what the environment alone says about the terminal (through
// getenv): TERM_PROGRAM, KITTY_WINDOW_ID, COLORTERM, TMUX, SSH_CONNECTION /
// SSH_TTY (Remote) and EnvQuality. Detect and DetectTTY start from it.
func EnvCaps(getenv func(string) string) Caps { return envCaps(getenv) }

// envCaps reads what the environment says about the terminal.
func envCaps(getenv func(string) string) Caps {
	var c Caps
	switch getenv("TERM_PROGRAM") {
	case "iTerm.app", "iTerm2", "WezTerm":
		c.ITerm2 = true
		c.TrueColor = true
	}
	if getenv("KITTY_WINDOW_ID") != "" || getenv("TERM") == "xterm-kitty" {
		c.Kitty = true
		c.TrueColor = true
	}
	switch strings.ToLower(getenv("COLORTERM")) {
	case "truecolor", "24bit":
		c.TrueColor = true
	}
	c.InTmux = getenv("TMUX") != ""
	c.Remote = getenv("SSH_CONNECTION") != "" || getenv("SSH_TTY") != ""
	c.KittyPlaceholders = getenv(EnvKittyPlaceholders) == "1"
	if q, err := ParseQuality(getenv(EnvQuality)); err == nil {
		c.Quality = q
	}
	switch getenv(EnvTmuxPassthrough) {
	case "1", "on", "true":
		c.TmuxPassthrough = c.InTmux
	}
	return c
}

// envOverride returns the valid protocol named by EnvGraphics, or "".
func envOverride(getenv func(string) string) Protocol {
	p, err := Choose(Caps{}, getenv(EnvGraphics))
	if err != nil || strings.TrimSpace(getenv(EnvGraphics)) == "" || strings.EqualFold(strings.TrimSpace(getenv(EnvGraphics)), "auto") {
		return ""
	}
	return p
}

// DetectTTY runs Detect on a terminal file (say /dev/tty): it puts f in raw
// mode for the probe and restores it before returning. When the terminal
// does not report its cell size, the kernel's window size in pixels
// (TIOCGWINSZ) is used. When f is not a
// terminal it probes nothing and returns Caps from the environment with
// Protocol text (or the EnvGraphics override). Inside tmux it asks
// `tmux show -gv allow-passthrough` unless EnvTmuxPassthrough decides.
func DetectTTY(ctx context.Context, f *os.File, getenv func(string) string, timeout time.Duration) (Caps, error) {
	fd := int(f.Fd())
	if !term.IsTerminal(fd) {
		c := envCaps(getenv)
		c.Protocol = envOverride(getenv)
		if c.Protocol == "" {
			c.Protocol = ProtocolText
		}
		return c, nil
	}
	state, err := term.MakeRaw(fd)
	if err != nil {
		return Caps{}, fmt.Errorf("terminal probe: raw mode: %w", err)
	}
	defer term.Restore(fd, state) //nolint:errcheck // nothing better to do
	cr, err := cancelreader.NewReader(f)
	if err != nil {
		return Caps{}, fmt.Errorf("terminal probe: %w", err)
	}
	defer cr.Close()
	c, err := Detect(ctx, struct {
		cancelreader.CancelReader
		io.Writer
	}{cr, f}, getenv, timeout)
	if c.CellW == 0 || c.CellH == 0 {
		if w, h, ok := cellSizeFromWinsize(fd); ok {
			c.CellW, c.CellH = w, h
		}
	}
	if c.InTmux && getenv(EnvTmuxPassthrough) == "" {
		c.TmuxPassthrough = tmuxPassthrough(ctx)
		if envOverride(getenv) == "" {
			c.Protocol = autoProtocol(c)
		}
	}
	return c, err
}

// tmuxPassthrough asks tmux whether allow-passthrough is on.
func tmuxPassthrough(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "tmux", "show", "-gv", "allow-passthrough").Output()
	if err != nil {
		return false
	}
	v := strings.TrimSpace(string(out))
	return v == "on" || v == "all"
}
