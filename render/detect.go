package render

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/cancelreader"
	"golang.org/x/term"
)

// DefaultDetectTimeout is how long Detect waits for replies: generous enough
// for a terminal at the other end of an SSH link.
const DefaultDetectTimeout = 1500 * time.Millisecond

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
	c.addReplies(parseReplies(readReplies(ctx, tty, timeout)), getenv)
	if err := ctx.Err(); err != nil {
		return c, err
	}
	return c, nil
}

// readReplies reads tty until the DA1 reply arrives, the reader stops, the
// timeout passes or ctx ends, and returns what it read. The reading
// goroutine is unblocked and waited for when tty allows it (see Detect).
func readReplies(ctx context.Context, tty io.Reader, timeout time.Duration) []byte {
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
wait:
	for {
		select {
		case b := <-chunks:
			got = append(got, b...)
			if parseReplies(got).da1 {
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
	unblockReader(tty, done)
	return got
}

// unblockReader stops a pending read on tty, when tty allows it, and waits
// for the reading goroutine (done) to exit.
func unblockReader(tty io.Reader, done <-chan struct{}) {
	switch t := tty.(type) {
	case interface{ SetReadDeadline(time.Time) error }:
		if t.SetReadDeadline(time.Now()) == nil {
			<-done
			t.SetReadDeadline(time.Time{}) //nolint:errcheck // best effort reset
		}
	case interface{ Cancel() bool }:
		if t.Cancel() {
			<-done
		}
	}
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
	}
	if c.InTmux && c.TmuxPassthrough && err == nil {
		c.addOuter(probeOuter(ctx, f, timeout))
	}
	if c.InTmux && envOverride(getenv) == "" {
		c.Protocol = autoProtocol(c)
	}
	return c, err
}

// outerProbe is the graphics part of the probe wrapped in tmux's
// passthrough, so the terminal outside tmux answers it (tmux answers the
// device attributes itself, without sixel).
var outerProbe = ansi.TmuxPassthrough("\x1b[?1;3;256S" + "\x1b[?1;1;0S" +
	"\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\" + paletteQuery() + "\x1b[c")

// probeOuter asks the terminal outside tmux (outerProbe) and reads its
// replies with a reader of its own: Detect's was cancelled, for good.
func probeOuter(ctx context.Context, f *os.File, timeout time.Duration) replies {
	if timeout <= 0 {
		timeout = DefaultDetectTimeout
	}
	cr, err := cancelreader.NewReader(f)
	if err != nil {
		return replies{}
	}
	defer cr.Close()
	if _, err := io.WriteString(f, outerProbe); err != nil {
		return replies{}
	}
	return parseReplies(readReplies(ctx, cr, timeout))
}

// addOuter takes the outer terminal's replies (outerProbe) into c when it
// answered: its sixel and kitty support and colour registers stand for
// the terminal's, and its colours fill what tmux did not answer.
func (c *Caps) addOuter(r replies) {
	if !r.da1 {
		return
	}
	c.Palette.merge(r.palette)
	c.Outer = true
	c.Sixel = r.sixel
	c.Kitty = c.Kitty || r.kitty
	if r.registers > 0 {
		c.ColorRegisters = r.registers
	}
}

// Path says in a few words how pictures reach the screen and why, for
// the status bar: "" when there is nothing to say (no tmux).
func (c Caps) Path(p Protocol) string {
	if !c.InTmux {
		return ""
	}
	switch {
	case p == ProtocolSixel || p == ProtocolKitty || p == ProtocolITerm2:
		if c.TmuxPassthrough {
			return "via tmux passthrough"
		}
		return "in tmux (allow-passthrough off: may not show)"
	case !c.TmuxPassthrough:
		return "tmux: allow-passthrough off"
	case c.Outer:
		return "tmux: outer terminal has no sixel/kitty"
	}
	return "tmux: outer terminal did not answer"
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
