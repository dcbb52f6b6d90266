package prompts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/cxr-auditor/cxr-auditor/internal/safefile"
)

// The files a prompts folder holds (--prompts DIR).
const (
	GroundingFile = "grounding.txt"
	DraftFile     = "draft.txt"
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

// Set is the pair of templates a run sends: the embedded ones, or a user's
// from a folder (Load). The zero Set means the embedded templates.
type Set struct {
	Grounding Template
	Draft     Template
}

// Embedded returns the pinned templates built into the program.
func Embedded() Set { return Set{Grounding: Grounding(), Draft: Draft()} }

// GroundingTemplate returns the grounding template, the embedded one when s
// has none.
func (s Set) GroundingTemplate() Template {
	if s.Grounding.Text == "" {
		return Grounding()
	}
	return s.Grounding
}

// DraftTemplate returns the draft template, the embedded one when s has
// none.
func (s Set) DraftTemplate() Template {
	if s.Draft.Text == "" {
		return Draft()
	}
	return s.Draft
}

// Load reads the templates in dir: grounding.txt and draft.txt, either of
// which may be left out (the embedded one is used for it, with Source
// "embedded"). Each file must be a regular UTF-8 text file of at most
// MaxTemplateBytes (a leading byte order mark is dropped). The draft
// template must hold the three lines {{BEGIN}}, {{DRAFT}} and {{END}} in a
// row, each alone on its line, and {{DRAFT}} nowhere else: DraftPrompt puts
// the draft there as one JSON string between two delimiter lines, so that
// the draft can never pass for instructions. The grounding template is sent as
// is and must hold no placeholder. Errors name the file and what is wrong.
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
	for _, f := range []struct {
		name     string
		kind     string
		dst      *Template
		validate func(string) error
	}{
		{GroundingFile, KindGrounding, &set.Grounding, checkGrounding},
		{DraftFile, KindDraft, &set.Draft, checkDraft},
	} {
		path := filepath.Join(dir, f.name)
		text, err := readTemplate(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return Set{}, err
		}
		if err := f.validate(text); err != nil {
			return Set{}, fmt.Errorf("prompts: %s: %w: %v", path, ErrBadTemplate, err)
		}
		*f.dst = Template{Name: f.kind, Text: text, Digest: Digest([]byte(text)), Source: path}
		found++
	}
	if found == 0 {
		return Set{}, fmt.Errorf("prompts: %s holds neither %s nor %s; write the embedded ones there to edit with 'cxr-auditor prompts write %s'", dir, GroundingFile, DraftFile, dir)
	}
	return set, nil
}

// readTemplate reads one template file: a regular file (stat first, so a
// named pipe cannot block), bounded, UTF-8, without a byte order mark.
func readTemplate(path string) (string, error) {
	st, err := safefile.Regular(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		return "", fmt.Errorf("prompts: %w", err)
	}
	if st.Size() > MaxTemplateBytes {
		return "", fmt.Errorf("prompts: %s: %w: %d bytes, at most %d", path, ErrBadTemplate, st.Size(), MaxTemplateBytes)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("prompts: %w", err)
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(b) {
		return "", fmt.Errorf("prompts: %s: %w: not UTF-8 text", path, ErrBadTemplate)
	}
	return string(b), nil
}

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

// checkDraft: {{DRAFT}} once, alone on its line, with a {{BEGIN}} line
// right above it and an {{END}} line right below (the draft becomes one
// line between two delimiter lines); {{BEGIN}} and {{END}} may also be
// named in the prose (the model is told the delimiters); no other
// placeholder.
func checkDraft(text string) error {
	if strings.TrimSpace(text) == "" {
		return errors.New("it is empty")
	}
	for _, p := range placeholder.FindAllString(text, -1) {
		if p != placeholderBegin && p != placeholderDraft && p != placeholderEnd {
			return fmt.Errorf("it holds the unknown placeholder %s (known: %s, %s, %s)", p, placeholderBegin, placeholderDraft, placeholderEnd)
		}
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

// ErrExists is wrapped by WriteDir's error when a file it would write is
// already there and force is false.
var ErrExists = errors.New("already exists")

// WriteDir writes the embedded templates into dir (created if missing) as
// grounding.txt and draft.txt, for editing, and returns the paths written.
// Unless force is true it writes nothing when either file exists, and the
// error wraps ErrExists and names the file.
func WriteDir(dir string, force bool) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("prompts: %w", err)
	}
	files := []struct {
		path string
		text []byte
	}{
		{filepath.Join(dir, GroundingFile), groundingText},
		{filepath.Join(dir, DraftFile), draftText},
	}
	for _, f := range files {
		st, err := os.Lstat(f.path)
		switch {
		case err == nil && !force:
			return nil, fmt.Errorf("prompts: %s %w; nothing was written (pass --force to overwrite it)", f.path, ErrExists)
		case err == nil && !st.Mode().IsRegular():
			return nil, fmt.Errorf("prompts: %s is %s; nothing was written", f.path, safefile.Kind(st.Mode()))
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("prompts: %w", err)
		}
	}
	var out []string
	for _, f := range files {
		w, err := safefile.Create(f.path)
		if err != nil {
			return out, fmt.Errorf("prompts: %w", err)
		}
		if _, err := w.Write(f.text); err != nil {
			w.Abort()
			return out, fmt.Errorf("prompts: %s: %w", f.path, err)
		}
		if err := w.Commit(); err != nil {
			return out, fmt.Errorf("prompts: %s: %w", f.path, err)
		}
		out = append(out, f.path)
	}
	return out, nil
}

// RenderDraft renders the draft template t with draft inserted the way
// DraftPrompt does it for the embedded template.
func (t Template) RenderDraft(draft string) (string, error) {
	if len(draft) > MaxDraftBytes {
		return "", fmt.Errorf("%w: %d bytes, limit %d", ErrDraftTooLong, len(draft), MaxDraftBytes)
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
