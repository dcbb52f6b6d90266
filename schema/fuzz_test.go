package schema

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func seedFuzz(f *testing.F) {
	for _, tt := range findingsCases() {
		f.Add(tt.raw)
	}
	for _, tt := range draftCases() {
		f.Add(tt.raw)
	}
	f.Add("<unused94>thought\n[{\"label\":")
	f.Add("[{\"label\":\"pneumothorax\",\"box_2d\":[1e308,1e309,-1e309,0]}]")
	f.Add("{\"findings\":[{\"label\":\"no_finding\"},{\"label\":\"ptx\"}]}")
}

// FuzzExtractFindings checks the promises that hold for any input: no
// panic, an error exactly when there is no list, only canonical labels, only
// well-formed boxes, never no_finding beside a positive, no duplicates.
func FuzzExtractFindings(f *testing.F) {
	seedFuzz(f)
	f.Fuzz(func(t *testing.T, raw string) {
		got, diag, err := ExtractFindings(raw)
		if err != nil {
			if got != nil {
				t.Fatalf("error %v with a non-nil result %v", err, got)
			}
			return
		}
		if got == nil {
			t.Fatal("nil result without an error")
		}
		positive, noFinding := false, false
		type key struct {
			l Label
			b Box
			h bool
		}
		seen := map[key]bool{}
		for _, fd := range got {
			if !fd.Label.Valid() {
				t.Fatalf("invalid label %q", fd.Label)
			}
			positive = positive || fd.Label.Positive()
			noFinding = noFinding || fd.Label == NoFinding
			k := key{l: fd.Label, h: fd.Box != nil}
			if fd.Box != nil {
				if !fd.Box.Valid() {
					t.Fatalf("invalid box %+v", *fd.Box)
				}
				k.b = *fd.Box
			}
			if c := fd.Confidence; c != nil && !(*c >= 0 && *c <= 1) {
				t.Fatalf("confidence %v outside [0,1]", *c)
			}
			if strings.ContainsFunc(fd.Evidence, unicode.IsControl) || !utf8.ValidString(fd.Evidence) {
				t.Fatalf("evidence %q is not safe to print", fd.Evidence)
			}
			if seen[k] {
				t.Fatalf("duplicate finding %+v", fd)
			}
			seen[k] = true
		}
		if positive && noFinding {
			t.Fatalf("no_finding beside a positive: %+v", got)
		}
		if len(diag.Notes) > 0 && !diag.Salvaged {
			for _, n := range diag.Notes {
				if !informational[n.Kind] {
					t.Fatalf("note %+v without Salvaged", n)
				}
			}
		}
	})
}

// FuzzExtractDraftLabels checks the same promises for draft labels: valid
// labels and statuses, no no_finding beside a present positive, no
// duplicates, an error exactly when there is no list.
func FuzzExtractDraftLabels(f *testing.F) {
	seedFuzz(f)
	f.Fuzz(func(t *testing.T, raw string) {
		got, _, err := ExtractDraftLabels(raw)
		if err != nil {
			if got != nil {
				t.Fatalf("error %v with a non-nil result %v", err, got)
			}
			return
		}
		if got == nil {
			t.Fatal("nil result without an error")
		}
		present, noFinding := false, false
		seen := map[DraftLabel]bool{}
		for _, d := range got {
			if !d.Label.Valid() || !d.Status.Valid() {
				t.Fatalf("invalid entry %+v", d)
			}
			present = present || (d.Label.Positive() && d.Status == StatusPresent)
			noFinding = noFinding || d.Label == NoFinding
			if seen[d] {
				t.Fatalf("duplicate entry %+v", d)
			}
			seen[d] = true
		}
		if present && noFinding {
			t.Fatalf("no_finding beside a present positive: %+v", got)
		}
	})
}
