package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/internal/safefile"
	"github.com/cxr-auditor/cxr-auditor/internal/termtext"
	"github.com/cxr-auditor/cxr-auditor/pipeline"
	"github.com/cxr-auditor/cxr-auditor/prompts"
	"github.com/cxr-auditor/cxr-auditor/store"
)

const doctorDescription = `Check that everything run and review need is in place: each Ollama host
(reachable, its version), each model on it (present, its digest, the
"vision" capability for the grounding model, "thinking" noted for the draft
model, the same digest on every host) and, with --db, the store. Every
problem comes with the command that fixes it. Exit status 0 when all is
well, 1 when anything needs fixing.

--modelfile grounding|draft prints an example Modelfile instead, to import a
model with "ollama create".`

const doctorExample = `
cxr-auditor doctor --ollama http://127.0.0.1:11434 --db worklist.cxr.db
cxr-auditor doctor --modelfile grounding > Modelfile.grounding`

// doctorProbeTimeout bounds each check, so that a host that accepts
// connections but never answers cannot hang the doctor.
const doctorProbeTimeout = 15 * time.Second

// Check statuses.
const (
	checkOK   = "ok"
	checkFail = "fail"
	checkWarn = "warn"
)

// doctorCheck is one line of the doctor's report.
type doctorCheck struct {
	// Check names what was checked: "host", "grounding_model",
	// "draft_model", "model_digests", "privacy", "store".
	Check string `json:"check"`
	// Target is the host URL, model name or store path checked.
	Target string `json:"target"`
	Status string `json:"status"` // ok, fail, warn
	// Message says what was found, in words.
	Message string `json:"message"`
	// Fix is the command or step that repairs a failure or a warning.
	Fix string `json:"fix,omitempty"`
	// Digest and Capabilities describe a model that was found.
	Digest       string   `json:"digest,omitempty"`
	Capabilities []string `json:"capabilities,omitempty"`
	Version      string   `json:"version,omitempty"`
}

// doctorReport is what --json prints.
type doctorReport struct {
	OK       bool          `json:"ok"`
	Problems int           `json:"problems"`
	Checks   []doctorCheck `json:"checks"`
}

// doctorFlags are the doctor command's settings.
type doctorFlags struct {
	ollama    *ollamaFlags
	db        string
	asJSON    bool
	modelfile string
}

func newDoctorCmd(e env) *cobra.Command {
	var f doctorFlags
	cmd := &cobra.Command{
		Use:     "doctor",
		Short:   "check Ollama hosts, models and the store; print fixes",
		Long:    doctorDescription,
		Example: doctorExample,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDoctor(cmd.Context(), e, f)
		},
	}
	f.ollama = addOllamaFlags(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.db, "db", "", "store file to check (a missing file is fine if its directory is writable)")
	fl.BoolVar(&f.asJSON, "json", false, "print the report as JSON")
	fl.StringVar(&f.modelfile, "modelfile", "", "print the example Modelfile of KIND (grounding or draft) and exit")
	_ = cmd.RegisterFlagCompletionFunc("db", completeStore)
	_ = cmd.RegisterFlagCompletionFunc("modelfile", completeWords(prompts.KindGrounding, prompts.KindDraft))
	return cmd
}

func runDoctor(ctx context.Context, e env, f doctorFlags) error {
	of := f.ollama
	if f.modelfile != "" {
		text, err := prompts.Modelfile(f.modelfile)
		if err != nil {
			return fmt.Errorf("%w: --modelfile: %v", errUsage, err)
		}
		_, err = io.WriteString(e.stdout, text)
		return err
	}
	hosts, err := of.hosts()
	if err != nil {
		return err
	}

	var checks []doctorCheck
	digests := map[string]map[string]string{} // model -> host -> digest
	for _, h := range hosts {
		checks = append(checks, checkHost(ctx, h, of, digests)...)
	}
	checks = append(checks, checkDigests(digests)...)
	if f.db != "" {
		checks = append(checks, checkStore(ctx, f.db))
	}

	rep := doctorReport{Checks: checks}
	for _, c := range checks {
		if c.Status == checkFail {
			rep.Problems++
		}
	}
	rep.OK = rep.Problems == 0
	if f.asJSON {
		// Versions, digests, capabilities and errors come from the hosts:
		// termtext.JSON keeps them inert on a terminal.
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if _, err := e.stdout.Write(append(termtext.JSON(b), '\n')); err != nil {
			return err
		}
	} else {
		printDoctor(e.stdout, rep)
	}
	if !rep.OK {
		return exitError{1}
	}
	return nil
}

// checkHost checks one host and the two models on it, recording each
// model's digest in digests.
func checkHost(ctx context.Context, h *pipeline.Host, of *ollamaFlags, digests map[string]map[string]string) []doctorCheck {
	var out []doctorCheck
	if h.Insecure() {
		out = append(out, doctorCheck{Check: "privacy", Target: h.URL(), Status: checkWarn,
			Message: fmt.Sprintf("%s is plain http beyond this machine: images (patient data) would travel unencrypted", h.URL()),
			Fix:     "use https (a TLS reverse proxy) or an SSH tunnel: ssh -L 11434:127.0.0.1:11434 <gpu-host>, then --ollama http://127.0.0.1:11434"})
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
		c := doctorCheck{Check: "host", Target: h.URL(), Status: checkFail,
			Message: fmt.Sprintf("cannot reach Ollama at %s: %v", h.URL(), cause)}
		switch {
		case errors.Is(err, pipeline.ErrUnreachable) || errors.Is(err, pipeline.ErrTimeout):
			c.Message += "; is Ollama running?"
			c.Fix = "start Ollama: ollama serve (or point --ollama / OLLAMA_HOST at where it listens)"
		default:
			c.Fix = "check that " + h.URL() + " is an Ollama server (curl " + h.URL() + "/api/version)"
		}
		return append(out, c)
	}
	out = append(out, doctorCheck{Check: "host", Target: h.URL(), Status: checkOK, Version: v,
		Message: fmt.Sprintf("Ollama %s at %s", v, h.URL())})
	for _, m := range []struct{ kind, name string }{
		{prompts.KindGrounding, of.groundingModel},
		{prompts.KindDraft, of.draftModel},
	} {
		c, info := checkModel(ctx, h, m.kind, m.name, digests)
		out = append(out, c)
		if ctxLen := h.Options().NumCtx; c.Status == checkOK && info.ContextLength > 0 && ctxLen > info.ContextLength {
			out = append(out, doctorCheck{Check: "num_ctx", Target: m.name, Status: checkWarn,
				Message: fmt.Sprintf("--num-ctx %d is more than %s was trained for (%d tokens)", ctxLen, m.name, info.ContextLength),
				Fix:     fmt.Sprintf("--num-ctx %d", info.ContextLength)})
		}
	}
	return out
}

// checkModel checks that model is on h with what its stage needs.
func checkModel(ctx context.Context, h *pipeline.Host, kind, model string, digests map[string]map[string]string) (doctorCheck, pipeline.ModelInfo) {
	c := doctorCheck{Check: kind + "_model", Target: model}
	pctx, cancel := context.WithTimeout(ctx, doctorProbeTimeout)
	info, err := h.ModelInfo(pctx, model)
	cancel()
	if err != nil {
		c.Status = checkFail
		if errors.Is(err, pipeline.ErrModelNotFound) {
			c.Message = fmt.Sprintf("%s model %s is not on %s", kind, model, h.URL())
			c.Fix = modelFix(kind, model)
		} else {
			c.Message = fmt.Sprintf("%s model %s on %s: %v", kind, model, h.URL(), err)
		}
		return c, pipeline.ModelInfo{}
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
	c.Status = checkOK
	switch {
	case kind == prompts.KindGrounding && !info.Has("vision"):
		c.Status = checkFail
		c.Message += "; it cannot see images (no \"vision\" capability)"
		c.Fix = "use a vision model (--grounding-model) or re-create it from the example (its FROM must include the vision projector): " + modelFix(kind, model)
	case kind == prompts.KindDraft && !info.Has("completion"):
		c.Status = checkFail
		c.Message += "; it cannot chat (no \"completion\" capability)"
		c.Fix = "use a chat model for --draft-model"
	case kind == prompts.KindDraft && info.Has("thinking"):
		c.Message += " (thinks before answering; its reasoning is recorded)"
	}
	return c, info
}

// modelFix says how to get a missing model: pull the default draft model,
// create anything else from the example Modelfile.
func modelFix(kind, model string) string {
	if kind == prompts.KindDraft && model == prompts.DefaultDraftModel {
		return "ollama pull " + model
	}
	return fmt.Sprintf("cxr-auditor doctor --modelfile %s > %s && %s",
		kind, prompts.ModelfileName(kind), prompts.CreateCommand(kind, model))
}

// checkDigests fails a model whose digest differs between hosts: items
// would be judged by different model versions depending on which host
// served them.
func checkDigests(digests map[string]map[string]string) []doctorCheck {
	var out []doctorCheck
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
		out = append(out, doctorCheck{Check: "model_digests", Target: model, Status: checkFail,
			Message: fmt.Sprintf("model %s differs between hosts: %s", model, strings.Join(parts, "; ")),
			Fix:     "create or pull the same model on every host (same Modelfile, same base)"})
	}
	return out
}

// checkStore checks the store at path without creating or migrating it.
func checkStore(ctx context.Context, path string) doctorCheck {
	c := doctorCheck{Check: "store", Target: path}
	// Stat first: opening a named pipe would block the doctor for good.
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		c.Status, c.Message = checkFail, fmt.Sprintf("store %s is %s, not a store file", path, safefile.Kind(st.Mode()))
		c.Fix = "choose a store file for --db (run or review create it)"
		return c
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		dir := filepath.Dir(path)
		f, err := os.CreateTemp(dir, ".cxr-auditor-doctor-*")
		if err != nil {
			c.Status, c.Message = checkFail, fmt.Sprintf("store %s does not exist and cannot be created: %v", path, err)
			c.Fix = "create the directory " + dir + " or choose a writable --db path"
			return c
		}
		name := f.Name()
		f.Close()
		os.Remove(name)
		c.Status, c.Message = checkOK, fmt.Sprintf("store %s does not exist yet; run or review will create it", path)
		return c
	}
	s, err := store.Open(ctx, path, store.ReadOnly())
	switch {
	case errors.Is(err, store.ErrOlderSchema):
		c.Status, c.Message = checkOK, fmt.Sprintf("store %s is from an older cxr-auditor; run or review will migrate it", path)
		return c
	case errors.Is(err, store.ErrNewerSchema):
		c.Status, c.Message = checkFail, fmt.Sprintf("store %s: %v", path, err)
		c.Fix = "upgrade cxr-auditor, or use another --db"
		return c
	case err != nil:
		c.Status, c.Message = checkFail, fmt.Sprintf("store %s: %v", path, err)
		c.Fix = "choose another --db path (this file is not a cxr-auditor store, or cannot be read)"
		return c
	}
	defer s.Close()
	items, err := s.Items(ctx)
	if err != nil {
		c.Status, c.Message = checkFail, fmt.Sprintf("store %s: %v", path, err)
		c.Fix = "choose another --db path, or restore it from a backup"
		return c
	}
	c.Status, c.Message = checkOK, fmt.Sprintf("store %s opens: %d item(s)", path, len(items))
	if err := writable(path); err != nil {
		c.Status, c.Message = checkFail, fmt.Sprintf("store %s is not writable: %v", path, err)
		c.Fix = "fix its permissions (verdicts are saved to it)"
	}
	return c
}

// writable reports whether path can be opened for writing, without
// changing it.
func writable(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	return f.Close()
}

func shortDigest(d string) string {
	d = strings.TrimPrefix(d, "sha256:")
	if len(d) > 12 {
		return d[:12]
	}
	return d
}

// printDoctor writes the checklist: one ✓, ✗ or ! line per check, each
// failure or warning followed by its fix.
func printDoctor(w io.Writer, rep doctorReport) {
	for _, c := range rep.Checks {
		mark := "✓"
		switch c.Status {
		case checkFail:
			mark = "✗"
		case checkWarn:
			mark = "!"
		}
		// Messages quote what hosts answered: outside text.
		writeLine(w, "%s %s", mark, c.Message)
		if c.Fix != "" && c.Status != checkOK {
			writeLine(w, "    fix: %s", c.Fix)
		}
	}
	switch rep.Problems {
	case 0:
		fmt.Fprintln(w, "All checks passed.")
	case 1:
		fmt.Fprintln(w, "1 problem found.")
	default:
		fmt.Fprintf(w, "%d problems found.\n", rep.Problems)
	}
}
