package ollama

import (
	"fmt"
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
	// needed; Fix is for the first.
	Hosts []string
	// Capability is the capability the model lacks, or "" when it is
	// missing. Has lists the capabilities it has then.
	Capability string
	Has        []string
	// Taken are the model names the first host has (GET /api/tags), when
	// known: the name Fix imports under is none of them.
	Taken []string
}

// Error names the stage, the model, the hosts and the missing capability,
// and ends with Fix.
func (e *ModelError) Error() string {
	hosts := strings.Join(e.Hosts, ", ")
	if e.Capability == "" {
		return fmt.Sprintf("%s model %s is not on any Ollama host (asked %s); fix: %s", e.Stage, e.Model, hosts, e.Fix())
	}
	return fmt.Sprintf("%s model %s has no %q capability on %s (it has: %s), so Ollama would drop every image without an error; "+
		"pass a model that has it as --%s-model, or import the safetensors folder, which has its vision tower, under a new name "+
		"and pass --%s-model %s; fix: %s",
		e.Stage, e.Model, e.Capability, hosts, strings.Join(e.Has, ", "), e.kind(), e.kind(), e.NewName(), e.Fix())
}

// Fix is the line a user can paste to repair e, the one doctor prints for
// the same problem (prompts.ImportCommand): import the model on the first
// host (with OLLAMA_HOST= when it is not Ollama's default), or pull the
// default draft model; a model that lacks a capability is imported under
// NewName, never over its own name. The source of an import is a marked
// placeholder (prompts.FromPlaceholder).
func (e *ModelError) Fix() string {
	host := prompts.DefaultHost
	if len(e.Hosts) > 0 {
		host = e.Hosts[0]
	}
	name := e.Model
	if e.Capability != "" {
		name = e.NewName()
	}
	return prompts.ImportCommand(e.kind(), name, host, "")
}

// NewName is the name to import a model with the missing capability under:
// the model's name with "-" and the capability appended, numbered when the
// first host has that name already (FreeModelName).
func (e *ModelError) NewName() string {
	return FreeModelName(e.Model+"-"+e.Capability, append([]string{e.Model}, e.Taken...))
}

// kind is the stage's name in flags and prompts (grounding, draft).
func (e *ModelError) kind() string {
	if e.Stage == audit.StageDraft {
		return prompts.KindDraft
	}
	return prompts.KindGrounding
}

// HostsDownError says that no host answered at all. It wraps
// ErrUnreachable. It is not a reason to stop: the scheduler serves what
// the store has cached and fails only the items it would have to call a
// model for.
type HostsDownError struct {
	// Hosts maps each host to why it did not answer.
	Hosts []string
	Errs  []error
}

// Error names every host with its reason and says how to start one.
func (e *HostsDownError) Error() string {
	parts := make([]string, len(e.Hosts))
	for i, h := range e.Hosts {
		parts[i] = fmt.Sprintf("%s (%v)", h, e.Errs[i])
	}
	return fmt.Sprintf("no Ollama host answered: %s; start Ollama (ollama serve) or point --ollama at a running one",
		strings.Join(parts, "; "))
}

// Unwrap returns ErrUnreachable.
func (e *HostsDownError) Unwrap() error { return ErrUnreachable }

// Needs returns the capabilities a model must have to serve stage:
// "vision" for grounding, since Ollama drops the image of a model without
// it and answers anyway.
func Needs(stage audit.Stage) []string {
	if stage == audit.StageGrounding {
		return []string{"vision"}
	}
	return nil
}

// CheckCapable returns a *ModelError naming host when info lacks a
// capability stage needs (Needs), and nil when it has them all.
func CheckCapable(host string, stage audit.Stage, model string, info ModelInfo) error {
	for _, c := range Needs(stage) {
		if !info.Has(c) {
			return &ModelError{Stage: stage, Model: model, Hosts: []string{host}, Capability: c, Has: info.Capabilities}
		}
	}
	return nil
}
