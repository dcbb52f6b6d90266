package main

import (
	"context"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/cxr-auditor/cxr-auditor/internal/termtext"
	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/pipeline"
	"github.com/cxr-auditor/cxr-auditor/prompts"
	"github.com/cxr-auditor/cxr-auditor/session"
)

// ollamaFlags are the Ollama flags shared by run, review and doctor, so they
// read the same everywhere.
type ollamaFlags struct {
	urls           stringList
	groundingModel string
	draftModel     string
	numCtx         int
	// numPredict is --num-predict, both stages' cap at once (0: unset);
	// the stage flags win over it.
	numPredict          int
	numPredictGrounding int
	numPredictDraft     int
	// attempts is --attempts: the retry ladder (served or 1).
	attempts string
	// embeddedPromptOK is --embedded-prompt-ok: no warning about the
	// embedded grounding prompt.
	embeddedPromptOK bool
	flags            *pflag.FlagSet
	timeout          time.Duration
	keepAlive        time.Duration
	// promptsDir is --prompts: the folder of the user's templates ("": the
	// embedded ones).
	promptsDir string
}

// addOllamaFlags registers --ollama (repeatable), --grounding-model,
// --draft-model, --num-ctx, --num-predict, --timeout and --keep-alive on
// cmd. The model flags complete with the models of the hosts named so far
// (or OLLAMA_HOST's) when one answers.
func addOllamaFlags(cmd *cobra.Command) *ollamaFlags {
	d := ollama.DefaultOptions()
	fl := cmd.Flags()
	o := &ollamaFlags{flags: fl}
	fl.Var(&o.urls, "ollama", "Ollama host URL, repeatable or comma-separated (default $OLLAMA_HOST, else http://127.0.0.1:11434)")
	fl.StringVar(&o.groundingModel, "grounding-model", prompts.DefaultGroundingModel, "vision model that grounds findings in the image")
	fl.StringVar(&o.draftModel, "draft-model", prompts.DefaultDraftModel, "text model that parses the draft impression, or \"rules\" for the rule labeler (no model; docs/labeler.md)")
	fl.IntVar(&o.numCtx, "num-ctx", d.NumCtx, "context window in tokens (num_ctx), identical on every call")
	fl.IntVar(&o.numPredictGrounding, "num-predict-grounding", d.GroundingPredict, "maximum tokens the grounding model generates per call (num_predict; -1: no cap)")
	fl.IntVar(&o.numPredictDraft, "num-predict-draft", d.DraftPredict, "maximum tokens the draft model generates per call, its reasoning included (num_predict; -1: no cap)")
	fl.IntVar(&o.numPredict, "num-predict", 0, "set both stages' num_predict at once (the two flags above win)")
	fl.StringVar(&o.attempts, "attempts", d.Attempts, "retry ladder on an unreadable reply: served (3 grounding, 2 draft attempts, as the served app) or 1 (the model card's first greedy attempt only)")
	fl.BoolVar(&o.embeddedPromptOK, "embedded-prompt-ok", false, "do not warn that the grounding prompt is cxr-auditor's own (also "+session.EnvEmbeddedPromptOK+"=1)")
	fl.DurationVar(&o.timeout, "timeout", d.Timeout, "time limit of one model call")
	fl.DurationVar(&o.keepAlive, "keep-alive", d.KeepAlive, "how long Ollama keeps the models loaded after a call")
	fl.StringVar(&o.promptsDir, "prompts", "", "folder DIR holding your prompt templates grounding.txt and/or draft.txt (default: the embedded ones; 'cxr-auditor prompts write DIR' writes them there to edit)")
	_ = cmd.RegisterFlagCompletionFunc("prompts", func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return nil, cobra.ShellCompDirectiveFilterDirs
	})
	_ = cmd.RegisterFlagCompletionFunc("ollama", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("attempts", completeWords(ollama.AttemptsServed, ollama.AttemptsOne))
	_ = cmd.RegisterFlagCompletionFunc("grounding-model", o.completeModels)
	_ = cmd.RegisterFlagCompletionFunc("draft-model", o.completeDraftModels)
	return o
}

// prompts returns the templates --prompts names, or the embedded ones.
func (o *ollamaFlags) prompts() (prompts.Set, error) { return session.Prompts(o.promptsDir) }

// options returns the pipeline options the flags describe.
func (o *ollamaFlags) options() ollama.Options {
	opt := ollama.DefaultOptions()
	opt.NumCtx = o.numCtx
	opt.GroundingPredict, opt.DraftPredict = o.numPredictGrounding, o.numPredictDraft
	if o.numPredict != 0 {
		opt.NumPredict = o.numPredict
		if !o.changed("num-predict-grounding") {
			opt.GroundingPredict = o.numPredict
		}
		if !o.changed("num-predict-draft") {
			opt.DraftPredict = o.numPredict
		}
	}
	opt.Attempts = o.attempts
	opt.Timeout = o.timeout
	opt.KeepAlive = o.keepAlive
	return opt
}

// changed reports whether the flag name was given.
func (o *ollamaFlags) changed(name string) bool {
	return o.flags != nil && o.flags.Changed(name)
}

// hosts returns one Host per distinct --ollama URL, or OLLAMA_HOST's
// when none was given (session.Hosts: credentials refused, never shown).
func (o *ollamaFlags) hosts() ([]*ollama.Host, error) {
	return session.Hosts(o.urls, o.options(), os.Getenv)
}

// completionTimeout bounds the model look-up of a shell completion: a tab
// press must not hang on a host that does not answer.
const completionTimeout = 700 * time.Millisecond

// completeModels offers the model names the hosts have (GET /api/tags),
// asking them all at once; a host that does not answer in time adds
// nothing.
func (o *ollamaFlags) completeModels(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	hosts, err := o.hosts()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	parent := cmd.Context()
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithTimeout(parent, completionTimeout)
	defer cancel()
	lists := make(chan []string, len(hosts))
	for _, h := range hosts {
		go func() {
			names, _ := h.Models(ctx)
			lists <- names
		}()
	}
	var out []cobra.Completion
	for range hosts {
		for _, n := range <-lists {
			// A name a terminal would act on is not offered: the shell
			// prints the candidates.
			if strings.HasPrefix(n, toComplete) && termtext.Inert(n, false) && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	slices.Sort(out)
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeDraftModels completes --draft-model: the hosts' models and
// "rules", the rule labeler.
func (o *ollamaFlags) completeDraftModels(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	out, dir := o.completeModels(cmd, args, toComplete)
	if strings.HasPrefix(pipeline.RulesDraftModel, toComplete) && !slices.Contains(out, pipeline.RulesDraftModel) {
		out = append(out, pipeline.RulesDraftModel)
		slices.Sort(out)
	}
	return out, dir
}

// stringList is a repeatable string flag (for example --ollama URL twice).
type stringList []string

// String returns the values, comma-separated.
func (s *stringList) String() string { return strings.Join(*s, ",") }

// Set appends one value; a comma-separated value adds each part.
func (s *stringList) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*s = append(*s, p)
		}
	}
	return nil
}

// Type names the value in help and completions.
func (s *stringList) Type() string { return "urls" }
