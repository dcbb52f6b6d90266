//go:build unix

package render

import "golang.org/x/sys/unix"

// cellSizeFromWinsize reads the cell size from the kernel's window size
// (TIOCGWINSZ), which xterm, foot, WezTerm and others fill in with pixels
// even when they refuse the CSI 14/16 t window reports (xterm's default
// allowWindowOps: false). ok is false when the terminal left the pixel
// fields zero.
func cellSizeFromWinsize(fd int) (w, h int, ok bool) {
	ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ)
	if err != nil || ws.Col == 0 || ws.Row == 0 || ws.Xpixel == 0 || ws.Ypixel == 0 {
		return 0, 0, false
	}
	return int(ws.Xpixel / ws.Col), int(ws.Ypixel / ws.Row), true
}
