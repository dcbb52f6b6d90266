package pipeline

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/prompts"
)

func TestProvenanceKey(t *testing.T) {
	base := Provenance{Stage: audit.StageGrounding, InputHash: HashBytes([]byte("image")), Model: "m",
		ModelDigest: "d1", PromptDigest: "p1", Options: `{"seed":42}`, SchemaVersion: SchemaVersion()}
	k := base.Key()
	require.Len(t, k, 64)
	assert.Equal(t, k, base.Key(), "deterministic")
	// Every field is in the key.
	for name, change := range map[string]func(*Provenance){
		"stage":          func(p *Provenance) { p.Stage = audit.StageDraft },
		"input":          func(p *Provenance) { p.InputHash = HashDraft("other") },
		"model":          func(p *Provenance) { p.Model = "m2" },
		"digest":         func(p *Provenance) { p.ModelDigest = "d2" },
		"prompt":         func(p *Provenance) { p.PromptDigest = "p2" },
		"options":        func(p *Provenance) { p.Options = `{"seed":7}` },
		"schema":         func(p *Provenance) { p.SchemaVersion = "other" },
		"input geometry": func(p *Provenance) { p.ModelInput = "pad" },
		// Field boundaries are unambiguous: moving a character from one
		// field to the next changes the key.
		"boundary": func(p *Provenance) { p.Model, p.ModelDigest = "md", "1" },
	} {
		p := base
		change(&p)
		assert.NotEqual(t, k, p.Key(), name)
	}
	assert.Equal(t, k, groundingKey(base.InputHash, "m", "d1", "p1", `{"seed":42}`))
	assert.NotEqual(t, k, draftKey(base.InputHash, "m", "d1", "p1", `{"seed":42}`))
}

func TestProvenanceOfRecord(t *testing.T) {
	rec := audit.StageRecord{Stage: audit.StageDraft, DraftHash: HashDraft("x"), ImageHash: "ignored", Model: "m",
		ModelDigest: "d", PromptDigest: "p", Options: "o"}
	assert.Equal(t, draftKey(HashDraft("x"), "m", "d", "p", "o"), provenanceOf(rec).Key())
	rec.Stage = audit.StageGrounding
	rec.ImageHash = HashBytes([]byte{1})
	assert.Equal(t, groundingKey(rec.ImageHash, "m", "d", "p", "o"), provenanceOf(rec).Key())
}

func TestPromptDigestMatchesHost(t *testing.T) {
	// The key computed before a call uses the same prompt digests the host
	// records, so a stored record is found again.
	s, err := newScheduler(Config{GroundingModel: "g", DraftModel: "d"}, []stageRunner{&ollama.Host{}})
	require.NoError(t, err)
	assert.Equal(t, prompts.Grounding().Digest, s.promptDigest(audit.StageGrounding), "the zero Prompts are the embedded ones")
	assert.Equal(t, prompts.Draft().Digest, s.promptDigest(audit.StageDraft))
	assert.NotEqual(t, s.promptDigest(audit.StageGrounding), s.promptDigest(audit.StageDraft))
}

func TestHashes(t *testing.T) {
	assert.Equal(t, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", HashBytes(nil))
	assert.Equal(t, HashBytes([]byte("abc")), HashDraft("abc"))
	assert.Regexp(t, `^p[0-9]+-[0-9a-f]{16}$`, SchemaVersion())
}

// groundingKey is the key of a grounding call on the image whose file
// bytes hash to imageHash, spelled out field by field.
func groundingKey(imageHash, model, modelDigest, promptDigest, options string) string {
	return Provenance{Stage: audit.StageGrounding, InputHash: imageHash, Model: model, ModelDigest: modelDigest,
		PromptDigest: promptDigest, Options: options, SchemaVersion: SchemaVersion()}.Key()
}

// draftKey is the key of a draft-parsing call on the draft whose text
// hashes to draftHash.
func draftKey(draftHash, model, modelDigest, promptDigest, options string) string {
	return Provenance{Stage: audit.StageDraft, InputHash: draftHash, Model: model, ModelDigest: modelDigest,
		PromptDigest: promptDigest, Options: options, SchemaVersion: SchemaVersion()}.Key()
}

// provenanceOf returns the provenance recorded in r (its key inputs).
func provenanceOf(r audit.StageRecord) Provenance {
	p := Provenance{Stage: r.Stage, Model: r.Model, ModelDigest: r.ModelDigest, PromptDigest: r.PromptDigest,
		Options: r.Options, SchemaVersion: SchemaVersion(), System: r.SystemDigest, Attempts: r.Ladder}
	if r.Stage == audit.StageGrounding {
		p.InputHash, p.ModelInput = r.ImageHash, r.ModelInput
	} else {
		p.InputHash = r.DraftHash
	}
	return p
}
