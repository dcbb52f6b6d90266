package labeler

import (
	"fmt"
	"strings"
)

// cstep is one compiled step: a set of word ids or a gap.
type cstep struct {
	ids []int32
	gap int
}

// compiled is one expanded pattern, ready to match.
type compiled struct {
	steps       []cstep
	anchorStart bool
	anchorEnd   bool
	literals    int   // word steps: more is more specific
	rule        int32 // index into RuleSet.rules
}

// rule is what one directive line says, shared by its patterns.
type rule struct {
	pos    string
	kind   kind
	labels labelSet
	status fixed
	punct  tokKind // spoken: what the words stand for
}

// builder collects the compiled rule set while the lines are read.
type builder struct {
	rs *RuleSet
	// seen maps a trigger pattern's text to the line that declared it, so
	// one phrase cannot be two kinds of trigger.
	seen map[string]string
}

// compile turns parsed lines (all files, in order) into rs.
func (b *builder) compile(lines []ruleLine) error {
	for _, l := range lines {
		if err := b.compileLine(l); err != nil {
			return fmt.Errorf("%s: %w", l.pos, err)
		}
	}
	b.rs.finishVocabulary()
	b.rs.indexPatterns()
	return nil
}

func (b *builder) compileLine(l ruleLine) error {
	rs := b.rs
	switch l.arg {
	case "spelling":
		for _, p := range l.pairs {
			if _, dup := rs.spelling[p[0]]; dup {
				return fmt.Errorf("spelling of %q given twice", p[0])
			}
			rs.spelling[p[0]] = p[1]
			rs.wordID(p[1])
		}
		return nil
	case "abbreviation", "break-word", "conjunction":
		f := flagAbbrev
		if l.arg == "break-word" {
			f = flagBreak
		} else if l.arg == "conjunction" {
			f = flagConj
		}
		for _, w := range l.words {
			rs.wordID(w)
			rs.flags[w] |= f
		}
		return nil
	case "window":
		k, _ := kindByName(l.words[0])
		rs.windows[k] = l.window
		return nil
	}
	ri := int32(len(rs.rules))
	r := rule{pos: l.pos, kind: l.kind, labels: l.labels, status: l.status}
	if l.kind == kindSpoken {
		r.punct = tokBreak
		if l.arg == "," {
			r.punct = tokComma
		} else if l.arg == ":" {
			r.punct = tokColon
		}
	}
	rs.rules = append(rs.rules, r)
	seqs, err := expand(l.alts)
	if err != nil {
		return err
	}
	for _, seq := range seqs {
		if err := b.addPattern(seq, ri); err != nil {
			return err
		}
	}
	return nil
}

// addPattern compiles one expanded sequence for rule ri.
func (b *builder) addPattern(seq []step, ri int32) error {
	rs := b.rs
	c := compiled{rule: ri}
	text := make([]string, 0, len(seq))
	for i, s := range seq {
		switch {
		case s.anchor == '^':
			if i != 0 {
				return fmt.Errorf("'^' must come first")
			}
			c.anchorStart = true
		case s.anchor == '$':
			if i != len(seq)-1 {
				return fmt.Errorf("'$' must come last")
			}
			c.anchorEnd = true
		case s.gap > 0:
			if len(c.steps) == 0 || i == len(seq)-1 || (i == len(seq)-2 && c.anchorEnd) {
				return fmt.Errorf("a gap must sit between two words")
			}
			c.steps = append(c.steps, cstep{gap: s.gap})
			text = append(text, fmt.Sprintf("~%d", s.gap))
		default:
			ids := make([]int32, len(s.words))
			for j, w := range s.words {
				ids[j] = rs.wordID(rs.canonical(w))
			}
			c.steps = append(c.steps, cstep{ids: ids})
			c.literals++
			text = append(text, strings.Join(s.words, "|"))
		}
	}
	if c.literals == 0 {
		return fmt.Errorf("a pattern needs at least one word")
	}
	if gaps := len(c.steps) - c.literals; gaps > maxGaps {
		return fmt.Errorf("a pattern may have at most %d gaps, this one has %d", maxGaps, gaps)
	}
	if last := c.steps[len(c.steps)-1]; last.gap > 0 {
		return fmt.Errorf("a gap must sit between two words")
	}
	k := rs.rules[ri].kind
	if k.isTrigger() {
		key := strings.Join(text, " ")
		if prev, dup := b.seen[key]; dup && prev != rs.rules[ri].pos {
			return fmt.Errorf("trigger %q is already declared at %s", key, prev)
		}
		b.seen[key] = rs.rules[ri].pos
	}
	rs.patterns = append(rs.patterns, c)
	return nil
}

// wordID returns w's id, adding it to the vocabulary when new.
func (rs *RuleSet) wordID(w string) int32 {
	if id, ok := rs.vocab[w]; ok {
		return id
	}
	id := int32(len(rs.words))
	rs.vocab[w] = id
	rs.words = append(rs.words, w)
	return id
}

// canonical applies the spelling table to one word.
func (rs *RuleSet) canonical(w string) string {
	if c, ok := rs.spelling[w]; ok {
		return c
	}
	return w
}

// finishVocabulary adds what the tokenizer looks up directly: the spelling
// variants and the regular plurals of every word (so a lookup is one map
// access), the per-id flags, and the words a typo may be corrected to.
func (rs *RuleSet) finishVocabulary() {
	base := len(rs.words)
	rs.lookup = make(map[string]int32, 3*base)
	for w, id := range rs.vocab {
		rs.lookup[w] = id
	}
	for v, c := range rs.spelling {
		rs.lookup[v] = rs.vocab[c]
	}
	for _, w := range rs.words[:base] {
		id := rs.vocab[w]
		for _, p := range plurals(w) {
			if _, ok := rs.lookup[p]; !ok {
				rs.lookup[p] = id
			}
		}
	}
	rs.wordFlags = make([]wordFlag, len(rs.words))
	for w, f := range rs.flags {
		rs.wordFlags[rs.vocab[w]] |= f
	}
	rs.buildFuzzy()
}

// plurals returns the regular plural spellings of a word: +s, +es, and
// y → ies.
func plurals(w string) []string {
	if len(w) < 3 || !isPatternWord(w) || w[len(w)-1] < 'a' || w[len(w)-1] > 'z' {
		return nil
	}
	out := []string{w + "s", w + "es"}
	if strings.HasSuffix(w, "y") {
		out = append(out, w[:len(w)-1]+"ies")
	}
	return out
}

// indexPatterns files every pattern under the ids its first word step can
// match, split by pass (entities, triggers, spoken words, headers).
func (rs *RuleSet) indexPatterns() {
	n := len(rs.words)
	for p := range rs.index {
		rs.index[p] = make([][]int32, n)
	}
	for pi, c := range rs.patterns {
		pass := passOf(rs.rules[c.rule].kind)
		for _, id := range c.steps[0].ids {
			rs.index[pass][id] = append(rs.index[pass][id], int32(pi))
		}
	}
}

// The matching passes: each pattern belongs to one.
const (
	passEntity = iota
	passTrigger
	passSpoken
	passHeader
	passCount
)

func passOf(k kind) int {
	switch {
	case k == kindSpoken:
		return passSpoken
	case k == kindHeader || k == kindHistoryHeader:
		return passHeader
	case k.isTrigger():
		return passTrigger
	}
	return passEntity
}
