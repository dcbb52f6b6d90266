package tui

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"unicode"

	"charm.land/bubbles/v2/key"
	"go.yaml.in/yaml/v3"
)

// A reader's key map file overrides any binding, per mode, in YAML:
//
//	profile: ohif          # optional: start from a built-in profile
//	browse:
//	  image_right: v       # one key, or a list: [v, V]
//	  invert: i
//	raw:
//	  scroll_down: [j, down]
//
// Sections are modes (bindingSections); names are the bindings'
// (bindingNames). A key given to two bindings that work in the same mode
// is refused, naming the file's line(s).

// bindingInfo names one binding of the key map for key files: its name,
// the file section it belongs to and where it lives in a KeyMap.
type bindingInfo struct {
	name, section string
	get           func(*KeyMap) *key.Binding
}

// bindingSections are the sections of a key file, each the mode (or
// modes) whose bindings it sets.
var bindingSections = []string{"browse", "help", "raw", "input", "any"}

// bindingNames lists every binding a key file can set: every key.Binding
// field of KeyMap, named in snake case (ImageRight is image_right), in
// the section of bindingSection.
var bindingNames = func() []bindingInfo {
	var out []bindingInfo
	t := reflect.TypeOf(KeyMap{})
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Type != reflect.TypeOf(key.Binding{}) {
			continue
		}
		idx := i
		out = append(out, bindingInfo{
			name:    snakeCase(f.Name),
			section: bindingSection(f.Name),
			get: func(k *KeyMap) *key.Binding {
				return reflect.ValueOf(k).Elem().Field(idx).Addr().Interface().(*key.Binding)
			},
		})
	}
	return out
}()

// bindingSection is the key file section of a KeyMap field: the mode
// whose keys it is (browse unless listed).
func bindingSection(field string) string {
	switch field {
	case "CloseHelp":
		return "help"
	case "ScrollUp", "ScrollDown", "HalfPageUp", "HalfPageDown", "PageUp", "PageDown", "CloseRaw":
		return "raw"
	case "Confirm", "Cancel", "SaveNote", "SearchNext", "SearchPrev", "HelpInText":
		return "input"
	case "ForceQuit", "Suspend", "Redraw":
		return "any"
	}
	return "browse"
}

// snakeCase writes a Go field name in snake case: "ImageRight" is
// "image_right".
func snakeCase(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// KeyFileError is a key file the workstation refuses, with every problem
// found, each naming the file and line.
type KeyFileError struct {
	File     string
	Problems []string
}

func (e *KeyFileError) Error() string {
	return "key map " + e.File + ": " + strings.Join(e.Problems, "; ")
}

// ParseKeyFile reads a key map file (YAML, see above) named file and
// returns the key map it makes: base, or the profile the file names, with
// the file's bindings replaced. Unknown sections, names and profiles, keys
// that are not text, and a key bound twice in one mode are reported
// together in a *KeyFileError, each with its line.
func ParseKeyFile(file string, data []byte, base KeyMap) (KeyMap, error) {
	var doc yaml.Node
	bad := &KeyFileError{File: file}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return KeyMap{}, fmt.Errorf("key map %s: %w", file, err)
	}
	km := base
	if len(doc.Content) == 0 {
		return km, nil // an empty file changes nothing
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		bad.add(top.Line, "want sections (browse:, raw:, …), not %s", nodeKind(top))
		return KeyMap{}, bad
	}
	set := map[string]int{} // binding name -> line it was set on
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		if k.Value == "profile" {
			p, err := KeyProfile(v.Value)
			if err != nil {
				bad.add(v.Line, "%v", err)
				continue
			}
			if len(set) > 0 {
				bad.add(v.Line, "profile must come before the sections")
			}
			km = p
			continue
		}
		if !contains(bindingSections, k.Value) {
			bad.add(k.Line, "unknown section %q (sections: profile, %s)", k.Value, strings.Join(bindingSections, ", "))
			continue
		}
		if v.Kind != yaml.MappingNode {
			bad.add(v.Line, "section %s: want name: key lines, not %s", k.Value, nodeKind(v))
			continue
		}
		for j := 0; j+1 < len(v.Content); j += 2 {
			bad.setBinding(&km, k.Value, v.Content[j], v.Content[j+1], set)
		}
	}
	bad.conflicts(km, set)
	if len(bad.Problems) > 0 {
		return KeyMap{}, bad
	}
	return km, nil
}

func (e *KeyFileError) add(line int, format string, a ...any) {
	e.Problems = append(e.Problems, fmt.Sprintf("line %d: ", line)+fmt.Sprintf(format, a...))
}

// setBinding sets one binding of section from a name: keys pair.
func (e *KeyFileError) setBinding(km *KeyMap, section string, name, val *yaml.Node, set map[string]int) {
	info, ok := lookupBinding(name.Value)
	switch {
	case !ok:
		e.add(name.Line, "unknown key name %q in %s%s", name.Value, section, didYouMean(name.Value))
		return
	case info.section != section:
		e.add(name.Line, "%s belongs in section %s, not %s", name.Value, info.section, section)
		return
	}
	var keys []string
	switch val.Kind {
	case yaml.ScalarNode:
		keys = []string{val.Value}
	case yaml.SequenceNode:
		for _, c := range val.Content {
			if c.Kind != yaml.ScalarNode {
				e.add(c.Line, "%s: a key is text, not %s", name.Value, nodeKind(c))
				return
			}
			keys = append(keys, c.Value)
		}
	default:
		e.add(val.Line, "%s: want a key or a list of keys, not %s", name.Value, nodeKind(val))
		return
	}
	for _, k := range keys {
		if strings.TrimSpace(k) == "" {
			e.add(val.Line, "%s: an empty key", name.Value)
			return
		}
	}
	b := info.get(km)
	rebind(b, keys...)
	set[name.Value] = name.Line
}

// conflicts reports keys that two bindings working in the same mode share.
func (e *KeyFileError) conflicts(km KeyMap, set map[string]int) {
	seen := map[string]bool{}
	for _, md := range []mode{modeBrowse, modeHelp, modeRaw, modeNote, modeJump, modeSearch, modeBlocked} {
		k := km
		k.setMode(md)
		owner := map[string]string{}
		for _, info := range bindingNames {
			b := info.get(&k)
			if !b.Enabled() {
				continue
			}
			for _, key := range b.Keys() {
				other, ok := owner[key]
				if !ok {
					owner[key] = info.name
					continue
				}
				if set[info.name] == 0 && set[other] == 0 || seen[key+other+info.name] || overlaid(other, info.name) {
					continue // a clash of the base map's own, allowed by its modes
				}
				seen[key+other+info.name] = true
				line := max(set[info.name], set[other])
				e.add(line, "%q is the key of both %s%s and %s%s in %s: give one of them another key",
					key, other, where(set[other]), info.name, where(set[info.name]), md.name())
			}
		}
	}
}

// overlaid reports whether two bindings may share a key because one acts
// only in a view that turns the other off: the truth view's keys take
// the draft's verdict keys' place, and the compare keys those and the
// preset digits.
func overlaid(a, b string) bool {
	truth := map[string]bool{"model_wrong": true, "truth_wrong": true, "ambiguous": true, "accept_model": true,
		"remove_truth": true, "edge": true, "edge_back": true, "edge_on": true}
	cmp := map[string]bool{"prefer_a": true, "prefer_b": true, "prefer_both_right": true, "prefer_both_wrong": true}
	offInViews := map[string]bool{"image_right": true, "draft_right": true, "both_wrong": true}
	ok := func(view, other string) bool {
		return truth[view] && offInViews[other] ||
			cmp[view] && (offInViews[other] || other == "preset_number" || other == "truth_view" || other == "undo")
	}
	return ok(a, b) || ok(b, a)
}

// where says which line set a binding, or that it is the profile's.
func where(line int) string {
	if line == 0 {
		return " (built in)"
	}
	return fmt.Sprintf(" (line %d)", line)
}

// name says the mode in a key file's words.
func (md mode) name() string {
	return [...]string{"browse", "help", "jump", "search", "note", "raw", "blocked"}[md]
}

// rebind gives b the keys, and help that names them.
func rebind(b *key.Binding, keys ...string) {
	shown := make([]string, len(keys))
	for i, k := range keys {
		shown[i] = keyLabel(k)
	}
	b.SetKeys(keys...)
	b.SetHelp(strings.Join(shown, "/"), b.Help().Desc)
}

// keyLabel writes a key as the help does ("↓" for down).
func keyLabel(k string) string {
	switch k {
	case "down":
		return "↓"
	case "up":
		return "↑"
	case "left":
		return "←"
	case "right":
		return "→"
	case "pgdown":
		return "pgdn"
	case "shift+tab":
		return "⇧tab"
	}
	return k
}

func lookupBinding(name string) (bindingInfo, bool) {
	for _, b := range bindingNames {
		if b.name == name {
			return b, true
		}
	}
	return bindingInfo{}, false
}

// didYouMean suggests the binding name closest to a misspelt one.
func didYouMean(name string) string {
	best, bestD := "", 3
	for _, b := range bindingNames {
		if d := editDistance(name, b.name); d < bestD {
			best, bestD = b.name, d
		}
	}
	if best == "" {
		names := make([]string, 0, len(bindingNames))
		for _, b := range bindingNames {
			names = append(names, b.name)
		}
		sort.Strings(names)
		return " (names: " + strings.Join(names, ", ") + ")"
	}
	return " (did you mean " + best + "?)"
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a section"
	case yaml.SequenceNode:
		return "a list"
	}
	return "a value"
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
