package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/internal/termtext"
	"github.com/cxr-auditor/cxr-auditor/prompts"
)

const doctorDescription = `Check that everything run and review need is in place: each Ollama host
(reachable, its version), each model on it (present, its digest, the
"vision" capability for the grounding model, "thinking" noted for the draft
model, the same digest on every host) and, with --db, the store. Every
problem comes with the command that fixes it. Exit status 0 when all is
well, 1 when anything needs fixing.

It also says which prompt templates are in use (the embedded ones, or the
files --prompts names) and their digests, which key every cached result.

--modelfile grounding|draft prints an example Modelfile instead, to import a
model with "ollama create"; --from fills in its FROM line. The served
grounding model is a Hugging Face safetensors folder: Ollama imports it as
it is, vision tower included (GGUF is the alternative).

Every fix is a command that runs as pasted, once any <placeholder> in angle
brackets is replaced; it names the host with OLLAMA_HOST when it is not
Ollama's default, and never creates a model over a name the host has.`

const doctorExample = `
cxr-auditor doctor --ollama http://127.0.0.1:11434 --db worklist.cxr.db
cxr-auditor doctor --prompts ./my-prompts
cxr-auditor doctor --modelfile grounding --from /models/medgemma-cxr > Modelfile.grounding`

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
	// from fills the FROM line of --modelfile.
	from string
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
	fl.StringVar(&f.db, "db", "", "store to check: a FILE (a missing one is fine if its directory is writable) or a postgres:// URL (default: $CXR_AUDITOR_DB)")
	fl.BoolVar(&f.asJSON, "json", false, "print the report as JSON")
	fl.StringVar(&f.modelfile, "modelfile", "", "print the example Modelfile of KIND (grounding or draft) and exit")
	fl.StringVar(&f.from, "from", "", "with --modelfile: the model's source for its FROM line (a safetensors folder, a .gguf file or a model name)")
	_ = cmd.RegisterFlagCompletionFunc("db", completeStore)
	_ = cmd.RegisterFlagCompletionFunc("modelfile", completeWords(prompts.KindGrounding, prompts.KindDraft))
	return cmd
}

func runDoctor(ctx context.Context, e env, f doctorFlags) error {
	of := f.ollama
	if f.from != "" && f.modelfile == "" {
		return fmt.Errorf("%w: --from goes with --modelfile", errUsage)
	}
	if f.modelfile != "" {
		text, err := prompts.Modelfile(f.modelfile)
		if err == nil && f.from != "" {
			text, err = prompts.ModelfileFrom(f.modelfile, f.from)
		}
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

	checks := checkPrompts(of, e.getenv)
	digests := map[string]map[string]string{} // model -> host -> digest
	for _, h := range hosts {
		checks = append(checks, checkHost(ctx, h, of, digests)...)
	}
	checks = append(checks, checkDigests(digests)...)
	if db := storeLocation(f.db, "", e.getenv); db != "" {
		checks = append(checks, checkStore(ctx, db)...)
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
