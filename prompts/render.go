package prompts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
)

// RenderDraft renders the draft template t with draft inserted: the way
// DraftPrompt does it for a delimited template, and for a faithful one
// ({{DRAFT_INLINE}}) as the model's own project does, the draft with the
// space around it stripped as Python's str.strip strips it and nothing
// else changed (invalid UTF-8 becomes U+FFFD, since a request is JSON).
func (t Template) RenderDraft(draft string) (string, error) {
	if len(draft) > MaxDraftBytes {
		return "", fmt.Errorf("%w: %d bytes, limit %d", ErrDraftTooLong, len(draft), MaxDraftBytes)
	}
	if t.DraftMode() == DraftFaithful {
		clean := strings.TrimFunc(strings.ToValidUTF8(draft, "\uFFFD"), pySpace)
		if clean == "" {
			return "", fmt.Errorf("%w (%d bytes before stripping)", ErrEmptyDraft, len(draft))
		}
		return strings.ReplaceAll(t.Text, placeholderInline, clean), nil
	}
	clean := sanitizeDraft(draft)
	if strings.TrimSpace(clean) == "" {
		return "", fmt.Errorf("%w (%d bytes before cleaning)", ErrEmptyDraft, len(draft))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Readable for the model: "<5 mm" stays "<5 mm". Safety does not rest on
	// HTML escaping: the encoded string has no newline (so it cannot start
	// a delimiter line) and no delimiter core.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(clean); err != nil {
		return "", fmt.Errorf("encode draft: %w", err)
	}
	quoted := strings.TrimSuffix(buf.String(), "\n")
	r := strings.NewReplacer(
		placeholderBegin, delimBegin,
		placeholderEnd, delimEnd,
		placeholderDraft, quoted,
	)
	return r.Replace(t.Text), nil
}

// pySpace reports whether Python's str.isspace holds for r: Go's
// unicode.IsSpace and the four separators U+001C to U+001F.
func pySpace(r rune) bool { return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f }
