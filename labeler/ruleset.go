package labeler

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
)

//go:embed rules/*.rules
var embedded embed.FS

// engineVersion names the reading the code gives the rules. It is part of
// the digest, so a change of matching or scope semantics reruns every
// cached rules stage even when no rule file changed. Bump it with any such
// change.
const engineVersion = "cxr-auditor labeler engine 1"

// maxRuleBytes bounds one rule file: rules are written by people.
const maxRuleBytes = 1 << 20

// wordFlag marks a vocabulary word's role outside patterns.
type wordFlag uint8

const (
	flagAbbrev wordFlag = 1 << iota // a '.' right after it does not end a sentence
	flagBreak                       // after a comma or conjunction: a new assertion starts
	flagConj                        // joins list items
)

// RuleSet is a compiled, immutable set of labelling rules: the lexicon,
// the context triggers and the text conventions read from rule files
// (docs/labeler.md). It is safe for concurrent use.
type RuleSet struct {
	digest   string
	vocab    map[string]int32 // canonical word → id
	lookup   map[string]int32 // any accepted spelling → id
	words    []string
	spelling map[string]string
	flags    map[string]wordFlag

	wordFlags []wordFlag
	fuzzy     map[byte][]string
	patterns  []compiled
	rules     []rule
	index     [passCount][][]int32
	windows   [kindCount]int
}

// Digest returns the hex SHA-256 of the engine version and every rule file
// (names and bytes, in name order). Two rule sets with the same digest label
// every draft alike, which is what makes it usable as provenance.
func (rs *RuleSet) Digest() string { return rs.digest }

// Default returns the rule set embedded in the binary (labeler/rules),
// compiled once on first use. An error here is a defect of the embedded
// files, which the package's tests catch; callers report it and stop.
func Default() (*RuleSet, error) { return defaultRules() }

var defaultRules = sync.OnceValues(func() (*RuleSet, error) {
	return Load(embedded, "rules")
})

// Load reads every *.rules file in dir of fsys, in name order, and compiles
// them. Errors name the file and line. An empty folder is an error.
func Load(fsys fs.FS, dir string) (*RuleSet, error) {
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read rules: %w", err)
	}
	var names []string
	for _, e := range ents {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".rules") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil, fmt.Errorf("read rules: no *.rules file in %s", dir)
	}
	files := make(map[string]string, len(names))
	for _, n := range names {
		b, err := fs.ReadFile(fsys, path.Join(dir, n))
		if err != nil {
			return nil, fmt.Errorf("read rules: %w", err)
		}
		if len(b) > maxRuleBytes {
			return nil, fmt.Errorf("read rules: %s is over %d bytes", n, maxRuleBytes)
		}
		files[n] = string(b)
	}
	return Compile(files)
}

// Compile builds a rule set from rule-file texts keyed by file name. Files
// are read in name order; a macro is visible only in its own file, below
// its definition.
func Compile(files map[string]string) (*RuleSet, error) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", engineVersion)
	var lines []ruleLine
	for _, n := range names {
		fmt.Fprintf(h, "%s\n%d\n%s", n, len(files[n]), files[n])
		ls, err := parseFile(n, files[n])
		if err != nil {
			return nil, err
		}
		lines = append(lines, ls...)
	}
	rs := &RuleSet{
		digest:   hex.EncodeToString(h.Sum(nil)),
		vocab:    map[string]int32{},
		spelling: map[string]string{},
		flags:    map[string]wordFlag{},
	}
	for _, p := range []string{",", ":", "/", "?"} {
		rs.wordID(p)
	}
	for k := range rs.windows {
		rs.windows[k] = 6
	}
	b := &builder{rs: rs, seen: map[string]string{}}
	if err := b.compile(lines); err != nil {
		return nil, err
	}
	return rs, nil
}
