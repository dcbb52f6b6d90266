package labeler

// tokKind is what a token is. Breaks end a sentence and are not kept in one.
type tokKind uint8

const (
	tokWord tokKind = iota
	tokComma
	tokColon
	tokSlash
	tokQuestion
	tokBreak
)

// token is one word or punctuation mark of a draft, by byte offsets into
// the draft (so every span cut from tokens is a substring of it).
type token struct {
	start, end int32
	id         int32 // vocabulary id; -1 when the word is not in the rules
	kind       tokKind
	stop       bool // inside a terminator ("but"): no gap skips it
}

// lowerASCII returns s with ASCII letters lowered; byte offsets are kept
// (other bytes are left as they are). It allocates only when s has an
// upper-case ASCII letter.
func lowerASCII(s string) string {
	i := 0
	for i < len(s) && (s[i] < 'A' || s[i] > 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		if c := b[i]; c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// isWordByte reports whether c belongs inside a word: ASCII letters and
// digits, and every byte of a non-ASCII character (UTF-8 or not), so that a
// token never splits a character.
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// tokenize splits lower (the lowered draft, orig as written) into tokens,
// appending to buf.
// Sentence ends ('.', ';', '!', and line breaks that do not continue a
// wrapped sentence) become tokBreak; other punctuation than , : / ? is
// dropped, and so is '-', which splits words ("mass-like" is two words).
func (rs *RuleSet) tokenize(orig, lower string, buf []token) []token {
	n := len(lower)
	for i := 0; i < n; {
		c := lower[i]
		switch {
		case isWordByte(c):
			j := wordEnd(lower, i)
			buf = append(buf, token{start: int32(i), end: int32(j), id: rs.wordLookup(lower[i:j]), kind: tokWord})
			i = j
			continue
		case c == ',':
			buf = append(buf, rs.punct(i, tokComma, ","))
		case c == ':':
			buf = append(buf, rs.punct(i, tokColon, ":"))
		case c == '/':
			buf = append(buf, rs.punct(i, tokSlash, "/"))
		case c == '?':
			buf = append(buf, rs.punct(i, tokQuestion, "?"))
		case c == ';' || c == '!':
			buf = append(buf, token{start: int32(i), end: int32(i + 1), id: -1, kind: tokBreak})
		case c == '.':
			if !rs.afterAbbreviation(buf, i) {
				buf = append(buf, token{start: int32(i), end: int32(i + 1), id: -1, kind: tokBreak})
			}
		case c == '\n':
			if lineBreakEnds(orig, i) {
				buf = append(buf, token{start: int32(i), end: int32(i + 1), id: -1, kind: tokBreak})
			}
		}
		i++
	}
	return buf
}

// wordEnd returns the end of the word starting at i: word bytes, an
// apostrophe between two word bytes, and a '.' between two digits ("1.5").
func wordEnd(s string, i int) int {
	j := i
	for j < len(s) {
		c := s[j]
		switch {
		case isWordByte(c):
			j++
		case (c == '\'' || c == '.') && j > i && j+1 < len(s) && isWordByte(s[j+1]) &&
			(c == '\'' || isDigit(s[j-1]) && isDigit(s[j+1])):
			j++
		default:
			return j
		}
	}
	return j
}

func (rs *RuleSet) punct(i int, k tokKind, w string) token {
	return token{start: int32(i), end: int32(i + 1), id: rs.vocab[w], kind: k}
}

// afterAbbreviation reports whether the '.' at i directly follows a word
// the rules list as an abbreviation ("vs.").
func (rs *RuleSet) afterAbbreviation(buf []token, i int) bool {
	if len(buf) == 0 {
		return false
	}
	t := buf[len(buf)-1]
	return t.kind == tokWord && int(t.end) == i && t.id >= 0 && rs.wordFlags[t.id]&flagAbbrev != 0
}

// lineBreakEnds reports whether the newline at i ends a sentence. A blank
// line always does; otherwise the line goes on (a wrapped sentence) only
// when it ends in a word or a comma and the next line starts with a
// lower-case letter.
func lineBreakEnds(s string, i int) bool {
	j := i + 1
	for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r') {
		j++
	}
	if j >= len(s) || s[j] == '\n' {
		return true
	}
	k := i - 1
	for k >= 0 && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r') {
		k--
	}
	if k < 0 {
		return true
	}
	prevOK := isWordByte(s[k]) || s[k] == ','
	return !(prevOK && s[j] >= 'a' && s[j] <= 'z')
}

// wordLookup returns the vocabulary id of a lowered word: exact, a listed
// spelling or a regular plural (all one map access), else a typo one edit
// away from a rule word (fuzzy.go), else -1.
func (rs *RuleSet) wordLookup(w string) int32 {
	if id, ok := rs.lookup[w]; ok {
		return id
	}
	return rs.correct(w)
}
