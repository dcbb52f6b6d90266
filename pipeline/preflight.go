package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/prompts"
)

// ModelError says that a stage's model cannot be used on any host that
// answered: it is missing everywhere, or lacks a capability the stage
// needs (a grounding model without "vision" would have its image dropped
// by Ollama without an error, and every item would come back with no
// findings). No model call is made for that stage. Error names the model,
// the hosts and the capability, and ends with Fix.
type ModelError struct {
	Stage audit.Stage
	Model string
	// Hosts are the hosts that answered without serving the model as
	// needed.
	Hosts []string
	// Capability is the capability the model lacks, or "" when it is
	// missing. Has lists the capabilities it has then.
	Capability string
	Has        []string
}

func (e *ModelError) Error() string {
	hosts := strings.Join(e.Hosts, ", ")
	if e.Capability == "" {
		return fmt.Sprintf("%s model %s is not on any Ollama host (asked %s); fix: %s", e.Stage, e.Model, hosts, e.Fix())
	}
	return fmt.Sprintf("%s model %s has no %q capability on %s (it has: %s), so Ollama would drop every image without an error; fix: %s",
		e.Stage, e.Model, e.Capability, hosts, strings.Join(e.Has, ", "), e.Fix())
}

// Fix is the line a user can paste to repair e (placeholders in <angle
// brackets>): import the model on the first host, naming the host with
// OLLAMA_HOST when it is not Ollama's default.
func (e *ModelError) Fix() string {
	kind := prompts.KindGrounding
	if e.Stage == audit.StageDraft {
		kind = prompts.KindDraft
	}
	env := ""
	if len(e.Hosts) > 0 && e.Hosts[0] != defaultHostURL {
		env = "OLLAMA_HOST=" + e.Hosts[0] + " "
	}
	if e.Capability != "" {
		// The name exists: never create over it; choose another name.
		return fmt.Sprintf("pass a model with %s as --%s-model, or import one with its vision tower under a new name: "+
			"cxr-auditor doctor --modelfile %s > %s && %s (edit its FROM line first)",
			e.Capability, kind, kind, prompts.ModelfileName(kind), env+prompts.CreateCommand(kind, "<new-name>"))
	}
	if kind == prompts.KindDraft && e.Model == prompts.DefaultDraftModel {
		return env + "ollama pull " + e.Model
	}
	return fmt.Sprintf("cxr-auditor doctor --modelfile %s > %s && %s (edit its FROM line first: <path to your model>)",
		kind, prompts.ModelfileName(kind), env+prompts.CreateCommand(kind, e.Model))
}

// defaultHostURL is the host the ollama CLI talks to without OLLAMA_HOST.
const defaultHostURL = "http://127.0.0.1:11434"

// HostsDownError says that no host answered at all. It wraps
// ErrUnreachable. It is not a reason to stop: the scheduler serves what
// the store has cached and fails only the items it would have to call a
// model for.
type HostsDownError struct {
	// Hosts maps each host to why it did not answer.
	Hosts []string
	Errs  []error
}

func (e *HostsDownError) Error() string {
	parts := make([]string, len(e.Hosts))
	for i, h := range e.Hosts {
		parts[i] = fmt.Sprintf("%s (%v)", h, e.Errs[i])
	}
	return fmt.Sprintf("no Ollama host answered: %s; start Ollama (ollama serve) or point --ollama at a running one",
		strings.Join(parts, "; "))
}

func (e *HostsDownError) Unwrap() error { return ErrUnreachable }

// Preflight asks every host about both models (/api/show, /api/tags)
// before any model call, as Run does when it starts (the answers are kept:
// Run does not ask again). It returns nil when every stage has a host that
// serves its model with the capabilities it needs; a *ModelError (use
// errors.As) when a stage cannot run on any host that answered, which
// callers should treat as fatal (run exits 1 with the fix; review shows it
// and blocks); or a *HostsDownError when no host answered, which callers
// may treat as "offline": cached results are still served. Several
// problems are joined (errors.Join). A host that lacks a model others have
// is only warned about (Config.Logf); so is a num_ctx above a model's
// context length (the model's is used and recorded in provenance).
func (s *Scheduler) Preflight(ctx context.Context) error {
	var errs []error
	for _, m := range s.models() {
		if _, started, err := s.hosts.resolve(ctx, m, s.logf); err != nil {
			errs = append(errs, err)
		} else {
			s.startSlots(started)
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var down *HostsDownError
	var out []error
	for _, err := range errs {
		if errors.As(err, &down) {
			if !slices.ContainsFunc(out, func(e error) bool { return errors.As(e, new(*HostsDownError)) }) {
				out = append(out, err)
			}
			continue
		}
		out = append(out, err)
	}
	return errors.Join(out...)
}
