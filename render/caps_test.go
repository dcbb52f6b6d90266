package render

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Replies as real terminals send them.
const (
	xtermVT340 = "\x1b[?1;0;256S\x1b[?1;0;256S\x1b[6;17;9t\x1b[4;850;1440t\x1b[8;50;160t\x1bP>|XTerm(390)\x1b\\\x1b[?63;1;2;4;6;9;15;22;29c"
	kittyTerm  = "\x1b_Gi=31;OK\x1b\\\x1b[6;20;10t\x1b[4;1000;1600t\x1b[8;50;160t\x1bP>|kitty(0.35.2)\x1b\\\x1b[?62;c"
	plainTerm  = "\x1b[?1;2c" // VT100 with AVO: no sixel, no kitty, ignores the rest
)

func TestParseReplies(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want replies
	}{
		{"xterm vt340", xtermVT340, replies{da1: true, sixel: true, registers: 256, cellW: 9, cellH: 17, winW: 1440, winH: 850, textCols: 160, textRows: 50, version: "XTerm(390)"}},
		{"kitty", kittyTerm, replies{da1: true, kitty: true, cellW: 10, cellH: 20, winW: 1600, winH: 1000, textCols: 160, textRows: 50, version: "kitty(0.35.2)"}},
		{"plain", plainTerm, replies{da1: true}},
		{"keys typed meanwhile and BEL-terminated DCS", "jk\x1bP>|WezTerm 2024\x07\x1b[?62;4c", replies{da1: true, sixel: true, version: "WezTerm 2024"}},
		{"8-bit C1 introducers", "\x9b?1;0;64S\x9b?64;4c", replies{da1: true, sixel: true, registers: 64}},
		{"failed register set keeps nothing", "\x1b[?1;3;0S\x1b[?65;1c", replies{da1: true}},
		{"40 is not 4", "\x1b[?62;40;41c", replies{da1: true}},
		{"truncated", "\x1b[6;17", replies{}},
		{"string cut by a new sequence", "\x1bP>|XTe\x1b[?62;4c", replies{da1: true, sixel: true}},
		{"kitty error is not support", "\x1b_Gi=31;ENOTSUPPORTED:x\x1b\\\x1b[?62c", replies{da1: true}},
		{"empty", "", replies{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, parseReplies([]byte(tc.in)))
		})
	}
}

func FuzzParseReplies(f *testing.F) {
	for _, s := range []string{xtermVT340, kittyTerm, plainTerm, "\x9b?1;0;64S", "\x1bP>|x\x07", "\x1b[", "\x1b_G", "\x90\x9c"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := parseReplies(b)
		if r.sixel && !r.da1 {
			t.Fatalf("sixel without a DA1 reply in %q", b)
		}
	})
}

// fakeTTY is a scripted terminal: it answers the probe and records writes.
type fakeTTY struct {
	r      *io.PipeReader // what the terminal sends
	w      *io.PipeWriter
	probes chan string
	mu     sync.Mutex
	writes []string
}

func newFakeTTY(t *testing.T, reply string) *fakeTTY {
	pr, pw := io.Pipe()
	f := &fakeTTY{r: pr, w: pw, probes: make(chan string, 8)}
	t.Cleanup(func() { pr.Close(); pw.Close() })
	go func() {
		p := <-f.probes
		if reply != "" && strings.HasSuffix(p, "\x1b[c") {
			// Answer in two pieces, the way replies trickle in over SSH.
			half := len(reply) / 2
			if _, err := io.WriteString(pw, reply[:half]); err != nil {
				return
			}
			_, _ = io.WriteString(pw, reply[half:])
		}
	}()
	return f
}

func (f *fakeTTY) Read(p []byte) (int, error) { return f.r.Read(p) }
func (f *fakeTTY) Write(p []byte) (int, error) {
	f.mu.Lock()
	f.writes = append(f.writes, string(p))
	f.mu.Unlock()
	f.probes <- string(p)
	return len(p), nil
}

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestDetect(t *testing.T) {
	cases := []struct {
		name  string
		reply string
		env   func(string) string
		check func(t *testing.T, c Caps)
	}{
		{"xterm vt340 gets sixel with 256 registers", xtermVT340, env(), func(t *testing.T, c Caps) {
			assert.Equal(t, ProtocolSixel, c.Protocol)
			assert.True(t, c.Sixel)
			assert.Equal(t, 256, c.ColorRegisters)
			assert.Equal(t, 9, c.CellW)
			assert.Equal(t, 17, c.CellH)
			assert.Equal(t, "XTerm(390)", c.Terminal)
		}},
		{"kitty reply wins over sixel", kittyTerm + xtermVT340, env(), func(t *testing.T, c Caps) {
			assert.Equal(t, ProtocolKitty, c.Protocol)
			assert.True(t, c.TrueColor)
		}},
		{"plain terminal gets blocks", plainTerm, env("COLORTERM", "truecolor"), func(t *testing.T, c Caps) {
			assert.Equal(t, ProtocolBlocks, c.Protocol)
			assert.False(t, c.Sixel)
			assert.True(t, c.TrueColor)
		}},
		{"cell size from window and text area", "\x1b[4;800;1200t\x1b[8;40;120t\x1b[?62c", env(), func(t *testing.T, c Caps) {
			assert.Equal(t, 10, c.CellW)
			assert.Equal(t, 20, c.CellH)
		}},
		{"env override", xtermVT340, env(EnvGraphics, "blocks"), func(t *testing.T, c Caps) {
			assert.Equal(t, ProtocolBlocks, c.Protocol)
		}},
		{"iTerm2 from TERM_PROGRAM", plainTerm, env("TERM_PROGRAM", "iTerm.app"), func(t *testing.T, c Caps) {
			assert.Equal(t, ProtocolITerm2, c.Protocol)
		}},
		{"tmux without passthrough falls back to blocks", xtermVT340, env("TMUX", "/tmp/tmux-0/default,1,0"), func(t *testing.T, c Caps) {
			assert.True(t, c.InTmux)
			assert.Equal(t, ProtocolBlocks, c.Protocol)
		}},
		{"tmux with passthrough keeps sixel", xtermVT340, env("TMUX", "x", EnvTmuxPassthrough, "1"), func(t *testing.T, c Caps) {
			assert.True(t, c.TmuxPassthrough)
			assert.Equal(t, ProtocolSixel, c.Protocol)
		}},
		{"silent terminal: env only after the timeout", "", env("KITTY_WINDOW_ID", "3"), func(t *testing.T, c Caps) {
			assert.Equal(t, ProtocolKitty, c.Protocol)
			assert.False(t, c.Sixel)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tty := newFakeTTY(t, tc.reply)
			c, err := Detect(context.Background(), tty, tc.env, 200*time.Millisecond)
			require.NoError(t, err)
			assert.True(t, c.TTY)
			tc.check(t, c)
		})
	}
}

func TestDetectProbeIsOneWrite(t *testing.T) {
	tty := newFakeTTY(t, plainTerm)
	_, err := Detect(context.Background(), tty, env(), time.Second)
	require.NoError(t, err)
	tty.mu.Lock()
	assert.Equal(t, []string{probe}, tty.writes)
	tty.mu.Unlock()
	assert.True(t, strings.HasSuffix(probe, "\x1b[c"), "DA1 comes last")
	for _, part := range []string{"\x1b[?1;3;256S", "\x1b[?1;1;0S", "\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\", "\x1b[16t", "\x1b[14t", "\x1b[>0q"} {
		assert.Contains(t, probe, part)
	}
}

func TestDetectHonoursContext(t *testing.T) {
	tty := newFakeTTY(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Detect(ctx, tty, env(), time.Hour)
	require.ErrorIs(t, err, context.Canceled)
}

func TestChoose(t *testing.T) {
	cases := []struct {
		name     string
		caps     Caps
		override string
		want     Protocol
		err      bool
	}{
		{"flag wins", Caps{Protocol: ProtocolKitty}, "text", ProtocolText, false},
		{"forced sixel without DA1", Caps{TTY: true}, "SIXEL", ProtocolSixel, false},
		{"auto uses Detect's pick", Caps{Protocol: ProtocolITerm2}, "auto", ProtocolITerm2, false},
		{"empty caps off a terminal", Caps{}, "", ProtocolText, false},
		{"terminal without graphics", Caps{TTY: true}, "", ProtocolBlocks, false},
		{"never sixel unless claimed", Caps{TTY: true, ColorRegisters: 256}, "", ProtocolBlocks, false},
		{"order kitty > sixel > iterm2", Caps{TTY: true, Kitty: true, Sixel: true, ITerm2: true}, "", ProtocolKitty, false},
		{"sixel > iterm2", Caps{TTY: true, Sixel: true, ITerm2: true}, "", ProtocolSixel, false},
		{"unknown", Caps{}, "ascii", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Choose(tc.caps, tc.override)
			if tc.err {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestOuterTerminalThroughTmux: inside tmux the device attributes come
// from tmux (no sixel), so --graphics auto never chose sixel. The outer
// terminal's reply, asked through the passthrough, decides; the path is
// said for the status bar.
func TestOuterTerminalThroughTmux(t *testing.T) {
	env := map[string]string{"TMUX": "/tmp/tmux-0/default,1,0", EnvTmuxPassthrough: "1"}
	c := envCaps(func(k string) string { return env[k] })
	c.TTY = true
	c.addReplies(parseReplies([]byte("\x1b[?1;2c")), func(k string) string { return env[k] }) // tmux's own DA1
	require.Equal(t, ProtocolBlocks, c.Protocol, "tmux's DA1 lists no sixel")
	c.addOuter(parseReplies([]byte("\x1b[?1;0;256S\x1b[?63;1;2;4;6;9;15;16;22;28c"))) // XTerm(379) -ti vt340
	c.Protocol = autoProtocol(c)
	assert.Equal(t, ProtocolSixel, c.Protocol)
	assert.True(t, c.Outer)
	assert.Equal(t, 256, c.ColorRegisters)
	assert.Equal(t, "via tmux passthrough", c.Path(c.Protocol))
	assert.Contains(t, outerProbe, "\x1bPtmux;", "the probe is wrapped for tmux")
	assert.Contains(t, outerProbe, "\x1b\x1b[c", "with its escapes doubled")

	off := Caps{InTmux: true, TTY: true}
	assert.Equal(t, "tmux: allow-passthrough off", off.Path(autoProtocol(off)))
	assert.Equal(t, "", Caps{}.Path(ProtocolSixel), "nothing to say outside tmux")
	noAnswer := Caps{InTmux: true, TmuxPassthrough: true, TTY: true}
	noAnswer.addOuter(parseReplies(nil))
	assert.False(t, noAnswer.Outer)
	assert.Equal(t, "tmux: outer terminal did not answer", noAnswer.Path(autoProtocol(noAnswer)))
}
