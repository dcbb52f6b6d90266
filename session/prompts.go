package session

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/cxr-auditor/cxr-auditor/prompts"
)

// WritePrompts writes the embedded templates into dir to edit (force
// overwrites them) and says where they went. A template already there is
// a usage error without force.
func WritePrompts(env Env, dir string, force bool) error {
	paths, err := prompts.WriteDir(dir, force)
	if err != nil {
		if errors.Is(err, prompts.ErrExists) {
			return fmt.Errorf("%w: %v", ErrUsage, err)
		}
		return err
	}
	for _, p := range paths {
		WriteLine(env.Stdout, "wrote %s", p)
	}
	WriteLine(env.Stdout, "edit them, then pass --prompts %s to run, review and doctor", dir)
	return nil
}

// CheckPrompts loads the templates in dir as run, review and doctor
// would, and prints each stage's source and digest, the draft template's
// form and where an import came from.
func CheckPrompts(env Env, dir string) error {
	set, err := prompts.Load(dir)
	if err != nil {
		return err
	}
	set = set.Complete()
	for _, t := range []prompts.Template{set.Grounding, set.Draft, set.Corrective, set.DraftSystem} {
		WriteLine(env.Stdout, "%s prompt: %s, %s", t.Name, t.Source, t.Digest)
	}
	WriteLine(env.Stdout, "draft template: %s", set.Draft.DraftMode())
	if rec := set.Imported; rec != nil {
		WriteLine(env.Stdout, "imported from %s (sha256 %s)", rec.Module, shortDigest(rec.ModuleSHA256))
		if len(rec.Edited) > 0 {
			WriteLine(env.Stdout, "edited since the import: %s", strings.Join(rec.Edited, ", "))
		}
	}
	return nil
}

// ImportPrompts imports the model project's pinned prompts at path into
// dir (prompts.Import; draft is the draft template's form, force
// overwrites an earlier import) and says what was read and written.
func ImportPrompts(env Env, path, dir, draft string, force bool) error {
	rec, err := prompts.Import(path, dir, prompts.ImportOptions{DraftMode: draft, Force: force})
	switch {
	case errors.Is(err, prompts.ErrExists):
		return fmt.Errorf("%w: %v", ErrUsage, err)
	case err != nil:
		return err
	}
	WriteLine(env.Stdout, "read %s (sha256 %s)", rec.Module, shortDigest(rec.ModuleSHA256))
	if rec.Inference != "" {
		WriteLine(env.Stdout, "read %s (sha256 %s)", rec.Inference, shortDigest(rec.InferenceSHA256))
	}
	for _, f := range rec.Files {
		if f.File == "" {
			WriteLine(env.Stdout, "%s: %s (%s)", f.Kind, f.Source, f.Note)
			continue
		}
		WriteLine(env.Stdout, "wrote %s from %s (line %d), %s", filepath.Join(dir, f.File), f.Constant, f.Line, f.Digest)
	}
	WriteLine(env.Stdout, "draft template: %s; provenance in %s", rec.DraftTemplate, filepath.Join(dir, prompts.ProvenanceFile))
	WriteLine(env.Stdout, "pass --prompts %s to run, review and doctor", dir)
	return nil
}
