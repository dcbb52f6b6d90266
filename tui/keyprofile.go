package tui

import (
	"fmt"
	"sort"
	"strings"
)

// keyProfiles are the built-in key maps a reader can start from by name
// (--keys NAME, or profile: in a key file).
var keyProfiles = map[string]func() KeyMap{
	"default": DefaultKeyMap,
	"ohif":    OHIFKeyMap,
}

// KeyProfileNames lists the built-in profiles, sorted.
func KeyProfileNames() []string {
	names := make([]string, 0, len(keyProfiles))
	for n := range keyProfiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// KeyProfile returns the built-in key map called name.
func KeyProfile(name string) (KeyMap, error) {
	if f, ok := keyProfiles[name]; ok {
		return f(), nil
	}
	return KeyMap{}, fmt.Errorf("unknown key profile %q (profiles: %s)", name, strings.Join(KeyProfileNames(), ", "))
}

// OHIFKeyMap follows the habits of OHIF and MD.ai for the image: i
// inverts, z and Z zoom in and out, space resets the window, = fits the
// whole image, and the number keys pick window presets. The verdicts move
// to keys those viewers leave alone (e image right ("evidence"), d draft
// right, b both wrong, U unsure), and u undoes, as in vim.
func OHIFKeyMap() KeyMap {
	k := DefaultKeyMap()
	rebind(&k.Invert, "i")
	rebind(&k.ZoomIn, "z", "+")
	rebind(&k.ZoomOut, "Z", "-")
	rebind(&k.ZoomBox, "B")
	rebind(&k.ZoomReset, "=")
	rebind(&k.WindowReset, "space")
	rebind(&k.ImageRight, "e")
	rebind(&k.DraftRight, "d")
	rebind(&k.BothWrong, "b")
	rebind(&k.Unsure, "U")
	rebind(&k.Undo, "u")
	return k
}

// presetDigits are the keys "1".."n" of the window presets.
func presetDigits() []string {
	out := make([]string, numPresets)
	for i := range out {
		out[i] = itoa(i + 1)
	}
	return out
}
