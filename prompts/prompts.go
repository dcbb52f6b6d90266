// Package prompts holds the pinned prompt templates of cxr-auditor (embedded
// text files), their digests for provenance keys, the safe rendering of a
// draft into the draft prompt, and example Modelfiles for importing the two
// models into Ollama.
//
// A template's Digest changes whenever its text changes, so cached model
// results made with an older prompt are never mistaken for current ones.
//
// cxr-auditor is for research and education only; it is not a medical device.
package prompts

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// Default model names: the names the user gives the imported models in
// Ollama (see Modelfiles and CreateCommand). They are choices, not facts
// about any registry.
const (
	// DefaultGroundingModel is the vision model created from
	// Modelfile.grounding.
	DefaultGroundingModel = "medgemma-cxr-grounding"
	// DefaultDraftModel is the text model that reads drafts; it is Ollama's
	// nemotron-3-nano:4b as pulled, or a model created from Modelfile.draft.
	DefaultDraftModel = "nemotron-3-nano:4b"
)

// Template kinds. Modelfile, CreateCommand and Modelfiles take the first
// two.
const (
	KindGrounding = "grounding"
	KindDraft     = "draft"
	// KindCorrective is the suffix appended to a prompt on a retry after
	// an unreadable reply.
	KindCorrective = "corrective"
	// KindDraftSystem is the system message sent before the draft prompt.
	KindDraftSystem = "draft-system"
)

var (
	//go:embed grounding.txt
	groundingText []byte
	//go:embed draft.txt
	draftText []byte
	//go:embed corrective.txt
	correctiveText []byte
	//go:embed draft-system.txt
	draftSystemText []byte
	//go:embed Modelfile.grounding
	modelfileGrounding string
	//go:embed Modelfile.draft
	modelfileDraft string
)

// Template is one pinned prompt template.
type Template struct {
	// Name is the template's kind: KindGrounding or KindDraft.
	Name string
	// Text is the template exactly as embedded. The draft template holds the
	// placeholders DraftPrompt fills; send it only through DraftPrompt.
	Text string
	// Digest is Digest(Text): "sha256:" and 64 lowercase hex digits.
	Digest string
	// Source says where the text came from: SourceEmbedded, or the path
	// of the file Load read it from.
	Source string
}

// Digest returns "sha256:" followed by the lowercase hex SHA-256 of b, the
// form used in provenance keys.
func Digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Grounding returns the vision prompt: it asks for ONLY a JSON array of
// {label, box_2d} over the six canonical labels, boxes as normalized
// [y0, x0, y1, x1], and [{"label": "no_finding"}] for a normal study. It is
// sent as is, with the image.
func Grounding() Template {
	return Template{Name: KindGrounding, Text: string(groundingText), Digest: Digest(groundingText), Source: SourceEmbedded}
}

// Draft returns the draft-reading template. Its Digest identifies the
// prompt in provenance keys; the text to send is DraftPrompt(draft).
func Draft() Template {
	return Template{Name: KindDraft, Text: string(draftText), Digest: Digest(draftText), Source: SourceEmbedded}
}

// Corrective returns the embedded corrective suffix, cxr-auditor's own
// wording for the served app's: appended to the prompt of a retry after
// an unreadable reply, it asks again for the bare JSON array.
func Corrective() Template {
	return Template{Name: KindCorrective, Text: string(correctiveText), Digest: Digest(correctiveText), Source: SourceEmbedded}
}

// DraftSystem returns the embedded system message of the draft model,
// cxr-auditor's own wording: it asks for the JSON array alone.
func DraftSystem() Template {
	return Template{Name: KindDraftSystem, Text: string(draftSystemText), Digest: Digest(draftSystemText), Source: SourceEmbedded}
}

// The ways a draft template holds the draft (Template.DraftMode).
const (
	// DraftDelimited: the draft as one JSON string between two delimiter
	// lines, so that no draft can pass for instructions.
	DraftDelimited = "delimited"
	// DraftFaithful: the draft inline, as the model's own project sends
	// it (stripped of surrounding space, otherwise as it is).
	DraftFaithful = "faithful"
)

// DraftMode returns how the draft template t holds the draft:
// DraftFaithful when it has {{DRAFT_INLINE}}, else DraftDelimited.
func (t Template) DraftMode() string {
	if strings.Contains(t.Text, placeholderInline) {
		return DraftFaithful
	}
	return DraftDelimited
}

// The placeholders in draft.txt and the delimiter lines they become. The
// delimiters name this program so that ordinary text never contains them,
// and DraftPrompt removes any occurrence from the draft anyway.
const (
	placeholderBegin = "{{BEGIN}}"
	placeholderEnd   = "{{END}}"
	placeholderDraft = "{{DRAFT}}"
	// placeholderInline is the draft inline, without delimiters.
	placeholderInline = "{{DRAFT_INLINE}}"
	delimBegin        = "<<<CXR_AUDITOR_DRAFT_BEGIN>>>"
	delimEnd          = "<<<CXR_AUDITOR_DRAFT_END>>>"
)

// delimCore matches the distinctive core of both delimiters in any case; a
// draft without it cannot contain either delimiter.
var delimCore = regexp.MustCompile(`(?i)cxr_auditor_draft_`)

// MaxDraftBytes is the longest draft DraftPrompt accepts. Real impressions
// are a few hundred bytes; anything near this would not fit the context
// window beside the instructions.
const MaxDraftBytes = 16 << 10

// ErrEmptyDraft is returned by DraftPrompt for a draft with no text (after
// removing control characters and surrounding space).
var ErrEmptyDraft = errors.New("draft is empty")

// ErrDraftTooLong is returned by DraftPrompt for a draft over MaxDraftBytes.
var ErrDraftTooLong = errors.New("draft is too long")

// DraftPrompt renders the draft prompt with draft inserted as data that can
// never close or extend the instructions: control characters (ESC sequences
// included) and bidirectional overrides are removed (newlines and tabs are
// kept), invalid UTF-8 becomes U+FFFD, any occurrence of the delimiters'
// core is removed until none is left, and the result is encoded as one JSON
// string on a single line between two unique delimiter lines. The model is
// told the span it returns is copied from that decoded string.
func DraftPrompt(draft string) (string, error) { return Draft().RenderDraft(draft) }

// sanitizeDraft removes what must never reach the model or a terminal.
func sanitizeDraft(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r':
			return '\n'
		case unicode.IsControl(r),
			r >= '\u202A' && r <= '\u202E', // bidi embeddings and overrides
			r >= '\u2066' && r <= '\u2069': // bidi isolates
			return -1
		}
		return r
	}, s)
	for delimCore.MatchString(s) {
		s = delimCore.ReplaceAllString(s, "")
	}
	return strings.TrimSpace(s)
}

// Modelfiles returns the example Modelfiles keyed by kind (KindGrounding,
// KindDraft). The map is new on every call.
func Modelfiles() map[string]string {
	return map[string]string{KindGrounding: modelfileGrounding, KindDraft: modelfileDraft}
}

// Modelfile returns the example Modelfile of kind (KindGrounding or
// KindDraft), or an error naming the known kinds.
func Modelfile(kind string) (string, error) {
	m, ok := Modelfiles()[kind]
	if !ok {
		return "", fmt.Errorf("unknown Modelfile kind %q (want %s or %s)", kind, KindGrounding, KindDraft)
	}
	return m, nil
}

// ModelfileName returns the file name the example Modelfile of kind is
// meant to be saved as, "Modelfile.<kind>".
func ModelfileName(kind string) string { return "Modelfile." + kind }

// CreateCommand returns the shell line that imports a model from the example
// Modelfile of kind, "ollama create NAME -f Modelfile.KIND", for doctor to
// print. A model name or kind with characters a shell would interpret is
// single-quoted. An unknown kind returns "".
func CreateCommand(kind, modelName string) string {
	if _, ok := Modelfiles()[kind]; !ok {
		return ""
	}
	return "ollama create " + shellQuote(modelName) + " -f " + shellQuote(ModelfileName(kind))
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9._:/@+-]+$`)

func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
