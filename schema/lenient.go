package schema

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The lenient JSON reader below is hand-written on purpose. encoding/json
// rejects a whole document for any one of the faults that model output
// really has: a number that is valid JSON but overflows float64 (a real
// Ollama server emitted 68353674E30829), a document cut off by num_predict,
// Python-style single quotes, True/False/None, or a trailing comma. Each of
// those should cost at most one box or one entry, never the whole answer, so
// this reader keeps numbers as their literal text (converted later, value by
// value, with strconv.ParseFloat), accepts the Python spellings, and on EOF
// or a syntax error returns everything it completed so far with the cut-off
// value marked incomplete. It runs in time linear in what it reads and caps
// nesting depth, so no input can make it recurse without bound.

// maxDepth caps container nesting. A wrapped label list with boxes needs
// depth 4; the margin leaves room for nested extra fields, which are ignored.
const maxDepth = 12

type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

// jsonValue is one lenient-parsed value. Numbers keep their literal text in
// text so that overflow is judged per value. A value with complete == false
// was cut off (EOF or a syntax error) before it closed; for containers it
// still holds every element or member that did complete, and for objects
// also the members of a cut-off member value that are usable.
type jsonValue struct {
	kind     jsonKind
	text     string // string contents, number literal, or "true"/"false"
	elems    []jsonValue
	members  []jsonMember
	complete bool
}

type jsonMember struct {
	key string
	val jsonValue
}

// member returns the first member whose key, lowercased, is one of names.
func (v *jsonValue) member(names ...string) (jsonValue, bool) {
	for _, m := range v.members {
		k := strings.ToLower(strings.TrimSpace(m.key))
		for _, n := range names {
			if k == n {
				return m.val, true
			}
		}
	}
	return jsonValue{}, false
}

// lenientParser reads one value starting at pos. repaired records which
// non-JSON spellings it had to accept, for the diagnostics.
type lenientParser struct {
	s        string
	pos      int
	repaired map[string]bool
	// broken is set on a syntax error (as opposed to plain EOF).
	broken bool
}

func (p *lenientParser) repair(what string) {
	if p.repaired == nil {
		p.repaired = map[string]bool{}
	}
	p.repaired[what] = true
}

func (p *lenientParser) skipSpace() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// parseValue parses one value. ok is false when not even the start of a
// value could be read at pos (nothing to keep).
func (p *lenientParser) parseValue(depth int) (v jsonValue, ok bool) {
	p.skipSpace()
	if p.pos >= len(p.s) {
		return jsonValue{}, false
	}
	switch c := p.s[p.pos]; {
	case c == '[':
		if depth >= maxDepth {
			p.broken = true
			return jsonValue{}, false
		}
		return p.parseArray(depth + 1), true
	case c == '{':
		if depth >= maxDepth {
			p.broken = true
			return jsonValue{}, false
		}
		return p.parseObject(depth + 1), true
	case c == '"' || c == '\'':
		s, complete := p.parseString()
		return jsonValue{kind: jsonString, text: s, complete: complete}, true
	case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
		return p.parseNumber()
	default:
		return p.parseLiteral()
	}
}

// literals maps the bare words accepted as values to their JSON meaning.
// The Python spellings and the non-finite numbers are repairs.
var literals = []struct {
	word   string
	kind   jsonKind
	text   string
	repair string
}{
	{"true", jsonBool, "true", ""},
	{"false", jsonBool, "false", ""},
	{"null", jsonNull, "", ""},
	{"True", jsonBool, "true", "Python literal True/False/None"},
	{"False", jsonBool, "false", "Python literal True/False/None"},
	{"None", jsonNull, "", "Python literal True/False/None"},
	{"NaN", jsonNumber, "NaN", "non-finite number literal"},
	{"Infinity", jsonNumber, "Infinity", "non-finite number literal"},
	{"-Infinity", jsonNumber, "-Infinity", "non-finite number literal"},
}

func (p *lenientParser) parseLiteral() (jsonValue, bool) {
	rest := p.s[p.pos:]
	for _, l := range literals {
		if strings.HasPrefix(rest, l.word) {
			end := p.pos + len(l.word)
			if end < len(p.s) && isWordByte(p.s[end]) {
				continue
			}
			p.pos = end
			if l.repair != "" {
				p.repair(l.repair)
			}
			return jsonValue{kind: l.kind, text: l.text, complete: true}, true
		}
		if len(rest) < len(l.word) && strings.HasPrefix(l.word, rest) {
			// Cut off inside a literal at EOF.
			p.pos = len(p.s)
			return jsonValue{kind: l.kind, complete: false}, true
		}
	}
	p.broken = true
	return jsonValue{}, false
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// parseNumber reads a number literal loosely (sign, digits, dot, exponent)
// and keeps its text; strconv decides later whether it is a usable float.
// A number that runs into EOF is incomplete: more digits may have followed.
func (p *lenientParser) parseNumber() (jsonValue, bool) {
	start := p.pos
	if p.s[p.pos] == '-' || p.s[p.pos] == '+' {
		p.pos++
		if strings.HasPrefix(p.s[p.pos:], "Infinity") {
			p.pos += len("Infinity")
			p.repair("non-finite number literal")
			return jsonValue{kind: jsonNumber, text: p.s[start:p.pos], complete: true}, true
		}
	}
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' ||
			((c == '+' || c == '-') && (p.s[p.pos-1] == 'e' || p.s[p.pos-1] == 'E')) {
			p.pos++
			continue
		}
		break
	}
	return jsonValue{kind: jsonNumber, text: p.s[start:p.pos], complete: p.pos < len(p.s)}, true
}

// parseString reads a double- or single-quoted string with JSON escapes.
// complete is false when EOF came before the closing quote.
func (p *lenientParser) parseString() (string, bool) {
	quote := p.s[p.pos]
	if quote == '\'' {
		p.repair("single-quoted strings")
	}
	p.pos++
	start := p.pos
	// Fast path: no escapes.
	for i := p.pos; i < len(p.s); i++ {
		c := p.s[i]
		if c == quote {
			p.pos = i + 1
			return p.s[start:i], true
		}
		if c == '\\' {
			break
		}
	}
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == quote:
			p.pos++
			return b.String(), true
		case c != '\\':
			b.WriteByte(c)
			p.pos++
			continue
		}
		// Escape sequence.
		if p.pos+1 >= len(p.s) {
			p.pos = len(p.s)
			return b.String(), false
		}
		e := p.s[p.pos+1]
		p.pos += 2
		switch e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			r, ok := p.readHex4()
			if !ok {
				if p.pos >= len(p.s) {
					return b.String(), false
				}
				b.WriteRune(utf8.RuneError)
				continue
			}
			if utf16.IsSurrogate(r) && strings.HasPrefix(p.s[p.pos:], `\u`) {
				save := p.pos
				p.pos += 2
				if r2, ok := p.readHex4(); ok {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						b.WriteRune(d)
						continue
					}
				}
				p.pos = save
			}
			b.WriteRune(r)
		default:
			// \" \' \\ \/ and anything else: the character itself.
			b.WriteByte(e)
		}
	}
	return b.String(), false
}

func (p *lenientParser) readHex4() (rune, bool) {
	if p.pos+4 > len(p.s) {
		p.pos = len(p.s)
		return 0, false
	}
	n, err := strconv.ParseUint(p.s[p.pos:p.pos+4], 16, 32)
	if err != nil {
		return 0, false
	}
	p.pos += 4
	return rune(n), true
}

func (p *lenientParser) parseArray(depth int) jsonValue {
	v := jsonValue{kind: jsonArray}
	p.pos++ // '['
	for {
		p.skipSpace()
		if p.pos >= len(p.s) {
			return v
		}
		if p.s[p.pos] == ']' {
			p.pos++
			v.complete = true
			return v
		}
		if p.s[p.pos] == ',' {
			// A leading or doubled comma: tolerated, noted.
			p.repair("stray commas")
			p.pos++
			continue
		}
		elem, ok := p.parseValue(depth)
		if !ok {
			return v
		}
		if !elem.complete {
			// Keep a cut-off object: its complete members may be usable.
			if elem.kind == jsonObject {
				v.elems = append(v.elems, elem)
			}
			return v
		}
		v.elems = append(v.elems, elem)
		p.skipSpace()
		if p.pos >= len(p.s) {
			return v
		}
		switch p.s[p.pos] {
		case ',':
			p.pos++
			p.skipSpace()
			if p.pos < len(p.s) && p.s[p.pos] == ']' {
				p.repair("trailing commas")
			}
		case ']':
		case '{':
			// Objects one after another without a comma: a common model
			// slip that costs nothing to read past.
			p.repair("missing commas")
		default:
			p.broken = true
			return v
		}
	}
}

func (p *lenientParser) parseObject(depth int) jsonValue {
	v := jsonValue{kind: jsonObject}
	p.pos++ // '{'
	for {
		p.skipSpace()
		if p.pos >= len(p.s) {
			return v
		}
		switch p.s[p.pos] {
		case '}':
			p.pos++
			v.complete = true
			return v
		case ',':
			p.repair("stray commas")
			p.pos++
			continue
		case '"', '\'':
		default:
			p.broken = true
			return v
		}
		key, ok := p.parseString()
		if !ok {
			return v
		}
		p.skipSpace()
		if p.pos >= len(p.s) {
			return v
		}
		if p.s[p.pos] != ':' {
			p.broken = true
			return v
		}
		p.pos++
		val, ok := p.parseValue(depth)
		if !ok {
			return v
		}
		if !val.complete {
			// A cut-off member value is kept so the caller can decide
			// (a cut-off box is dropped, a cut-off span may be noted).
			v.members = append(v.members, jsonMember{key: key, val: val})
			return v
		}
		v.members = append(v.members, jsonMember{key: key, val: val})
		p.skipSpace()
		if p.pos >= len(p.s) {
			return v
		}
		switch p.s[p.pos] {
		case ',':
			p.pos++
			p.skipSpace()
			if p.pos < len(p.s) && p.s[p.pos] == '}' {
				p.repair("trailing commas")
			}
		case '}':
		default:
			p.broken = true
			return v
		}
	}
}
