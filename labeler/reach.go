package labeler

// How far a trigger reaches. NegEx counts a fixed number of words; here the
// window counts words (not commas), and a comma is crossed only inside a
// list: "no effusion, pneumothorax or consolidation" denies all three, "no
// pneumothorax, small left effusion" denies only the pneumothorax.

func (rs *RuleSet) flagged(t token, f wordFlag) bool {
	return t.id >= 0 && rs.wordFlags[t.id]&f != 0
}

// reachForward reports whether a trigger ending at token from reaches an
// entity starting at token to.
func (rs *RuleSet) reachForward(toks []token, from, to, window int) bool {
	words := 0
	for j := from; j < to; j++ {
		if toks[j].kind == tokComma {
			if !rs.listGoesOn(toks, j) {
				return false
			}
			continue
		}
		words++
		if rs.flagged(toks[j], flagConj) && j+1 < len(toks) && rs.flagged(toks[j+1], flagBreak) {
			return false
		}
	}
	return words <= window
}

// listGoesOn reports whether the comma at c continues a list: the next item
// does not open with a word that starts a new assertion, and a conjunction
// follows somewhere in the sentence.
func (rs *RuleSet) listGoesOn(toks []token, c int) bool {
	n := c + 1
	if n < len(toks) && rs.flagged(toks[n], flagConj) {
		n++
	}
	if n >= len(toks) || rs.flagged(toks[n], flagBreak) {
		return false
	}
	for j := c + 1; j < len(toks); j++ {
		if rs.flagged(toks[j], flagConj) {
			return true
		}
	}
	return false
}

// reachBackward reports whether a post-trigger starting at token to reaches
// back to an entity ending at token from. It crosses commas only from the
// last item of a list ("effusion, consolidation, or pneumothorax is not
// seen"): the comma nearest the trigger must be followed by a conjunction.
func (rs *RuleSet) reachBackward(toks []token, from, to, window int) bool {
	words, last := 0, -1
	for j := from; j < to; j++ {
		if toks[j].kind == tokComma {
			if j+1 < len(toks) && rs.flagged(toks[j+1], flagBreak) {
				return false
			}
			last = j
			continue
		}
		words++
	}
	if words > window {
		return false
	}
	if last < 0 {
		return true
	}
	n := last + 1
	return n < len(toks) && rs.flagged(toks[n], flagConj) &&
		(n+1 >= len(toks) || !rs.flagged(toks[n+1], flagBreak))
}

// near reports whether tokens [from, to) are at most window words with no
// comma, no trigger and no other finding among them: the reach of a trigger
// that works on either side ("A versus B", "? pneumonia", "resolved").
func (rs *RuleSet) near(toks []token, trigs, ents []hit, from, to, window int) bool {
	if to-from > window {
		return false
	}
	for j := from; j < to; j++ {
		if toks[j].kind == tokComma {
			return false
		}
	}
	for _, t := range trigs {
		if t.start < to && t.end > from {
			return false
		}
	}
	for _, e := range ents {
		k := rs.rules[e.rule].kind
		if (k == kindMention || k == kindSign) && e.start >= from && e.start < to {
			return false
		}
	}
	return true
}
