//go:build !unix

package render

// cellSizeFromWinsize is unavailable off Unix; Detect's replies (or
// DefaultCell) decide.
func cellSizeFromWinsize(int) (w, h int, ok bool) { return 0, 0, false }
