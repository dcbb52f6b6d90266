package labeler

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// errExpansion is returned when a line's alternatives multiply out to more
// patterns than a rule file may reasonably hold.
var errExpansion = errors.New("pattern expands to too many alternatives")

// maxExpansion bounds the patterns one line may expand to; maxGaps bounds
// the gaps of one pattern (matching tries every skip of every gap).
const (
	maxExpansion = 4096
	maxGaps      = 2
)

// patternScanner reads the pattern language (docs/labeler.md):
// words, (a | b c) groups, @macro references, ? after an item for optional,
// ~N gaps, ^ and $ anchors. A '?' standing alone is the question-mark word.
type patternScanner struct {
	s      string
	i      int
	macros map[string][]node
}

// parseAlternatives reads "seq | seq | ..." up to the end of s.
func parseAlternatives(s string, macros map[string][]node) ([][]node, error) {
	p := &patternScanner{s: s, macros: macros}
	alts, err := p.alternatives()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i < len(p.s) {
		return nil, fmt.Errorf("unexpected %q at column %d", p.s[p.i], p.i+1)
	}
	return alts, nil
}

func (p *patternScanner) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *patternScanner) alternatives() ([][]node, error) {
	var alts [][]node
	for {
		seq, err := p.sequence()
		if err != nil {
			return nil, err
		}
		if len(seq) == 0 {
			return nil, fmt.Errorf("empty alternative at column %d", p.i+1)
		}
		alts = append(alts, seq)
		p.space()
		if p.i < len(p.s) && p.s[p.i] == '|' {
			p.i++
			continue
		}
		return alts, nil
	}
}

func (p *patternScanner) sequence() ([]node, error) {
	var seq []node
	for {
		p.space()
		if p.i >= len(p.s) || p.s[p.i] == '|' || p.s[p.i] == ')' {
			return seq, nil
		}
		n, err := p.item()
		if err != nil {
			return nil, err
		}
		seq = append(seq, n)
	}
}

// item reads one item; an item ends at a space, '|', '(' or ')'.
func (p *patternScanner) item() (node, error) {
	c := p.s[p.i]
	switch {
	case c == '(':
		p.i++
		alts, err := p.alternatives()
		if err != nil {
			return node{}, err
		}
		if p.i >= len(p.s) || p.s[p.i] != ')' {
			return node{}, fmt.Errorf("unclosed '(' before column %d", p.i+1)
		}
		p.i++
		return p.optional(node{alts: alts}), nil
	case c == '^' || c == '$':
		p.i++
		return node{anchor: c}, nil
	}
	start := p.i
	for p.i < len(p.s) && !strings.ContainsRune(" \t|()", rune(p.s[p.i])) {
		p.i++
	}
	tok := p.s[start:p.i]
	switch {
	case tok == "?":
		return node{word: "?"}, nil
	case tok[0] == '~':
		n, err := strconv.Atoi(tok[1:])
		if err != nil || n < 1 || n > 8 {
			return node{}, fmt.Errorf("gap %q: want ~1 to ~8", tok)
		}
		return node{gap: n}, nil
	}
	opt := len(tok) > 1 && tok[len(tok)-1] == '?'
	if opt {
		tok = tok[:len(tok)-1]
	}
	if name, ok := strings.CutPrefix(tok, "@"); ok {
		m, found := p.macros[name]
		if !found {
			return node{}, fmt.Errorf("macro @%s is not defined above", name)
		}
		n := m[0]
		n.optional = opt
		return n, nil
	}
	if !isPatternWord(tok) {
		return node{}, fmt.Errorf("%q is not one lower-case word (see docs/labeler.md)", tok)
	}
	return node{word: tok, optional: opt}, nil
}

// optional marks n optional when '?' follows it directly.
func (p *patternScanner) optional(n node) node {
	if p.i < len(p.s) && p.s[p.i] == '?' {
		p.i++
		n.optional = true
	}
	return n
}

// step is one element of an expanded pattern: a set of words (any one
// matches one token), a gap of up to gap tokens, or an anchor.
type step struct {
	words  []string
	gap    int
	anchor byte
}

// expand multiplies a line's alternatives out into flat step sequences.
// Groups whose alternatives are all single words stay one step (a word
// set), so "(a | b | c)" does not multiply the count.
func expand(alts [][]node) ([][]step, error) {
	var out [][]step
	for _, seq := range alts {
		got, err := expandSeq(seq)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
		if len(out) > maxExpansion {
			return nil, errExpansion
		}
	}
	return out, nil
}

func expandSeq(seq []node) ([][]step, error) {
	acc := [][]step{nil}
	for _, n := range seq {
		choices, err := expandNode(n)
		if err != nil {
			return nil, err
		}
		if n.optional {
			choices = append(choices, nil)
		}
		if len(acc)*len(choices) > maxExpansion {
			return nil, errExpansion
		}
		next := make([][]step, 0, len(acc)*len(choices))
		for _, a := range acc {
			for _, c := range choices {
				next = append(next, append(append([]step(nil), a...), c...))
			}
		}
		acc = next
	}
	return acc, nil
}

// expandNode returns the step sequences one node may stand for.
func expandNode(n node) ([][]step, error) {
	switch {
	case n.word != "":
		return [][]step{{{words: []string{n.word}}}}, nil
	case n.gap > 0:
		return [][]step{{{gap: n.gap}}}, nil
	case n.anchor != 0:
		return [][]step{{{anchor: n.anchor}}}, nil
	}
	if set, ok := wordSet(n.alts); ok {
		return [][]step{{{words: set}}}, nil
	}
	return expand(n.alts)
}

// wordSet returns the words of a group whose every alternative is one plain
// word.
func wordSet(alts [][]node) ([]string, bool) {
	set := make([]string, 0, len(alts))
	for _, a := range alts {
		if len(a) != 1 || a[0].word == "" || a[0].optional {
			return nil, false
		}
		set = append(set, a[0].word)
	}
	return set, true
}
