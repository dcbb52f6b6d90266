package prompts

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cxr-auditor/cxr-auditor/internal/safefile"
)

// writeImport writes the imported texts (by kind) and the record into dir.
// Nothing is written when a file is in the way and force is false.
func writeImport(dir string, rec ImportRecord, texts map[string]string, force bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("prompts import: %w", err)
	}
	names := map[string]string{KindGrounding: GroundingFile, KindDraft: DraftFile, KindCorrective: CorrectiveFile, KindDraftSystem: DraftSystemFile}
	var stale []string
	for _, name := range []string{GroundingFile, DraftFile, CorrectiveFile, DraftSystemFile, ProvenanceFile} {
		path := filepath.Join(dir, name)
		st, err := os.Lstat(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return fmt.Errorf("prompts import: %w", err)
		case !force:
			return fmt.Errorf("prompts import: %s %w; nothing was written (pass --force to overwrite it)", path, ErrExists)
		case !st.Mode().IsRegular():
			return fmt.Errorf("prompts import: %s is %s; nothing was written", path, safefile.Kind(st.Mode()))
		}
		stale = append(stale, path)
	}
	record, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return fmt.Errorf("prompts import: %w", err)
	}
	written := map[string]bool{}
	for _, kind := range []string{KindGrounding, KindDraft, KindCorrective, KindDraftSystem} {
		text, ok := texts[kind]
		if !ok {
			continue
		}
		path := filepath.Join(dir, names[kind])
		if err := writeFile(path, []byte(text)); err != nil {
			return err
		}
		written[path] = true
	}
	// A template of an earlier import that this one takes from the
	// embedded wording must not stay in use.
	for _, path := range stale {
		if !written[path] && filepath.Base(path) != ProvenanceFile {
			if err := os.Remove(path); err != nil {
				return fmt.Errorf("prompts import: %w", err)
			}
		}
	}
	return writeFile(filepath.Join(dir, ProvenanceFile), append(record, '\n'))
}

// writeFile replaces path with b atomically.
func writeFile(path string, b []byte) error {
	w, err := safefile.Create(path)
	if err != nil {
		return fmt.Errorf("prompts import: %w", err)
	}
	if _, err := w.Write(b); err != nil {
		w.Abort()
		return fmt.Errorf("prompts import: %s: %w", path, err)
	}
	if err := w.Commit(); err != nil {
		return fmt.Errorf("prompts import: %s: %w", path, err)
	}
	return nil
}

// readImportRecord reads provenance.json, or returns nil when there is none.
func readImportRecord(path string) (*ImportRecord, error) {
	b, err := readBounded(path, MaxTemplateBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rec ImportRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("prompts: %s: %w (it is written by 'cxr-auditor prompts import'; import again or remove it)", path, err)
	}
	return &rec, nil
}

// markEdited sets rec.Edited to the kinds whose template in set no longer
// has the digest the import recorded.
func markEdited(rec *ImportRecord, set Set) {
	by := map[string]Template{KindGrounding: set.Grounding, KindDraft: set.Draft, KindCorrective: set.Corrective, KindDraftSystem: set.DraftSystem}
	for _, f := range rec.Files {
		if t, ok := by[f.Kind]; ok && t.Digest != f.Digest {
			rec.Edited = append(rec.Edited, f.Kind)
		}
	}
}
