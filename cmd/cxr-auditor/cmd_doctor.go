package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/prompts"
	"github.com/cxr-auditor/cxr-auditor/session"
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
		text, err := session.Modelfile(f.modelfile, f.from)
		if err != nil {
			return err
		}
		_, err = io.WriteString(e.stdout, text)
		return err
	}
	hosts, err := of.hosts()
	if err != nil {
		return err
	}
	return session.Doctor(ctx, e.session(), session.DoctorConfig{
		Hosts: hosts, GroundingModel: of.groundingModel, DraftModel: of.draftModel,
		PromptsDir: of.promptsDir, EmbeddedPromptOK: of.embeddedPromptOK, DB: f.db, JSON: f.asJSON,
	})
}
