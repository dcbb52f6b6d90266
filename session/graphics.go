package session

import (
	"context"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/cxr-auditor/cxr-auditor/internal/termhold"
	"github.com/cxr-auditor/cxr-auditor/render"
	"github.com/cxr-auditor/cxr-auditor/tui"
)

// detectTimeout bounds the terminal graphics probe before the TUI starts.
const detectTimeout = time.Second

// CheckGraphics refuses a --graphics value that names no protocol, as a
// usage error, before anything is opened.
func CheckGraphics(graphics string) error {
	if _, err := render.Choose(render.Caps{}, graphics); err != nil {
		return fmt.Errorf("%w: --graphics: %v", ErrUsage, err)
	}
	return nil
}

// PictureQuality is the quality flag asks for, else the one
// CXR_AUDITOR_PICTURE_QUALITY names, else "" (auto). A bad value in the
// variable is a usage error naming it, as a bad flag value is.
func PictureQuality(flag render.Quality, getenv func(string) string) (render.Quality, error) {
	if flag != "" {
		return flag, nil
	}
	v := getenv(render.EnvQuality)
	if v == "" {
		return "", nil
	}
	q, err := render.ParseQuality(v)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %v", ErrUsage, render.EnvQuality, err)
	}
	return q, nil
}

// HoldTerminal takes the terminal on stdin before any slow start-up work
// (loading the worklist, opening the store, the graphics probe, starting
// the demo's server): keys typed meanwhile are neither echoed onto the
// normal screen nor read later as commands. Workstation releases it just
// before Bubble Tea takes the terminal; the caller defers Release too,
// for the paths that return early. Off a terminal it holds nothing.
func HoldTerminal(env Env) *termhold.Hold {
	f, ok := env.Stdin.(*os.File)
	if !ok {
		return nil
	}
	h, err := termhold.Start(int(f.Fd()))
	if err != nil {
		log.Printf("terminal: %v", err)
		return nil
	}
	return h
}

// newImager probes the terminal and returns the imager for the chosen protocol, drawing
// at quality ("" leaves it to the environment: auto, lean over SSH), and
// the capabilities found (Palette: the colours the terminal reported,
// empty without a probe; InTmux).
func newImager(ctx context.Context, env Env, graphics string, quality render.Quality) (tui.Imager, render.Caps, error) {
	caps, proto, err := imagerCaps(ctx, env, graphics, quality)
	if err != nil {
		return nil, render.Caps{}, err
	}
	enc, err := render.NewEncoder(proto, caps)
	if err != nil {
		return nil, render.Caps{}, err
	}
	im := tui.NewRenderImager(enc, 4, 0)
	im.SetPath(caps.Path(proto))
	return im, caps, nil
}

// imagerCaps is the terminal's capabilities and the protocol newImager
// draws with.
func imagerCaps(ctx context.Context, env Env, graphics string, quality render.Quality) (render.Caps, render.Protocol, error) {
	// The probe runs whatever the protocol: text and half-blocks need no
	// graphics replies, but the inks need the terminal's colours.
	caps, proto, err := probeGraphics(ctx, env, graphics)
	if err != nil {
		return caps, "", err
	}
	// Off a terminal nothing was probed; the half-blocks' colour depth
	// still follows what the environment says (COLORTERM).
	caps.TrueColor = caps.TrueColor || render.EnvCaps(env.Getenv).TrueColor
	if quality != "" {
		caps.Quality = quality
	}
	return caps, proto, nil
}

// openTTY opens the controlling terminal the probe talks to (a variable:
// tests give it a pseudo-terminal).
var openTTY = func() (*os.File, error) { return os.OpenFile("/dev/tty", os.O_RDWR, 0) }

// probeGraphics asks the terminal on /dev/tty what it can draw (about a
// second at most) when stdout is a terminal; otherwise it uses the
// environment. An explicit protocol wins over the probe's choice, but the
// probe still supplies the cell size, the sixel colour registers and the
// terminal's colours (imagerCaps runs it for text and blocks too).
func probeGraphics(ctx context.Context, env Env, graphics string) (render.Caps, render.Protocol, error) {
	// Off a terminal, what the environment says of the link still counts
	// (SSH, CXR_AUDITOR_PICTURE_QUALITY), as for render.
	ec := render.EnvCaps(env.Getenv)
	caps := render.Caps{Remote: ec.Remote, Quality: ec.Quality, KittyPlaceholders: ec.KittyPlaceholders}
	if f, ok := env.Stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if tty, err := openTTY(); err == nil {
			caps, err = render.DetectTTY(ctx, tty, env.Getenv, detectTimeout)
			tty.Close()
			if err != nil {
				log.Printf("graphics probe: %v", err)
			}
		}
	} else if p := strings.TrimSpace(env.Getenv(render.EnvGraphics)); p != "" {
		proto, err := render.Choose(caps, p)
		if err != nil {
			return caps, "", fmt.Errorf("%s: %w", render.EnvGraphics, err)
		}
		caps.Protocol = proto
	}
	proto, err := render.Choose(caps, graphics)
	if err != nil {
		return caps, "", fmt.Errorf("%w: --graphics: %v", ErrUsage, err)
	}
	return caps, proto, nil
}
