package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/cxr-auditor/cxr-auditor/pipeline"
	"github.com/cxr-auditor/cxr-auditor/prompts"
)

// ollamaFlags are the Ollama flags shared by run, review and doctor, so they
// read the same everywhere.
type ollamaFlags struct {
	urls           stringList
	groundingModel string
	draftModel     string
	numCtx         int
	numPredict     int
	timeout        time.Duration
	keepAlive      time.Duration
}

// addOllamaFlags registers --ollama (repeatable), --grounding-model,
// --draft-model, --num-ctx, --num-predict, --timeout and --keep-alive on fs.
func addOllamaFlags(fs *flag.FlagSet) *ollamaFlags {
	d := pipeline.DefaultOptions()
	o := &ollamaFlags{}
	fs.Var(&o.urls, "ollama", "Ollama host URL, repeatable or comma-separated (default $OLLAMA_HOST, else http://127.0.0.1:11434)")
	fs.StringVar(&o.groundingModel, "grounding-model", prompts.DefaultGroundingModel, "vision model that grounds findings in the image")
	fs.StringVar(&o.draftModel, "draft-model", prompts.DefaultDraftModel, "text model that parses the draft impression")
	fs.IntVar(&o.numCtx, "num-ctx", d.NumCtx, "context window in tokens (num_ctx), identical on every call")
	fs.IntVar(&o.numPredict, "num-predict", d.NumPredict, "maximum tokens generated per call (num_predict)")
	fs.DurationVar(&o.timeout, "timeout", d.Timeout, "time limit of one model call")
	fs.DurationVar(&o.keepAlive, "keep-alive", d.KeepAlive, "how long Ollama keeps the models loaded after a call")
	return o
}

// options returns the pipeline options the flags describe.
func (o *ollamaFlags) options() pipeline.Options {
	opt := pipeline.DefaultOptions()
	opt.NumCtx = o.numCtx
	opt.NumPredict = o.numPredict
	opt.Timeout = o.timeout
	opt.KeepAlive = o.keepAlive
	return opt
}

// hosts returns one Host per distinct --ollama URL, or the OLLAMA_HOST
// default when none was given. A bad URL or option is a usage error naming
// the flag.
func (o *ollamaFlags) hosts() ([]*pipeline.Host, error) {
	opt := o.options()
	if err := opt.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	urls := []string(o.urls)
	if len(urls) == 0 {
		urls = []string{""}
	}
	var out []*pipeline.Host
	seen := map[string]bool{}
	for _, u := range urls {
		h, err := pipeline.NewHost(u, opt)
		if err != nil {
			return nil, fmt.Errorf("%w: --ollama: %v", errUsage, err)
		}
		if seen[h.URL()] {
			continue
		}
		seen[h.URL()] = true
		out = append(out, h)
	}
	return out, nil
}
