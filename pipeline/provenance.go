package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Provenance is everything a stage's output depends on. Two calls with equal
// Provenance are expected to give the same output (greedy decoding, fixed
// seed), so a stored StageRecord under Key() can be served instead of
// calling the model again; change any field and the key changes.
type Provenance struct {
	Stage audit.Stage `json:"stage"`
	// InputHash is the sha256 hex of the image file's bytes (grounding) or
	// of the draft text (draft): see HashBytes and HashDraft.
	InputHash string `json:"input_hash"`
	Model     string `json:"model"`
	// ModelDigest is the digest of the model as the host that ran (or would
	// run) the call has it: a re-pulled or re-created model gets a new one.
	ModelDigest  string `json:"model_digest"`
	PromptDigest string `json:"prompt_digest"`
	// Options is Options.Canonical(): the generation options sent.
	Options string `json:"options"`
	// SchemaVersion identifies the output schema and parser (SchemaVersion
	// of this package by default).
	SchemaVersion string `json:"schema_version"`
	// ModelInput is the image geometry of a grounding call ("squash" or
	// "pad"; see Config.ModelInput); empty for the draft stage, which has
	// no image. Keys made before it existed (all padded) had none, so
	// their records are computed again once.
	ModelInput string `json:"model_input,omitempty"`
	// System is the digest of the draft model's system message; empty for
	// grounding, which has none.
	System string `json:"system,omitempty"`
	// Attempts is the retry ladder (ollama.LadderKey): empty for one
	// attempt, else it names the attempts and the corrective suffix they
	// send.
	Attempts string `json:"attempts,omitempty"`
}

// Key returns the provenance key: the sha256 hex digest of p's fields in a
// fixed, unambiguous encoding (JSON of the struct, prefixed by a format tag).
func (p Provenance) Key() string {
	b, _ := json.Marshal(p) // strings only: cannot fail
	h := sha256.New()
	h.Write([]byte("cxr-auditor/provenance/v1\n"))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// parserVersion is bumped when a change to the parsers or to the un-padding
// of boxes would change what is stored for the same model output, so old
// cache entries stop being served.
const parserVersion = "1"

// SchemaVersion identifies the structured-output schemas sent to the model
// (a digest of schema.FindingsJSONSchema and schema.DraftJSONSchema) and the
// parser generation. It goes into every provenance key.
func SchemaVersion() string { return schemaVersion }

var schemaVersion = func() string {
	h := sha256.New()
	h.Write([]byte("parser " + parserVersion + "\n"))
	h.Write(schema.FindingsJSONSchema())
	h.Write([]byte{0})
	h.Write(schema.DraftJSONSchema())
	return "p" + parserVersion + "-" + hex.EncodeToString(h.Sum(nil))[:16]
}()

// HashBytes returns the sha256 hex digest of b (the image hash is that of
// the image file's bytes, before any decoding).
func HashBytes(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// HashDraft returns the sha256 hex digest of a draft's text, the draft
// stage's input hash.
func HashDraft(draft string) string { return HashBytes([]byte(draft)) }

// systemDigest is the digest of the system message stage sends: the
// draft's, none for grounding.
func (s *Scheduler) systemDigest(stage audit.Stage) string {
	if stage == audit.StageDraft {
		return s.cfg.Prompts.DraftSystem.Digest
	}
	return ""
}

// ladderKey names the retry ladder of stage for its provenance key.
func (s *Scheduler) ladderKey(stage audit.Stage) string {
	return ollama.LadderKey(s.cfg.Attempts, stage, s.cfg.Prompts.Corrective.Digest)
}

// promptDigest is the digest of the prompt template of stage the
// scheduler sends (Config.Prompts), so that a stored record's PromptDigest
// and a key computed before the call agree.
func (s *Scheduler) promptDigest(stage audit.Stage) string {
	if stage == audit.StageDraft && s.rulesDraft() {
		return s.rules.Digest()
	}
	if stage == audit.StageDraft {
		return s.cfg.Prompts.Draft.Digest
	}
	return s.cfg.Prompts.Grounding.Digest
}
