package labeler

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// kind is what a rule line declares. The order matters only for display.
type kind uint8

const (
	kindMention kind = iota
	kindSign
	kindExclude
	kindMimic
	kindNegatePre
	kindNegatePost
	kindHedgePre
	kindHedgePost
	kindHedgeBoth
	kindNegateBoth
	kindAlternative
	kindHistoryPre
	kindQualifyPre
	kindPseudo
	kindTerminate
	kindSpoken
	kindHeader
	kindHistoryHeader
	kindCount
)

// kindName is the directive word of each pattern-bearing kind.
func kindName(k kind) string {
	return [...]string{
		"mention", "sign", "exclude", "mimic", "negate-pre", "negate-post", "hedge-pre",
		"hedge-post", "hedge-both", "negate-both", "alternative", "history-pre", "qualify-pre", "pseudo",
		"terminate", "spoken", "header", "history-header",
	}[k]
}

// kindByName returns the pattern-bearing kind named by a directive word.
func kindByName(s string) (kind, bool) {
	for k := kind(0); k < kindCount; k++ {
		if kindName(k) == s {
			return k, true
		}
	}
	return 0, false
}

// isTrigger reports whether k is matched in the trigger pass (everything but
// mentions, signs, exclusions and mimics, which are matched in the entity
// pass).
func (k kind) isTrigger() bool { return k >= kindNegatePre && k <= kindTerminate }

// node is one item of a pattern as written: a literal word, a group of
// alternatives (also what a macro expands to), a gap or an anchor.
type node struct {
	word     string
	alts     [][]node
	gap      int
	anchor   byte // '^' or '$'
	optional bool
}

// ruleLine is one parsed line of a rule file.
type ruleLine struct {
	pos    string // "file:line", for messages
	kind   kind
	labels labelSet
	status fixed
	arg    string // spoken: the punctuation it stands for; window: the kind
	alts   [][]node
	words  []string
	pairs  [][2]string
	window int
}

// fixed is the status a mention line gives regardless of negation.
type fixed uint8

const (
	fixedNone fixed = iota
	fixedPresent
	fixedAbsent
	fixedUncertain
	fixedInverted // negated means present, hedged means uncertain, asserted is dropped
)

// labelSet is a set of canonical labels, one bit per schema.Labels index.
type labelSet uint8

func (s labelSet) has(i int) bool { return s&(1<<i) != 0 }

// labelIndex returns l's position in schema.Labels, or -1.
func labelIndex(l schema.Label) int {
	for i, x := range schema.Labels() {
		if x == l {
			return i
		}
	}
	return -1
}

// parseLabels reads "a,b" into a set; every name must be canonical.
func parseLabels(s string) (labelSet, error) {
	var set labelSet
	for _, p := range strings.Split(s, ",") {
		i := labelIndex(schema.Label(strings.TrimSpace(p)))
		if i < 0 {
			return 0, fmt.Errorf("unknown label %q", p)
		}
		set |= 1 << i
	}
	return set, nil
}

// parseFile reads one rule file. Errors name the file and line.
func parseFile(name, text string) ([]ruleLine, error) {
	var out []ruleLine
	macros := map[string][]node{}
	for n, raw := range strings.Split(text, "\n") {
		pos := fmt.Sprintf("%s:%d", name, n+1)
		line := raw
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "define "); ok {
			if err := parseDefine(rest, macros); err != nil {
				return nil, fmt.Errorf("%s: %w", pos, err)
			}
			continue
		}
		rl, err := parseLine(line, macros)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", pos, err)
		}
		rl.pos = pos
		out = append(out, rl)
	}
	return out, nil
}

// parseDefine reads "NAME = alternatives" into macros.
func parseDefine(rest string, macros map[string][]node) error {
	name, body, ok := strings.Cut(rest, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.ContainsAny(name, " \t") {
		return fmt.Errorf("want 'define NAME = a | b', got %q", rest)
	}
	if _, dup := macros[name]; dup {
		return fmt.Errorf("macro @%s defined twice", name)
	}
	alts, err := parseAlternatives(body, macros)
	if err != nil {
		return fmt.Errorf("define %s: %w", name, err)
	}
	macros[name] = []node{{alts: alts}}
	return nil
}

// parseLine reads one directive line ("head: body").
func parseLine(line string, macros map[string][]node) (ruleLine, error) {
	head, body, ok := strings.Cut(line, ": ")
	if !ok {
		return ruleLine{}, fmt.Errorf("want 'directive: body', got %q", line)
	}
	fields := strings.Fields(head)
	if len(fields) == 0 {
		return ruleLine{}, fmt.Errorf("no directive before ':'")
	}
	rl := ruleLine{}
	switch fields[0] {
	case "spelling":
		return parseSpelling(body)
	case "abbreviation", "break-word", "conjunction":
		return parseWordList(fields[0], body)
	case "window":
		return parseWindow(fields, body)
	}
	k, ok := kindByName(fields[0])
	if !ok {
		return rl, fmt.Errorf("unknown directive %q", fields[0])
	}
	rl.kind = k
	if err := parseHeadArgs(&rl, fields[1:]); err != nil {
		return rl, err
	}
	if k == kindMention {
		if b, st, found := strings.Cut(body, " => "); found {
			body = b
			if rl.status, ok = parseFixed(strings.TrimSpace(st)); !ok {
				return rl, fmt.Errorf("unknown status %q after =>", st)
			}
		}
	}
	alts, err := parseAlternatives(body, macros)
	if err != nil {
		return rl, err
	}
	rl.alts = alts
	return rl, nil
}

// parseHeadArgs checks and stores what follows the directive word: labels
// for mention, sign and qualify-pre; the punctuation for spoken; nothing
// otherwise.
func parseHeadArgs(rl *ruleLine, args []string) error {
	switch rl.kind {
	case kindMention, kindSign, kindMimic, kindQualifyPre:
		if len(args) != 1 {
			return fmt.Errorf("%s wants one label list, got %q", kindName(rl.kind), args)
		}
		set, err := parseLabels(args[0])
		if err != nil {
			return err
		}
		rl.labels = set
	case kindSpoken:
		if len(args) != 1 || (args[0] != "." && args[0] != "," && args[0] != ":") {
			return fmt.Errorf("spoken wants one of . , : before the colon, got %q", args)
		}
		rl.arg = args[0]
	default:
		if len(args) != 0 {
			return fmt.Errorf("%s takes nothing before the colon, got %q", kindName(rl.kind), args)
		}
	}
	return nil
}

func parseFixed(s string) (fixed, bool) {
	switch s {
	case "present":
		return fixedPresent, true
	case "absent":
		return fixedAbsent, true
	case "uncertain":
		return fixedUncertain, true
	case "inverted":
		return fixedInverted, true
	}
	return fixedNone, false
}

// parseSpelling reads "variant = canonical | ...": one token each side.
func parseSpelling(body string) (ruleLine, error) {
	rl := ruleLine{kind: kindCount, arg: "spelling"}
	for _, p := range strings.Split(body, "|") {
		from, to, ok := strings.Cut(p, "=")
		from, to = strings.TrimSpace(from), strings.TrimSpace(to)
		if !ok || !isPatternWord(from) || !isPatternWord(to) {
			return rl, fmt.Errorf("spelling wants 'variant = canonical' of one word each, got %q", p)
		}
		rl.pairs = append(rl.pairs, [2]string{from, to})
	}
	return rl, nil
}

// parseWordList reads "a | b | c" of single words.
func parseWordList(directive, body string) (ruleLine, error) {
	rl := ruleLine{kind: kindCount, arg: directive}
	for _, p := range strings.Split(body, "|") {
		w := strings.TrimSpace(p)
		if !isPatternWord(w) {
			return rl, fmt.Errorf("%s wants single words, got %q", directive, p)
		}
		rl.words = append(rl.words, w)
	}
	return rl, nil
}

// parseWindow reads "window KIND: N".
func parseWindow(fields []string, body string) (ruleLine, error) {
	rl := ruleLine{kind: kindCount, arg: "window"}
	if len(fields) != 2 {
		return rl, fmt.Errorf("want 'window KIND: N', got %q", fields)
	}
	k, ok := kindByName(fields[1])
	if !ok || !k.isTrigger() {
		return rl, fmt.Errorf("window: %q is not a trigger kind", fields[1])
	}
	n, err := strconv.Atoi(strings.TrimSpace(body))
	if err != nil || n < 1 || n > 50 {
		return rl, fmt.Errorf("window %s: want a number of words from 1 to 50, got %q", fields[1], body)
	}
	rl.words, rl.window = []string{fields[1]}, n
	return rl, nil
}

// isPatternWord reports whether w is exactly one token as the tokenizer
// reads text: lower-case letters, digits and inner apostrophes, or one of
// the punctuation tokens.
func isPatternWord(w string) bool {
	if w == ":" || w == "," || w == "/" || w == "?" {
		return true
	}
	if w == "" || w[0] == '\'' || w[len(w)-1] == '\'' {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '\'') {
			return false
		}
	}
	return true
}
