package session

import (
	"fmt"
	"strings"

	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/prompts"
)

// Hosts returns one Host per distinct URL in urls (the --ollama values),
// or OLLAMA_HOST's (read through getenv) when none was given, each with
// the options opt. A bad URL or option is a usage error naming the flag.
// A URL carrying a user name or password is refused, and no message shows
// the password.
func Hosts(urls []string, opt ollama.Options, getenv func(string) string) ([]*ollama.Host, error) {
	if err := opt.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if len(urls) == 0 {
		if env := getenv("OLLAMA_HOST"); hasCredentials(env) {
			return nil, fmt.Errorf("%w: OLLAMA_HOST %s: %s", ErrUsage, RedactCredentials(env, []string{env}), noCredentials)
		}
		urls = []string{""}
	}
	var out []*ollama.Host
	seen := map[string]bool{}
	for _, u := range urls {
		if hasCredentials(u) {
			return nil, fmt.Errorf("%w: --ollama %s: %s", ErrUsage, RedactCredentials(u, urls), noCredentials)
		}
		h, err := ollama.NewHost(u, opt)
		if err != nil {
			return nil, fmt.Errorf("%w: --ollama: %s", ErrUsage, RedactCredentials(err.Error(), urls))
		}
		if seen[h.URL()] {
			continue
		}
		seen[h.URL()] = true
		out = append(out, h)
	}
	return out, nil
}

// noCredentials says why a host URL with credentials is refused.
const noCredentials = "a user name or password in a host URL is not supported (it would be shown in messages and logs); reach the host through an SSH tunnel or a proxy that adds them"

// hasCredentials reports whether a host URL carries user information
// ("user:password@" before the host).
func hasCredentials(u string) bool {
	if _, after, ok := strings.Cut(u, "://"); ok {
		u = after
	}
	u, _, _ = strings.Cut(u, "/")
	return strings.Contains(u, "@")
}

// RedactCredentials replaces the password (or token) of every URL in urls
// that carries one ("http://user:password@host") wherever it appears in
// msg, so no message echoes it.
func RedactCredentials(msg string, urls []string) string {
	for _, u := range urls {
		rest := u
		if _, after, ok := strings.Cut(u, "://"); ok {
			rest = after
		}
		rest, _, _ = strings.Cut(rest, "/")
		at := strings.LastIndex(rest, "@")
		if at < 0 {
			continue
		}
		user, secret, ok := strings.Cut(rest[:at], ":")
		if !ok {
			secret = user // a bare token in the user part
		}
		if secret != "" {
			msg = strings.ReplaceAll(msg, secret, "xxxxx")
		}
	}
	return msg
}

// Prompts returns the templates in the folder dir (--prompts), or the
// embedded ones when dir is "".
func Prompts(dir string) (prompts.Set, error) {
	if dir == "" {
		return prompts.Embedded(), nil
	}
	return prompts.Load(dir)
}

// PromptsLine says which templates are in use, for run's and doctor's
// output: "grounding DIR/grounding.txt (sha256:0123456789ab), draft
// embedded (sha256:...)".
func PromptsLine(set prompts.Set) string {
	part := func(t prompts.Template) string {
		return fmt.Sprintf("%s %s (%s)", t.Name, t.Source, shortPromptDigest(t.Digest))
	}
	return part(set.GroundingTemplate()) + ", " + part(set.DraftTemplate())
}

// shortPromptDigest is "sha256:" and the first 12 hex digits.
func shortPromptDigest(d string) string {
	if len(d) > len("sha256:")+12 {
		return d[:len("sha256:")+12]
	}
	return d
}

// promptSources maps the digest of each template in use to where it came
// from, for the raw viewer.
func promptSources(s prompts.Set) map[string]string {
	s = s.Complete()
	out := map[string]string{}
	for _, t := range []prompts.Template{s.Grounding, s.Draft, s.Corrective, s.DraftSystem} {
		out[t.Digest] = t.Name + ", " + t.Source
	}
	return out
}

// EnvEmbeddedPromptOK silences the embedded-prompt warning for users who
// mean to use cxr-auditor's own prompt.
const EnvEmbeddedPromptOK = "CXR_AUDITOR_EMBEDDED_PROMPT_OK"

// EmbeddedPromptWarning is the warning of PromptWarning.
const EmbeddedPromptWarning = "grounding prompt: cxr-auditor's own, not your model's training prompt: " +
	"cxr-auditor prompts import PATH DIR, then --prompts DIR (--embedded-prompt-ok silences this)"

// PromptWarning says, when the grounding prompt in set is cxr-auditor's
// embedded one and the user has not said they mean it (ok, or
// $CXR_AUDITOR_EMBEDDED_PROMPT_OK), that a fine-tuned model gets text it
// was not trained on, and how to import its own; "" otherwise.
func PromptWarning(set prompts.Set, ok bool, getenv func(string) string) string {
	if !set.EmbeddedGrounding() || ok || getenv(EnvEmbeddedPromptOK) != "" {
		return ""
	}
	return EmbeddedPromptWarning
}
