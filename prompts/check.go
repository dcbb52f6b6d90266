package prompts

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// placeholder matches anything that looks like a template placeholder.
var placeholder = regexp.MustCompile(`\{\{\s*[A-Za-z_]*\s*\}\}`)

// checkGrounding: the grounding template is sent as is.
func checkGrounding(text string) error {
	if strings.TrimSpace(text) == "" {
		return errors.New("it is empty")
	}
	if p := placeholder.FindString(text); p != "" {
		return fmt.Errorf("it holds %s, but the grounding prompt is sent as it is, with no placeholder filled", p)
	}
	return nil
}

// checkPlain: a text sent as it is (the corrective suffix, the system
// message) holds something and no placeholder.
func checkPlain(text string) error {
	if strings.TrimSpace(text) == "" {
		return errors.New("it is empty")
	}
	if p := placeholder.FindString(text); p != "" {
		return fmt.Errorf("it holds %s, but this text is sent as it is, with no placeholder filled", p)
	}
	return nil
}

// checkDraft: either the inline form ({{DRAFT_INLINE}}, once or more, and
// no other placeholder) or the delimited one: {{DRAFT}} once, alone on its
// line, with a {{BEGIN}} line right above it and an {{END}} line right
// below (the draft becomes one line between two delimiter lines);
// {{BEGIN}} and {{END}} may also be named in the prose (the model is told
// the delimiters); no other placeholder.
func checkDraft(text string) error {
	if strings.TrimSpace(text) == "" {
		return errors.New("it is empty")
	}
	inline := strings.Contains(text, placeholderInline)
	for _, p := range placeholder.FindAllString(text, -1) {
		switch {
		case inline && p != placeholderInline:
			return fmt.Errorf("it holds %s beside %s; a template puts the draft inline (%s alone) or delimited (%s, %s, %s), not both",
				p, placeholderInline, placeholderInline, placeholderBegin, placeholderDraft, placeholderEnd)
		case !inline && p != placeholderBegin && p != placeholderDraft && p != placeholderEnd:
			return fmt.Errorf("it holds the unknown placeholder %s (known: %s, %s, %s; or %s alone)", p, placeholderBegin, placeholderDraft, placeholderEnd, placeholderInline)
		}
	}
	if inline {
		return nil
	}
	block := fmt.Sprintf("the draft goes in as one JSON string on a line %s of its own, between a line %s and a line %s", placeholderDraft, placeholderBegin, placeholderEnd)
	switch n := strings.Count(text, placeholderDraft); {
	case n == 0:
		return fmt.Errorf("it lacks the placeholder %s: %s", placeholderDraft, block)
	case n > 1:
		return fmt.Errorf("it holds the placeholder %s %d times; it must appear once: %s", placeholderDraft, n, block)
	}
	// A placeholder line holds the placeholder and nothing else (not even
	// spaces), so the delimiter lines it becomes are exact.
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i, l := range lines {
		if !strings.Contains(l, placeholderDraft) {
			continue
		}
		switch {
		case l != placeholderDraft:
			return fmt.Errorf("line %d: the placeholder %s must be alone on its line, got %q: %s", i+1, placeholderDraft, l, block)
		case i == 0 || lines[i-1] != placeholderBegin:
			return fmt.Errorf("line %d: the line above %s must be %s alone: %s", i+1, placeholderDraft, placeholderBegin, block)
		case i == len(lines)-1 || lines[i+1] != placeholderEnd:
			return fmt.Errorf("line %d: the line below %s must be %s alone: %s", i+1, placeholderDraft, placeholderEnd, block)
		}
	}
	return nil
}
