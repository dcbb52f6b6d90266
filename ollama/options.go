package ollama

import (
	"github.com/cxr-auditor/cxr-auditor/prompts"

	"encoding/json"
	"errors"
	"fmt"
	"time"
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
	// KeepAlive is how long the host keeps a model loaded after a call.
	// 0 leaves Ollama's default (5m); a negative value keeps it loaded
	// until the server stops.
	KeepAlive time.Duration
	// Timeout bounds one call (one attempt), streaming included; 0 means
	// no limit other than the caller's context.
	Timeout time.Duration
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
// otherwise: temperature 0, seed 42, num_ctx 8192, num_predict 1024,
// keep_alive 30m, a 5 minute timeout per call, 3 retries from 250ms.
func DefaultOptions() Options {
	return Options{
		Temperature: 0,
		Seed:        42,
		NumCtx:      8192,
		NumPredict:  1024,
		KeepAlive:   30 * time.Minute,
		Timeout:     5 * time.Minute,
		Retries:     3,
		Backoff:     250 * time.Millisecond,
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
	if o.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout %v: must be >= 0", o.Timeout))
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
	return map[string]any{
		"temperature": o.Temperature,
		"seed":        o.Seed,
		"num_ctx":     o.NumCtx,
		"num_predict": o.NumPredict,
	}
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
