package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// RunConfig is one configuration of the two model stages: what decides a
// run's results apart from the worklist. Two runs over one worklist share
// every stage whose part of the configuration they have in common (the
// stage cache is keyed by provenance), so changing only the grounding
// model never calls the draft model again.
type RunConfig struct {
	GroundingModel  string `json:"grounding_model"`
	GroundingDigest string `json:"grounding_digest,omitempty"`
	DraftModel      string `json:"draft_model"`
	DraftDigest     string `json:"draft_digest,omitempty"`
	// GroundingPrompt and DraftPrompt are the prompt templates' digests.
	GroundingPrompt string `json:"grounding_prompt"`
	DraftPrompt     string `json:"draft_prompt"`
	// ModelInput is how images are made model inputs ("squash" or "pad").
	ModelInput string `json:"model_input,omitempty"`
	// GroundingOptions and DraftOptions are the canonical JSON of each
	// model's Ollama options.
	GroundingOptions string `json:"grounding_options,omitempty"`
	DraftOptions     string `json:"draft_options,omitempty"`
	// Attempts is the retry ladder.
	Attempts string `json:"attempts,omitempty"`
}

// Key is a short digest of the whole configuration: equal configurations
// have equal keys, and any difference gives another.
func (c RunConfig) Key() string {
	data, _ := json.Marshal(c) // plain strings: cannot fail
	sum := sha256.Sum256(append([]byte("cxr-auditor run config\x00"), data...))
	return hex.EncodeToString(sum[:8])
}

// NameCandidates are the readable names a run of c may take when it is not
// named, in order of preference: the grounding model's name (the model is
// what comparisons are usually about), then both models' names. The store
// takes the first one free, else numbers the last.
func (c RunConfig) NameCandidates() []string {
	return []string{c.GroundingModel, c.GroundingModel + "+" + c.DraftModel}
}

// RunInfo is a run as the store lists it.
type RunInfo struct {
	Name   string    `json:"name"`
	Key    string    `json:"key"`
	Config RunConfig `json:"config"`
	// Worklist is the worklist the run was last started on.
	Worklist string `json:"worklist,omitempty"`
	// Items counts the items the run has an outcome for: Done without an
	// error, Failed with one.
	Items   int       `json:"items"`
	Done    int       `json:"done"`
	Failed  int       `json:"failed"`
	Created time.Time `json:"created_at"`
	Updated time.Time `json:"updated_at"`
}

// RunItem is a run's latest outcome for one item: the stage records it
// rests on and its failure, if any.
type RunItem struct {
	ItemID       string `json:"item_id"`
	GroundingKey string `json:"grounding_key,omitempty"`
	DraftKey     string `json:"draft_key,omitempty"`
	// GroundingError is the grounding stage's failure; Error the item's
	// (either stage, or storing it).
	GroundingError string `json:"grounding_error,omitempty"`
	Error          string `json:"error,omitempty"`
}
