package termtext

import (
	"fmt"
	"unicode/utf8"
)

// JSON returns the JSON text b with every character a terminal could act on
// that encoding/json leaves raw (DEL, the C1 controls U+0080-U+009F and the
// bidirectional controls) written as a \uXXXX escape, so that JSON printed
// on a terminal is as inert as Line's output and decodes to the same value.
// encoding/json already escapes the C0 controls and replaces invalid UTF-8.
// b must be valid JSON from encoding/json: outside strings JSON holds ASCII
// only, so every rune rewritten is inside a string. b is returned as is when
// it needs nothing.
func JSON(b []byte) []byte {
	i := 0
	for i < len(b) && b[i] < 0x7f {
		i++
	}
	if i == len(b) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	out = append(out, b[:i]...)
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		if r == 0x7f || (r >= 0x80 && r <= 0x9f) || IsBidiControl(r) {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}
