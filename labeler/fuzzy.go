package labeler

// Typo correction: a word the rules do not know is read as a rule word one
// edit away, so "pnuemothorax" and "effusoin" are still found. The bounds
// keep ordinary words from turning into findings:
//   - words of 7 letters or more (either side): one insertion, deletion,
//     substitution or swap of two neighbours (Damerau, 1964);
//   - words of 5 or 6 letters: only a swap of two neighbours, and only to a
//     word of the lexicon (mentions, signs, exclusions), not to a trigger;
//   - shorter words, words with digits, and a wrong first letter are never
//     corrected (candidates are looked up by first letter);
//   - a final s is tried off, for the plural of a typo ("efusions").

// buildFuzzy files the correctable rule words by first letter.
func (rs *RuleSet) buildFuzzy() {
	lexicon := make([]bool, len(rs.words))
	pattern := make([]bool, len(rs.words))
	for _, c := range rs.patterns {
		k := rs.rules[c.rule].kind
		for _, s := range c.steps {
			for _, id := range s.ids {
				pattern[id] = true
				if k == kindMention || k == kindSign || k == kindExclude || k == kindMimic {
					lexicon[id] = true
				}
			}
		}
	}
	rs.fuzzy = map[byte][]string{}
	for id, w := range rs.words {
		if !pattern[id] || len(w) < 5 || !allLetters(w) {
			continue
		}
		if len(w) < 7 && !lexicon[id] {
			continue
		}
		rs.fuzzy[w[0]] = append(rs.fuzzy[w[0]], w)
	}
}

func allLetters(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return true
}

// correct returns the id of the rule word w is a typo of, or -1. The first
// candidate in vocabulary order wins, so the answer is deterministic.
func (rs *RuleSet) correct(w string) int32 {
	if len(w) < 5 || !allLetters(w) {
		return -1
	}
	if id := rs.correctWord(w); id >= 0 {
		return id
	}
	// the plural of a typo ("efusions")
	if w[len(w)-1] == 's' {
		return rs.correctWord(w[:len(w)-1])
	}
	return -1
}

func (rs *RuleSet) correctWord(w string) int32 {
	if len(w) < 5 {
		return -1
	}
	for _, cand := range rs.fuzzy[w[0]] {
		long := len(cand) >= 7 || len(w) >= 7
		if d := len(cand) - len(w); d > 1 || d < -1 || (!long && d != 0) {
			continue
		}
		if oneEdit(w, cand, long) {
			return rs.vocab[cand]
		}
	}
	return -1
}

// oneEdit reports whether a and b differ by exactly one swap of neighbours,
// or (when edits is set) by one insertion, deletion or substitution.
func oneEdit(a, b string, edits bool) bool {
	if a == b {
		return false
	}
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	switch {
	case len(a) == len(b):
		if i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:] {
			return true
		}
		return edits && a[i+1:] == b[i+1:]
	case !edits:
		return false
	case len(a) == len(b)+1:
		return a[i+1:] == b[i:]
	default:
		return b[i+1:] == a[i:]
	}
}
