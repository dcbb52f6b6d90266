package labeler

import "github.com/cxr-auditor/cxr-auditor/schema"

// reading is what one mention says about its labels, with the byte range of
// its evidence (the mention and the trigger that decided its status).
type reading struct {
	labels    labelSet
	status    schema.Status
	qualified bool // a normal-study phrase after "otherwise"
	from, to  int32
}

// context is what the triggers around one entity say.
type context struct {
	negGap, neg, hedge, alt, hist, qual bool
	negBy, hedgeBy, altBy               hit
	hasNegBy, hasHedgeBy                bool
}

// resolve reads every entity of one sentence (docs/labeler.md, "How a
// sentence is read").
func (rs *RuleSet) resolve(s sentence, trigs, ents []hit, out []reading) []reading {
	if s.history {
		return out
	}
	var direct, mimics labelSet
	for _, e := range ents {
		switch rs.rules[e.rule].kind {
		case kindMention:
			direct |= rs.rules[e.rule].labels
		case kindMimic:
			mimics |= rs.rules[e.rule].labels
		}
	}
	for _, e := range ents {
		r := &rs.rules[e.rule]
		labels := r.labels
		switch r.kind {
		case kindExclude, kindMimic:
			continue
		case kindSign:
			// a sign counts only where the sentence does not name the
			// finding itself ("blunting, which may be a small effusion")
			labels &^= direct
		}
		if labels == 0 {
			continue
		}
		c := rs.context(s.toks, trigs, ents, e, labels)
		st, by, hasBy := decide(r.status, &c)
		if st == "" {
			continue
		}
		if st == schema.StatusPresent && r.status == fixedNone && labels&mimics != 0 {
			// the sentence names what the finding may really be ("nodular
			// density, possibly a nipple shadow")
			st = schema.StatusUncertain
		}
		from, to := s.toks[e.start].start, s.toks[e.end-1].end
		if hasBy {
			from, to = min(from, s.toks[by.start].start), max(to, s.toks[by.end-1].end)
		}
		out = append(out, reading{labels: labels, status: st, qualified: c.qual, from: from, to: to})
	}
	return out
}

// decide turns a mention's fixed status and its context into a status ("":
// not a statement about this study), and the trigger it rests on.
func decide(f fixed, c *context) (schema.Status, hit, bool) {
	if c.hist {
		return "", hit{}, false
	}
	switch f {
	case fixedNone:
		switch {
		case c.hedge:
			return schema.StatusUncertain, c.hedgeBy, c.hasHedgeBy
		case c.neg || c.negGap:
			return schema.StatusAbsent, c.negBy, c.hasNegBy
		case c.alt:
			return schema.StatusUncertain, c.altBy, true
		}
		return schema.StatusPresent, hit{}, false
	case fixedInverted:
		switch {
		case c.hedge:
			return schema.StatusUncertain, c.hedgeBy, c.hasHedgeBy
		case c.neg || c.negGap:
			return schema.StatusPresent, c.negBy, c.hasNegBy
		}
		return "", hit{}, false
	}
	// A phrase that carries its own status ("heart size is normal") is not
	// turned round by a negation before or after it ("no effusion, heart
	// size normal"), only dropped by one inside it.
	switch {
	case c.negGap:
		return "", hit{}, false
	case c.hedge:
		return schema.StatusUncertain, c.hedgeBy, c.hasHedgeBy
	case f == fixedAbsent:
		return schema.StatusAbsent, hit{}, false
	case f == fixedUncertain:
		return schema.StatusUncertain, hit{}, false
	}
	return schema.StatusPresent, hit{}, false
}

// context collects the triggers that govern entity e: inside its gaps,
// the nearest before it, the nearest after it, and close either-side
// triggers ("A versus B", "resolved").
func (rs *RuleSet) context(toks []token, trigs, ents []hit, e hit, labels labelSet) context {
	var c context
	for _, t := range trigs {
		if t.start >= e.start && t.end <= e.end && !overlapsWords(t, e) {
			rs.apply(&c, t, true)
		}
	}
	c.qual = rs.qualified(trigs, e, labels)
	if t, ok := rs.preTrigger(toks, trigs, e, labels); ok {
		rs.apply(&c, t, false)
	}
	if t, ok := rs.postTrigger(toks, trigs, e); ok {
		rs.apply(&c, t, false)
	}
	for _, t := range trigs {
		k := rs.rules[t.rule].kind
		if k != kindHedgeBoth && k != kindNegateBoth && k != kindAlternative {
			continue
		}
		w := rs.windows[k]
		if t.end <= e.start && rs.near(toks, trigs, ents, t.end, e.start, w) ||
			t.start >= e.end && rs.near(toks, trigs, ents, e.end, t.start, w) {
			rs.apply(&c, t, false)
		}
	}
	return c
}

// apply records what trigger t does to the entity.
func (rs *RuleSet) apply(c *context, t hit, inGap bool) {
	switch rs.rules[t.rule].kind {
	case kindNegatePre, kindNegatePost, kindNegateBoth:
		if inGap {
			c.negGap = true
		} else {
			c.neg = true
		}
		if !c.hasNegBy {
			c.negBy, c.hasNegBy = t, true
		}
	case kindHedgePre, kindHedgePost, kindHedgeBoth:
		c.hedge = true
		if !c.hasHedgeBy {
			c.hedgeBy, c.hasHedgeBy = t, true
		}
	case kindAlternative:
		if !c.alt {
			c.alt, c.altBy = true, t
		}
	case kindHistoryPre:
		c.hist = true
	}
}

// qualified reports whether a qualifier for one of labels ("otherwise")
// comes shortly before e, whatever triggers lie between ("otherwise, no
// acute process").
func (rs *RuleSet) qualified(trigs []hit, e hit, labels labelSet) bool {
	for _, t := range trigs {
		r := &rs.rules[t.rule]
		if r.kind == kindQualifyPre && r.labels&labels != 0 && t.end <= e.start && e.start-t.end <= rs.windows[kindQualifyPre] {
			return true
		}
	}
	return false
}

// overlapsWords reports whether trigger t sits on one of e's own words.
func overlapsWords(t, e hit) bool {
	for i := t.start; i < t.end; i++ {
		if e.literalAt(i) {
			return true
		}
	}
	return false
}

// preTrigger returns the nearest trigger before e that reaches it. A
// terminator or pseudo-trigger in between ends the search; post-triggers
// are passed over.
func (rs *RuleSet) preTrigger(toks []token, trigs []hit, e hit, labels labelSet) (hit, bool) {
	for k := len(trigs) - 1; k >= 0; k-- {
		t := trigs[k]
		if t.end > e.start {
			continue
		}
		r := &rs.rules[t.rule]
		switch r.kind {
		case kindNegatePost, kindHedgePost, kindHedgeBoth, kindNegateBoth, kindAlternative:
			continue
		case kindTerminate, kindPseudo:
			return hit{}, false
		case kindQualifyPre:
			// a qualifier ends other labels' scopes; its own is read
			// apart (qualified)
			if r.labels&labels == 0 {
				return hit{}, false
			}
			continue
		}
		if rs.reachForward(toks, t.end, e.start, rs.windows[r.kind]) {
			return t, true
		}
		return hit{}, false
	}
	return hit{}, false
}

// postTrigger returns the nearest trigger after e if it is a post-trigger
// that reaches back to e; any other trigger starts a new scope.
func (rs *RuleSet) postTrigger(toks []token, trigs []hit, e hit) (hit, bool) {
	for _, t := range trigs {
		if t.start < e.end {
			continue
		}
		k := rs.rules[t.rule].kind
		switch k {
		case kindHedgeBoth, kindNegateBoth, kindAlternative:
			continue
		case kindNegatePost, kindHedgePost:
			if rs.reachBackward(toks, e.end, t.start, rs.windows[k]) {
				return t, true
			}
		}
		return hit{}, false
	}
	return hit{}, false
}
