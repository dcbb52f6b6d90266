package tui

import (
	"bytes"
	"context"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// waitFor waits on the program's output (never sleeps a fixed time); the
// generous bound only stops a broken test from hanging.
func waitFor(t *testing.T, tm *teatest.TestModel, what string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(what)) },
		teatest.WithDuration(20*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

// TestE2EVerdict drives the real Bubble Tea program: open, adjudicate,
// quit; the verdict is in the store and counted.
func TestE2EVerdict(t *testing.T) {
	f := newFixture(4, 4)
	f.engine.done()
	m := New(context.Background(), f.config())
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	// Resumed, and its full result looked up (one read of the output:
	// the two may come in the same frame).
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte("resumed at case-0001")) && bytes.Contains(b, []byte("contradicted by image"))
	}, teatest.WithDuration(20*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	tm.Send(tea.KeyPressMsg{Code: 'i', Text: "i"})
	waitFor(t, tm, "saved ✓")
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(20*time.Second)).(*Model)
	assert.Equal(t, 1, final.SavedVerdicts())
	assert.Equal(t, "case-0002", final.CurrentID())
	require.Len(t, verdictsOf(f), 1)
}

// TestE2ESixel checks that out-of-band pictures really reach the terminal
// after the frame, and that moving on draws the next item's.
func TestE2ESixel(t *testing.T) {
	f := newFixture(4, 4)
	f.imager.protocol = "sixel"
	f.engine.done()
	m := New(context.Background(), f.config())
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	waitFor(t, tm, "\x1b[2;26H\x1bPq#fake case-0001\x1b\\")
	tm.Send(tea.KeyPressMsg{Code: 'j', Text: "j"})
	waitFor(t, tm, "\x1bPq#fake case-0002\x1b\\")
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	tm.WaitFinished(t, teatest.WithFinalTimeout(20*time.Second))
}
