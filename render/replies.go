package render

import (
	"bytes"
	"strconv"
	"strings"
)

// The probe: raise the sixel colour registers to 256 and read the count
// back (XTSMGRAPHICS), ask kitty about a 1x1 image, ask for the cell size
// (CSI 16 t) and, for terminals without it, the text area in pixels and in
// cells (CSI 14 t, CSI 18 t), the terminal version (XTVERSION), its
// colours (OSC 10, 11 and 4: paletteQuery), and last the primary device
// attributes (DA1), which every terminal answers: its reply marks the end
// of the replies.
var probe = "\x1b[?1;3;256S" + "\x1b[?1;1;0S" +
	"\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\" +
	"\x1b[16t" + "\x1b[14t" + "\x1b[18t" +
	"\x1b[>0q" +
	paletteQuery() +
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
	palette            Palette
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
		case ']': // OSC: colour replies
			r.palette.addOSC(string(body))
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
