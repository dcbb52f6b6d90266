package termhold

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair: the controller (what a terminal
// emulator holds; writing to it is typing) and the terminal (what the
// program holds).
func openPTY(t *testing.T) (controller, tty *os.File) {
	t.Helper()
	c, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	require.NoError(t, unix.IoctlSetPointerInt(int(c.Fd()), unix.TIOCSPTLCK, 0))
	n, err := unix.IoctlGetInt(int(c.Fd()), unix.TIOCGPTN)
	require.NoError(t, err)
	tty, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	require.NoError(t, err)
	t.Cleanup(func() { tty.Close() })
	return c, tty
}

// echoed reads what the terminal echoed back to the controller within a
// short while. It polls the descriptor itself: a read deadline is not
// honoured on every pseudo-terminal, and a blocked read would hang the test.
func echoed(t *testing.T, c *os.File) string {
	t.Helper()
	fd := int(c.Fd())
	var out []byte
	deadline := time.Now().Add(200 * time.Millisecond)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return string(out)
		}
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, int(left/time.Millisecond)+1)
		if err == unix.EINTR {
			continue
		}
		require.NoError(t, err)
		if n == 0 {
			return string(out)
		}
		buf := make([]byte, 64)
		m, err := unix.Read(fd, buf)
		if err != nil || m <= 0 {
			return string(out)
		}
		out = append(out, buf[:m]...)
	}
}

// TestHoldSilencesAndDiscards: keys typed while held are not echoed and
// are discarded at release (so they cannot act as commands later); the
// terminal is as it was afterwards, echo included.
func TestHoldSilencesAndDiscards(t *testing.T) {
	c, tty := openPTY(t)
	fd := int(tty.Fd())
	before, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	require.NoError(t, err)
	require.NotZero(t, before.Lflag&unix.ECHO, "a fresh terminal echoes")

	h, err := Start(fd)
	require.NoError(t, err)
	_, err = c.WriteString("ainz")
	require.NoError(t, err)
	assert.Empty(t, echoed(t, c), "nothing typed at start-up reaches the screen")

	n, err := h.Release()
	require.NoError(t, err)
	assert.Equal(t, 4, n, "the typed keys are counted")
	pending, err := unix.IoctlGetInt(fd, unix.TIOCINQ)
	require.NoError(t, err)
	assert.Zero(t, pending, "and discarded")
	after, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	require.NoError(t, err)
	assert.Equal(t, before.Lflag, after.Lflag, "restored")

	_, err = c.WriteString("x")
	require.NoError(t, err)
	assert.Equal(t, "x", echoed(t, c), "echo is back")

	n, err = h.Release()
	assert.Zero(t, n)
	assert.NoError(t, err, "a second release does nothing")
}

// TestHoldNotATerminal: a file that is not a terminal is left alone.
func TestHoldNotATerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "x")
	require.NoError(t, err)
	defer f.Close()
	h, err := Start(int(f.Fd()))
	require.NoError(t, err)
	n, err := h.Release()
	assert.Zero(t, n)
	assert.NoError(t, err)
}
