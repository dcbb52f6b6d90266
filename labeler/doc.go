// Package labeler is a deterministic, rule-based reader of draft chest
// X-ray impressions: it says, for each of the six canonical labels, whether
// a draft asserts, denies, hedges about or does not mention it, with the
// verbatim span the reading rests on. It runs offline, without a model, in
// microseconds per draft, and is used as the draft stage when no model is
// wanted and as a check of a language model's reading of a draft.
//
// The rules are data: the *.rules files under rules/ (embedded in the
// binary; Load reads another folder of them). They hold the lexicon
// (mentions per label, signs, exclusions, mimics, normal-study phrases),
// the context triggers (negation and hedges before and after a mention,
// history, pseudo-triggers, scope ends) and the text conventions (spellings,
// spoken punctuation, headers). The code reads a draft in the manner of
// NegEx (Chapman et al. 2001: trigger words with a scope that ends at
// termination terms, pseudo-triggers), ConText (Harkema et al. 2009:
// historical context), and NegBio and the CheXpert labeler (Peng et al.
// 2018; Irvin et al. 2019: uncertainty before and after negation, mention
// lists per finding). The ideas and trigger words come from those works;
// no code or pattern file was copied. docs/labeler.md gives the rule
// syntax, how a sentence is read, the corpus score and what the rules
// cannot do.
//
// The package imports only schema. A RuleSet is immutable and safe for
// concurrent use; Label never fails and never panics on any input, and
// every span it returns is a substring of the draft.
package labeler
