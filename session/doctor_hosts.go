package session

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/cxr-auditor/cxr-auditor/labeler"
	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/pipeline"
	"github.com/cxr-auditor/cxr-auditor/prompts"
)

// Every Fix the doctor prints is a command line that runs as pasted (in a
// POSIX shell), except for placeholders in <angle brackets>, which say what
// to put there. What cannot be said as a command goes in the Message.

// checkHost checks one host and the two models on it, recording each
// model's digest in digests.
func checkHost(ctx context.Context, h *ollama.Host, cfg DoctorConfig, digests map[string]map[string]string) []DoctorCheck {
	var out []DoctorCheck
	if h.Insecure() {
		out = append(out, DoctorCheck{Check: "privacy", Target: h.URL(), Status: CheckWarn,
			Message: fmt.Sprintf("%s is plain http beyond this machine: images (patient data) would travel unencrypted; "+
				"use https (a TLS reverse proxy), or tunnel over SSH with the command below and pass --ollama http://127.0.0.1:11434", h.URL()),
			Fix: tunnelCommand(h)})
	}
	pctx, cancel := context.WithTimeout(ctx, doctorProbeTimeout)
	v, err := h.Version(pctx)
	cancel()
	if err != nil {
		cause := error(err)
		var ue *url.Error
		if errors.As(err, &ue) {
			cause = ue.Err // "dial tcp ...: connection refused", without the URL again
		}
		c := DoctorCheck{Check: "host", Target: h.URL(), Status: CheckFail,
			Message: fmt.Sprintf("cannot reach Ollama at %s: %v", h.URL(), cause)}
		switch {
		case errors.Is(err, ollama.ErrUnreachable) || errors.Is(err, ollama.ErrTimeout):
			c.Message += "; is Ollama running? Start it (below), or point --ollama or OLLAMA_HOST at where it listens"
			c.Fix = serveCommand(h)
		default:
			c.Message += "; is it an Ollama server? The command below asks it"
			c.Fix = "curl -sS " + shellQuote(h.URL()+"/api/version")
		}
		return append(out, c)
	}
	out = append(out, DoctorCheck{Check: "host", Target: h.URL(), Status: CheckOK, Version: v,
		Message: fmt.Sprintf("Ollama %s at %s", v, h.URL())})
	// The names the host has: a fix never creates over one of them.
	pctx, cancel = context.WithTimeout(ctx, doctorProbeTimeout)
	names, _ := h.Models(pctx)
	cancel()
	for _, m := range []struct{ kind, name string }{
		{prompts.KindGrounding, cfg.GroundingModel},
		{prompts.KindDraft, cfg.DraftModel},
	} {
		if m.kind == prompts.KindDraft && m.name == pipeline.RulesDraftModel {
			out = append(out, rulesCheck())
			continue
		}
		c, info := checkModel(ctx, h, m.kind, m.name, names, digests)
		out = append(out, c)
		if ctxLen := h.Options().NumCtx; c.Status == CheckOK && info.ContextLength > 0 && ctxLen > info.ContextLength {
			out = append(out, DoctorCheck{Check: "num_ctx", Target: m.name, Status: CheckWarn,
				Message: fmt.Sprintf("--num-ctx %d is more than %s was trained for (%d tokens); run and review will use %d (pass --num-ctx %d to say so)",
					ctxLen, m.name, info.ContextLength, info.ContextLength, info.ContextLength)})
		}
	}
	return out
}

// rulesCheck says that the draft stage needs no model: the rule labeler
// reads the drafts (its digest is what provenance records).
func rulesCheck() DoctorCheck {
	c := DoctorCheck{Check: prompts.KindDraft + "_model", Target: pipeline.RulesDraftModel, Status: CheckOK}
	rs, err := labeler.Default()
	if err != nil {
		c.Status, c.Message = CheckFail, "the embedded rules do not compile: "+err.Error()
		return c
	}
	c.Digest = rs.Digest()
	c.Message = "drafts are read by the rule labeler: no model, nothing sent to a host (docs/labeler.md)"
	return c
}

// checkModel checks that model is on h with what its stage needs; names
// are the models h has (for fixes that need a new name).
func checkModel(ctx context.Context, h *ollama.Host, kind, model string, names []string, digests map[string]map[string]string) (DoctorCheck, ollama.ModelInfo) {
	c := DoctorCheck{Check: kind + "_model", Target: model}
	pctx, cancel := context.WithTimeout(ctx, doctorProbeTimeout)
	info, err := h.ModelInfo(pctx, model)
	cancel()
	if err != nil {
		c.Status = CheckFail
		if errors.Is(err, ollama.ErrModelNotFound) && !ollama.HasModel(names, model) {
			c.Message = fmt.Sprintf("%s model %s is not on %s", kind, model, h.URL())
			c.Fix = prompts.ImportCommand(kind, model, h.URL(), "")
		} else {
			c.Message = fmt.Sprintf("%s model %s on %s: %v", kind, model, h.URL(), err)
		}
		return c, ollama.ModelInfo{}
	}
	c.Digest, c.Capabilities = info.Digest, info.Capabilities
	if digests[model] == nil {
		digests[model] = map[string]string{}
	}
	digests[model][h.URL()] = info.Digest
	caps := strings.Join(info.Capabilities, ", ")
	if caps == "" {
		caps = "none reported"
	}
	c.Message = fmt.Sprintf("%s model %s on %s: digest %s, capabilities: %s", kind, info.Name, h.URL(), shortDigest(info.Digest), caps)
	c.Status = CheckOK
	switch {
	case kind == prompts.KindGrounding && !info.Has("vision"):
		// The name is taken: import under a free one, never over it.
		name := ollama.FreeModelName(model+"-vision", names)
		c.Status = CheckFail
		c.Message += fmt.Sprintf("; it cannot see images (no \"vision\" capability: its vision tower was left out). "+
			"Import the safetensors folder, which has it, under a new name (below), then pass --grounding-model %s", name)
		c.Fix = prompts.ImportCommand(kind, name, h.URL(), "")
	case kind == prompts.KindDraft && !info.Has("completion"):
		c.Status = CheckFail
		c.Message += "; it cannot chat (no \"completion\" capability). Get the default draft model (below) and pass --draft-model " + prompts.DefaultDraftModel
		c.Fix = prompts.ImportCommand(prompts.KindDraft, prompts.DefaultDraftModel, h.URL(), "")
	case kind == prompts.KindDraft && info.Has("thinking"):
		c.Message += " (thinks before answering; its reasoning is recorded)"
	}
	return c, info
}

// serveCommand starts Ollama where h points: on this machine, "ollama
// serve" (told the address when it is not the default); elsewhere, over
// SSH on that machine.
func serveCommand(h *ollama.Host) string {
	u, err := url.Parse(h.URL())
	if err != nil {
		return "ollama serve"
	}
	if local(u.Hostname()) {
		if h.URL() == prompts.DefaultHost {
			return "ollama serve"
		}
		return "OLLAMA_HOST=" + shellQuote(u.Host) + " ollama serve"
	}
	return "ssh " + shellQuote(u.Hostname()) + " ollama serve"
}

// tunnelCommand forwards 127.0.0.1:11434 here to Ollama on h's machine
// over SSH (Ollama listening on that machine's loopback).
func tunnelCommand(h *ollama.Host) string {
	u, err := url.Parse(h.URL())
	if err != nil {
		return ""
	}
	return fmt.Sprintf("ssh -N -L 11434:127.0.0.1:%s %s", u.Port(), shellQuote(u.Hostname()))
}

// local reports whether host names this machine's loopback.
func local(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.IsLoopback() || ip.IsUnspecified())
}

// shellQuote single-quotes s for a POSIX shell unless it is made of safe
// characters only.
func shellQuote(s string) string {
	safe := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._:/@+-=,", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// checkDigests fails a model whose digest differs between hosts: items
// would be judged by different model versions depending on which host
// served them.
func checkDigests(digests map[string]map[string]string) []DoctorCheck {
	var out []DoctorCheck
	for _, model := range slices.Sorted(maps.Keys(digests)) {
		byHost := digests[model]
		seen := map[string][]string{}
		for _, host := range slices.Sorted(maps.Keys(byHost)) {
			seen[byHost[host]] = append(seen[byHost[host]], host)
		}
		if len(seen) < 2 {
			continue
		}
		var parts []string
		for _, d := range slices.Sorted(maps.Keys(seen)) {
			parts = append(parts, shortDigest(d)+" on "+strings.Join(seen[d], ", "))
		}
		out = append(out, DoctorCheck{Check: "model_digests", Target: model, Status: CheckFail,
			Message: fmt.Sprintf("model %s differs between hosts: %s; create or pull the same model on every host (same Modelfile, same source), then check again",
				model, strings.Join(parts, "; "))})
	}
	return out
}

// checkPrompts reports the prompt templates in use (--prompts, else the
// embedded ones) with their digests, or fails on a template that cannot be
// used, saying why. The embedded grounding prompt is a warning (unless
// silenced): a fine-tuned model gets text it was not trained on.
func checkPrompts(cfg DoctorConfig, getenv func(string) string) []DoctorCheck {
	dir := cfg.PromptsDir
	set, err := Prompts(dir)
	if err != nil {
		return []DoctorCheck{{Check: "prompts", Target: dir, Status: CheckFail, Message: err.Error()}}
	}
	set = set.Complete()
	var out []DoctorCheck
	if w := PromptWarning(set, cfg.EmbeddedPromptOK, getenv); w != "" {
		// No fix line: the step needs the user's own paths.
		out = append(out, DoctorCheck{Check: "grounding_prompt_source", Target: prompts.SourceEmbedded, Status: CheckWarn, Message: w})
	}
	for _, t := range []prompts.Template{set.Grounding, set.Draft, set.Corrective, set.DraftSystem} {
		what := t.Name + " prompt"
		switch t.Name {
		case prompts.KindCorrective:
			what = "corrective text (appended on a retry)"
		case prompts.KindDraftSystem:
			what = "draft system message"
		}
		out = append(out, DoctorCheck{Check: strings.ReplaceAll(t.Name, "-", "_") + "_prompt", Target: t.Source, Status: CheckOK, Digest: t.Digest,
			Message: fmt.Sprintf("%s: %s, %s", what, t.Source, t.Digest)})
	}
	if rec := set.Imported; rec != nil {
		c := DoctorCheck{Check: "prompts_import", Target: rec.Module, Status: CheckOK,
			Message: fmt.Sprintf("prompts imported from %s (sha256 %s), draft template %s", rec.Module, shortDigest(rec.ModuleSHA256), rec.DraftTemplate)}
		if len(rec.Edited) > 0 {
			c.Status = CheckWarn
			c.Message += "; edited since: " + strings.Join(rec.Edited, ", ")
			c.Fix = "cxr-auditor prompts import " + rec.Module + " " + dir + " --force, to have the training prompt again"
		}
		out = append(out, c)
	}
	return out
}
