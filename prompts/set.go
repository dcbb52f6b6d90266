package prompts

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"unicode/utf8"

	"github.com/cxr-auditor/cxr-auditor/internal/safefile"
)

// The files a prompts folder holds (--prompts DIR).
const (
	GroundingFile   = "grounding.txt"
	DraftFile       = "draft.txt"
	CorrectiveFile  = "corrective.txt"
	DraftSystemFile = "draft-system.txt"
	// ProvenanceFile is written by Import beside the templates: where they
	// came from (see ImportRecord). It is never sent to a model.
	ProvenanceFile = "provenance.json"
)

// SourceEmbedded is Template.Source for the templates built into the
// program.
const SourceEmbedded = "embedded"

// MaxTemplateBytes is the largest template file Load reads. The pinned
// templates are about 2 KiB; a file near this would crowd out the image and
// the draft in the context window.
const MaxTemplateBytes = 64 << 10

// ErrBadTemplate is wrapped by Load's error for a template file that cannot
// be used as it is (its placeholders are missing, repeated or out of order,
// it is empty, too large, or not UTF-8).
var ErrBadTemplate = errors.New("unusable prompt template")

// Set is what a run sends besides the image and the draft: the grounding
// and draft templates, the corrective suffix of retry attempts and the
// draft model's system message. Each is the embedded one or a user's from
// a folder (Load); the zero Set means the embedded ones.
type Set struct {
	Grounding   Template
	Draft       Template
	Corrective  Template
	DraftSystem Template
	// Imported is the record prompts import left in the folder, or nil.
	Imported *ImportRecord
}

// Embedded returns the pinned templates built into the program.
func Embedded() Set {
	return Set{Grounding: Grounding(), Draft: Draft(), Corrective: Corrective(), DraftSystem: DraftSystem()}
}

// GroundingTemplate returns the grounding template, the embedded one when s
// has none.
func (s Set) GroundingTemplate() Template { return orEmbedded(s.Grounding, Grounding) }

// DraftTemplate returns the draft template, the embedded one when s has
// none.
func (s Set) DraftTemplate() Template { return orEmbedded(s.Draft, Draft) }

// CorrectiveTemplate returns the corrective suffix, the embedded one when
// s has none.
func (s Set) CorrectiveTemplate() Template { return orEmbedded(s.Corrective, Corrective) }

// DraftSystemTemplate returns the draft model's system message, the
// embedded one when s has none.
func (s Set) DraftSystemTemplate() Template { return orEmbedded(s.DraftSystem, DraftSystem) }

// Complete returns s with every template filled in (the embedded one where
// s has none), so that a caller can read the fields directly.
func (s Set) Complete() Set {
	return Set{Grounding: s.GroundingTemplate(), Draft: s.DraftTemplate(), Corrective: s.CorrectiveTemplate(),
		DraftSystem: s.DraftSystemTemplate(), Imported: s.Imported}
}

// EmbeddedGrounding reports whether the grounding prompt in use is the
// program's own rather than one the user gave: a fine-tuned model then
// gets text it was not trained on.
func (s Set) EmbeddedGrounding() bool { return s.GroundingTemplate().Source == SourceEmbedded }

func orEmbedded(t Template, embedded func() Template) Template {
	if t.Text == "" {
		return embedded()
	}
	return t
}

// Load reads the templates in dir: grounding.txt, draft.txt, corrective.txt
// and draft-system.txt, any of which may be left out (the embedded one is
// used for it, with Source "embedded"), and provenance.json when prompts
// import wrote one. Each file must be a regular UTF-8 text file of at most
// MaxTemplateBytes (a leading byte order mark is dropped). The draft
// template holds the draft either delimited, as the three lines {{BEGIN}},
// {{DRAFT}} and {{END}} in a row, each alone on its line (DraftPrompt puts
// the draft there as one JSON string between two delimiter lines, so that
// it can never pass for instructions), or inline, as {{DRAFT_INLINE}}
// (the draft as it is, as the model's own project sends it). The other
// templates are sent as they are and must hold no placeholder. Errors name
// the file and what is wrong.
func Load(dir string) (Set, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return Set{}, fmt.Errorf("prompts: %w", err)
	}
	if !st.IsDir() {
		return Set{}, fmt.Errorf("prompts: %s is %s; give the folder that holds %s and %s", dir, safefile.Kind(st.Mode()), GroundingFile, DraftFile)
	}
	set := Embedded()
	found := 0
	for _, f := range templateFiles(&set) {
		path := filepath.Join(dir, f.name)
		text, err := readTemplate(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return Set{}, err
		}
		if err := f.check(text); err != nil {
			return Set{}, fmt.Errorf("prompts: %s: %w: %v", path, ErrBadTemplate, err)
		}
		*f.dst = Template{Name: f.kind, Text: text, Digest: Digest([]byte(text)), Source: path}
		found++
	}
	if found == 0 {
		return Set{}, fmt.Errorf("prompts: %s holds neither %s nor %s; write the embedded ones there to edit with 'cxr-auditor prompts write %s', or import your model's with 'cxr-auditor prompts import PATH %s'", dir, GroundingFile, DraftFile, dir, dir)
	}
	rec, err := readImportRecord(filepath.Join(dir, ProvenanceFile))
	if err != nil {
		return Set{}, err
	}
	if rec != nil {
		markEdited(rec, set)
	}
	set.Imported = rec
	return set, nil
}

// templateFile is one file of a prompts folder.
type templateFile struct {
	name  string
	kind  string
	dst   *Template
	check func(string) error
}

// templateFiles lists the template files of a folder, each pointing at its
// field of set.
func templateFiles(set *Set) []templateFile {
	return []templateFile{
		{GroundingFile, KindGrounding, &set.Grounding, checkGrounding},
		{DraftFile, KindDraft, &set.Draft, checkDraft},
		{CorrectiveFile, KindCorrective, &set.Corrective, checkPlain},
		{DraftSystemFile, KindDraftSystem, &set.DraftSystem, checkPlain},
	}
}

// readTemplate reads one template file: a regular file (stat first, so a
// named pipe cannot block), bounded, UTF-8, without a byte order mark.
func readTemplate(path string) (string, error) {
	b, err := readBounded(path, MaxTemplateBytes)
	if err != nil {
		return "", err
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(b) {
		return "", fmt.Errorf("prompts: %s: %w: not UTF-8 text", path, ErrBadTemplate)
	}
	return string(b), nil
}

// readBounded reads a regular file of at most limit bytes. A missing file
// wraps fs.ErrNotExist.
func readBounded(path string, limit int64) ([]byte, error) {
	st, err := safefile.Regular(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("prompts: %w", err)
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("prompts: %s: %w: %d bytes, at most %d", path, ErrBadTemplate, st.Size(), limit)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("prompts: %w", err)
	}
	return b, nil
}
