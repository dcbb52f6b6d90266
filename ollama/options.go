package ollama

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/prompts"
)

// Options are the generation and transport settings of every call to an
// Ollama host. The generation part (temperature, seed, num_ctx,
// num_predict) is sent identically on every call and preload, because
// Ollama reloads a model whose runner options change, and it is recorded in
// provenance (Canonical).
type Options struct {
	// Temperature 0 is greedy decoding, matching how the models are served
	// in production and making outputs repeatable.
	Temperature float64
	// Seed fixes any remaining sampling randomness.
	Seed int
	// NumCtx is the context window in tokens (num_ctx); the image alone
	// takes 256 tokens with Gemma 3, the prompt about a thousand.
	NumCtx int
	// NumPredict caps generated tokens (num_predict); a reply cut by it
	// ends with done_reason "length" and is salvaged. -1 means no cap.
	NumPredict int
	// GroundingPredict and DraftPredict are the stages' own caps, as the
	// served app has them (512 for grounding, 1,024 for the draft, whose
	// reasoning comes first); ForStage puts the stage's into NumPredict.
	// 0 leaves NumPredict as it is.
	GroundingPredict, DraftPredict int
	// TopP is nucleus sampling's top_p; 0 leaves it out of the request
	// (greedy decoding needs none). Only a sampling attempt sets it.
	TopP float64
	// Attempts is the retry ladder: AttemptsServed, or AttemptsOne (also
	// ""). Not part of Canonical: it is a provenance field of its own.
	Attempts string
	// KeepAlive is how long the host keeps a model loaded after a call.
	// 0 leaves Ollama's default (5m); a negative value keeps it loaded
	// until the server stops.
	KeepAlive time.Duration
	// Timeout bounds one call (one attempt), streaming included; 0 means
	// no limit other than the caller's context.
	Timeout time.Duration
	// MetaTimeout bounds one metadata call (/api/version, /api/show,
	// /api/tags), which answers in milliseconds on a working host; 0, or
	// more than Timeout, means Timeout.
	MetaTimeout time.Duration
	// Retries is how many times a call is retried after a connection error
	// or HTTP 503 (server busy); never after any other error.
	Retries int
	// Backoff is the delay before the first retry; it doubles each retry.
	Backoff time.Duration
	// Prompts are the templates Ground and ParseDraft send; the zero Set
	// means the embedded ones. Not part of Canonical: the prompt's digest
	// is a provenance field of its own. The scheduler sets it from
	// Config.Prompts.
	Prompts prompts.Set
}

// DefaultOptions returns the settings cxr-auditor uses unless told
// otherwise: temperature 0, seed 42, num_ctx 8192, num_predict 512 for
// grounding and 1024 for the draft (1024 for any other call), the served
// app's retry ladder, keep_alive 30m, a 5 minute timeout per call (20 s
// per metadata call), 3 retries from 250ms.
func DefaultOptions() Options {
	return Options{
		Temperature:      0,
		Seed:             42,
		NumCtx:           8192,
		NumPredict:       1024,
		GroundingPredict: 512,
		DraftPredict:     1024,
		Attempts:         AttemptsServed,
		KeepAlive:        30 * time.Minute,
		Timeout:          5 * time.Minute,
		MetaTimeout:      DefaultMetaTimeout,
		Retries:          3,
		Backoff:          250 * time.Millisecond,
	}
}

// Validate reports the first setting Ollama would reject or that makes no
// sense, naming the option.
func (o Options) Validate() error {
	var errs []error
	if o.Temperature < 0 {
		errs = append(errs, fmt.Errorf("temperature %v: must be >= 0", o.Temperature))
	}
	if o.NumCtx <= 0 {
		errs = append(errs, fmt.Errorf("num_ctx %d: must be > 0", o.NumCtx))
	}
	if o.NumPredict == 0 || o.NumPredict < -1 {
		errs = append(errs, fmt.Errorf("num_predict %d: must be > 0, or -1 for no cap", o.NumPredict))
	}
	for _, p := range []struct {
		name string
		n    int
	}{{"grounding", o.GroundingPredict}, {"draft", o.DraftPredict}} {
		if p.n < -1 {
			errs = append(errs, fmt.Errorf("num_predict of the %s stage %d: must be > 0, or -1 for no cap", p.name, p.n))
		}
	}
	if o.Attempts != "" && o.Attempts != AttemptsServed && o.Attempts != AttemptsOne {
		errs = append(errs, fmt.Errorf("attempts %q: want %s or %s", o.Attempts, AttemptsServed, AttemptsOne))
	}
	if o.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout %v: must be >= 0", o.Timeout))
	}
	if o.MetaTimeout < 0 {
		errs = append(errs, fmt.Errorf("metadata timeout %v: must be >= 0", o.MetaTimeout))
	}
	if o.Retries < 0 {
		errs = append(errs, fmt.Errorf("retries %d: must be >= 0", o.Retries))
	}
	if o.Backoff < 0 {
		errs = append(errs, fmt.Errorf("backoff %v: must be >= 0", o.Backoff))
	}
	return errors.Join(errs...)
}

// ollama returns the "options" object of a chat request. It is a new map
// on every call with the same content.
func (o Options) ollama() map[string]any {
	m := map[string]any{
		"temperature": o.Temperature,
		"seed":        o.Seed,
		"num_ctx":     o.NumCtx,
		"num_predict": o.NumPredict,
	}
	if o.TopP > 0 {
		m["top_p"] = o.TopP
	}
	return m
}

// ForStage returns o with NumPredict set to stage's own cap
// (GroundingPredict or DraftPredict) when it has one.
func (o Options) ForStage(stage audit.Stage) Options {
	n := o.GroundingPredict
	if stage == audit.StageDraft {
		n = o.DraftPredict
	}
	if n != 0 {
		o.NumPredict = n
	}
	return o
}

// Canonical returns the Ollama options actually sent, as JSON with sorted
// keys (for example {"num_ctx":8192,"num_predict":1024,"seed":42,
// "temperature":0}). Equal generation settings give equal strings, so it can
// go into provenance keys. Transport settings (timeout, retries, keep-alive)
// do not change outputs and are left out.
func (o Options) Canonical() string {
	b, err := json.Marshal(o.ollama()) // map keys are sorted by encoding/json
	if err != nil {
		// Only finite numbers are in the map; NaN temperature is the one way
		// to get here.
		return fmt.Sprintf(`{"error":%q}`, err.Error())
	}
	return string(b)
}
