package labeler

// hit is one pattern matched over tokens [start, end) of a sentence. lit
// marks, relative to start, the tokens the pattern's words matched (the
// others were skipped by a gap); a span over 64 tokens marks none past 64.
type hit struct {
	start, end int
	lit        uint64
	rule       int32
}

// literalAt reports whether token i of the sentence is one of h's words.
func (h hit) literalAt(i int) bool {
	d := i - h.start
	return d >= 0 && d < 64 && h.lit&(1<<d) != 0
}

// matchAt tries c at token i. Gaps try the shortest skip first and never
// skip a comma or a terminator, so a phrase does not reach across a list
// or into another clause ("the heart is enlarged but the lungs are normal").
func matchAt(c *compiled, toks []token, i int) (int, uint64, bool) {
	if c.anchorStart && i != 0 {
		return 0, 0, false
	}
	var lit uint64
	var try func(s, pos int) (int, bool)
	try = func(s, pos int) (int, bool) {
		if s == len(c.steps) {
			if c.anchorEnd && pos != len(toks) {
				return 0, false
			}
			return pos, true
		}
		st := &c.steps[s]
		if st.gap > 0 {
			for k := 0; k <= st.gap && pos+k <= len(toks); k++ {
				if k > 0 && (toks[pos+k-1].kind == tokComma || toks[pos+k-1].stop) {
					break
				}
				if end, ok := try(s+1, pos+k); ok {
					return end, true
				}
			}
			return 0, false
		}
		if pos >= len(toks) || !hasID(st.ids, toks[pos].id) {
			return 0, false
		}
		if d := pos - i; d < 64 {
			lit |= 1 << d
		}
		return try(s+1, pos+1)
	}
	end, ok := try(0, i)
	return end, lit, ok
}

func hasID(ids []int32, id int32) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// bestAt returns the best match of one pass starting at token i: the
// longest, then the one with more words (more specific), then the one
// declared first.
func (rs *RuleSet) bestAt(pass int, toks []token, i int) (hit, bool) {
	id := toks[i].id
	if id < 0 {
		return hit{}, false
	}
	var best hit
	bestLits, found := 0, false
	for _, pi := range rs.index[pass][id] {
		c := &rs.patterns[pi]
		end, lit, ok := matchAt(c, toks, i)
		if !ok {
			continue
		}
		if !found || end > best.end || end == best.end && c.literals > bestLits {
			best, bestLits, found = hit{start: i, end: end, lit: lit, rule: c.rule}, c.literals, true
		}
	}
	return best, found
}

// applySpoken replaces spoken punctuation ("period", "new paragraph",
// "comma") by the mark it stands for, in place.
func (rs *RuleSet) applySpoken(toks []token) []token {
	out := toks[:0]
	for i := 0; i < len(toks); {
		h, ok := rs.bestAt(passSpoken, toks, i)
		if !ok {
			out = append(out, toks[i])
			i++
			continue
		}
		k := rs.rules[h.rule].punct
		t := token{start: toks[i].start, end: toks[h.end-1].end, id: -1, kind: k}
		if k == tokComma {
			t.id = rs.vocab[","]
		} else if k == tokColon {
			t.id = rs.vocab[":"]
		}
		out = append(out, t)
		i = h.end
	}
	return out
}

// sentence is a run of tokens between breaks; history is set when it
// follows a history header ("Indication:").
type sentence struct {
	toks    []token
	history bool
}

// maxSentence bounds a sentence's tokens: a longer run without a sentence
// end is cut, so the work per sentence (each mention looks at each
// trigger) stays bounded on hostile input.
const maxSentence = 256

// sentences splits toks at breaks, at section headers followed by ':' and
// every maxSentence tokens.
func (rs *RuleSet) sentences(toks []token, out []sentence) []sentence {
	start, history := 0, false
	flush := func(end int) {
		if end > start {
			out = append(out, sentence{toks: toks[start:end], history: history})
		}
	}
	for i := 0; i < len(toks); i++ {
		if i-start >= maxSentence {
			flush(i)
			start = i
		}
		if toks[i].kind == tokBreak {
			flush(i)
			start, history = i+1, false
			continue
		}
		h, ok := rs.bestAt(passHeader, toks, i)
		if !ok || h.end >= len(toks) || toks[h.end].kind != tokColon {
			continue
		}
		flush(i)
		start, history = h.end+1, rs.rules[h.rule].kind == kindHistoryHeader
		i = h.end
	}
	flush(len(toks))
	return out
}

// scan finds the triggers (leftmost-longest, not overlapping each other)
// and the entities (mentions, signs, exclusions) of one sentence. An entity
// may start inside another's gap but not on another's words.
func (rs *RuleSet) scan(toks []token, trigs, ents []hit) ([]hit, []hit) {
	for i := 0; i < len(toks); {
		if h, ok := rs.bestAt(passTrigger, toks, i); ok {
			trigs = append(trigs, h)
			if rs.rules[h.rule].kind == kindTerminate {
				for j := h.start; j < h.end; j++ {
					toks[j].stop = true
				}
			}
			i = h.end
			continue
		}
		i++
	}
	first := len(ents)
	for i := 0; i < len(toks); i++ {
		if onWords(ents[first:], i) {
			continue
		}
		if h, ok := rs.bestAt(passEntity, toks, i); ok {
			ents = append(ents, h)
		}
	}
	return trigs, ents
}

// onWords reports whether token i is one of the words of an entity found
// earlier in the sentence.
func onWords(ents []hit, i int) bool {
	for _, e := range ents {
		if e.literalAt(i) {
			return true
		}
	}
	return false
}
