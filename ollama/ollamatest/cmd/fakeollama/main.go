// Command fakeollama serves ollama/ollamatest, the in-process imitation
// of Ollama, as a process, so that `cxr-auditor run` (or review) can be
// measured from a shell against model calls of a known, fixed latency: no
// GPU, no model, every reply synthetic. It is a development tool, not part
// of cxr-auditor's command line.
//
// Usage:
//
//	go run ./ollama/ollamatest/cmd/fakeollama [flags]
//
// It prints the base URL of each server it starts, one a line, on stdout,
// then serves until interrupted (Ctrl-C, SIGTERM), and prints each model's
// request counts on stderr when it stops. The grounding and draft models
// are cxr-auditor's default names, so `run` needs no model flags.
//
// Example: 64 items at grounding 400 ms and draft 200 ms, one call at a
// time per model, on two hosts:
//
//	go run ./ollama/ollamatest/cmd/fakeollama -hosts 2 \
//	    -grounding-latency 400ms -draft-latency 200ms -capacity 1 > urls &
//	cxr-auditor run cases.csv --ollama "$(sed -n 1p urls)" --ollama "$(sed -n 2p urls)" --out results.jsonl
//
// Flags:
//
//	-addr HOST:PORT            listen address of the first server (port 0: a free port; default 127.0.0.1:0)
//	-hosts N                   servers to start (ports PORT, PORT+1, ... or free ports; default 1)
//	-grounding-model NAME      the vision model's name (default medgemma-cxr-grounding)
//	-draft-model NAME          the text model's name (default nemotron-3-nano:4b)
//	-grounding-latency D       generation time of a grounding reply (default 400ms)
//	-draft-latency D           generation time of a draft reply (default 200ms)
//	-capacity N                generations at once per model per server, as OLLAMA_NUM_PARALLEL (default 1)
//	-grounding-reply JSON      the grounding reply (default a finding with a box)
//	-draft-reply JSON          the draft reply (default one label)
//	-draft-thinking TEXT       give the draft model the "thinking" capability and this reasoning before its reply
//	-models NAME=CAP+CAP,...   more models, replying "[]" after the draft latency (e.g. text-only=completion)
//
// Everything it returns is synthetic. cxr-auditor is for research and
// education only; it is not a medical device.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
	"github.com/cxr-auditor/cxr-auditor/prompts"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "fakeollama:", err)
		}
		os.Exit(2)
	}
}

// config is what the flags say.
type config struct {
	addr                           string
	hosts                          int
	groundingModel, draftModel     string
	groundingLatency, draftLatency time.Duration
	capacity                       int
	groundingReply, draftReply     string
	draftThinking                  string
	extra                          []ollamatest.Model
}

// Default replies: valid for the schemas cxr-auditor sends, so every item
// succeeds and disagrees (the finding is not in the draft's labels).
const (
	defaultGroundingReply = `[{"label":"nodule_mass","box_2d":[0.31,0.28,0.39,0.36]}]`
	defaultDraftReply     = `[{"label":"pleural_effusion","status":"absent","span":"No pleural effusion."}]`
)

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	var extra string
	fs := flag.NewFlagSet("fakeollama", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:0", "listen address of the first server (port 0: a free port)")
	fs.IntVar(&c.hosts, "hosts", 1, "servers to start (consecutive ports, or free ports with port 0)")
	fs.StringVar(&c.groundingModel, "grounding-model", prompts.DefaultGroundingModel, "the vision model's name")
	fs.StringVar(&c.draftModel, "draft-model", prompts.DefaultDraftModel, "the text model's name")
	fs.DurationVar(&c.groundingLatency, "grounding-latency", 400*time.Millisecond, "generation time of a grounding reply")
	fs.DurationVar(&c.draftLatency, "draft-latency", 200*time.Millisecond, "generation time of a draft reply")
	fs.IntVar(&c.capacity, "capacity", 1, "generations at once per model per server (OLLAMA_NUM_PARALLEL)")
	fs.StringVar(&c.groundingReply, "grounding-reply", defaultGroundingReply, "the grounding reply (JSON)")
	fs.StringVar(&c.draftReply, "draft-reply", defaultDraftReply, "the draft reply (JSON)")
	fs.StringVar(&c.draftThinking, "draft-thinking", "", "give the draft model the \"thinking\" capability and this reasoning before its reply")
	fs.StringVar(&extra, "models", "", "more models, NAME=CAP+CAP,... (they reply [] after the draft latency)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: fakeollama [flags]   (prints each server's URL on stdout, serves until interrupted)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case c.hosts < 1:
		return c, fmt.Errorf("-hosts %d: want 1 or more", c.hosts)
	case c.capacity < 1:
		return c, fmt.Errorf("-capacity %d: want 1 or more", c.capacity)
	case c.groundingLatency < 0 || c.draftLatency < 0:
		return c, errors.New("-grounding-latency and -draft-latency must not be negative")
	}
	for _, r := range []struct{ flag, v string }{{"-grounding-reply", c.groundingReply}, {"-draft-reply", c.draftReply}} {
		if !json.Valid([]byte(r.v)) {
			return c, fmt.Errorf("%s: not JSON: %s", r.flag, r.v)
		}
	}
	var err error
	if c.extra, err = parseModels(extra, c.draftLatency, c.capacity); err != nil {
		return c, fmt.Errorf("-models: %w", err)
	}
	return c, nil
}

// parseModels reads NAME=CAP+CAP,... ; a model without "=" has the
// capability "completion".
func parseModels(s string, latency time.Duration, capacity int) ([]ollamatest.Model, error) {
	var out []ollamatest.Model
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, caps, ok := strings.Cut(part, "=")
		if name = strings.TrimSpace(name); name == "" {
			return nil, fmt.Errorf("%q: no model name", part)
		}
		m := ollamatest.Model{Name: name, Capabilities: []string{"completion"}, Latency: latency, Capacity: capacity,
			Respond: fixed("[]"), Family: "llama", ContextLength: 8192}
		if ok {
			m.Capabilities = nil
			for _, c := range strings.Split(caps, "+") {
				if c = strings.TrimSpace(c); c != "" {
					m.Capabilities = append(m.Capabilities, c)
				}
			}
			if len(m.Capabilities) == 0 {
				return nil, fmt.Errorf("%q: no capability after =", part)
			}
		}
		out = append(out, m)
	}
	return out, nil
}

func fixed(content string) func(*api.ChatRequest) ollamatest.Reply {
	return func(*api.ChatRequest) ollamatest.Reply { return ollamatest.Reply{Content: content} }
}

// models are the models every server serves.
func (c config) models() []ollamatest.Model {
	draft := ollamatest.Model{Name: c.draftModel, Capabilities: []string{"completion"}, Family: "llama", ContextLength: 8192,
		Latency: c.draftLatency, Capacity: c.capacity, Respond: fixed(c.draftReply)}
	if c.draftThinking != "" {
		draft.Capabilities = append(draft.Capabilities, "thinking")
		draft.Respond = func(*api.ChatRequest) ollamatest.Reply {
			return ollamatest.Reply{Content: c.draftReply, Thinking: c.draftThinking}
		}
	}
	return append([]ollamatest.Model{
		{Name: c.groundingModel, Capabilities: []string{"completion", "vision"}, Family: "gemma3",
			Latency: c.groundingLatency, Capacity: c.capacity, Respond: fixed(c.groundingReply)},
		draft,
	}, c.extra...)
}

// addrs returns the listen address of each server: consecutive ports from
// addr's, or port 0 for each when addr's is 0.
func (c config) addrs() ([]string, error) {
	host, port, err := net.SplitHostPort(c.addr)
	if err != nil {
		return nil, fmt.Errorf("-addr %q: %w", c.addr, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p+c.hosts-1 > 65535 {
		return nil, fmt.Errorf("-addr %q: port %q: want 0-65535", c.addr, port)
	}
	out := make([]string, c.hosts)
	for i := range out {
		q := p
		if p != 0 {
			q = p + i
		}
		out[i] = net.JoinHostPort(host, strconv.Itoa(q))
	}
	return out, nil
}

// run starts the servers, prints their URLs on stdout and serves until ctx
// ends; then it stops them and prints what each model served on stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	addrs, err := c.addrs()
	if err != nil {
		return err
	}
	var servers []*ollamatest.Server
	defer func() {
		for _, s := range servers {
			s.Close()
		}
	}()
	for _, a := range addrs {
		s, err := ollamatest.Listen(a, c.models()...)
		if err != nil {
			return err
		}
		// A benchmark sends many images; keep none.
		s.SetRecordLimit(0)
		servers = append(servers, s)
		if _, err := fmt.Fprintln(stdout, s.URL()); err != nil {
			return err
		}
	}
	if f, ok := stdout.(interface{ Sync() error }); ok {
		_ = f.Sync()
	}
	<-ctx.Done()
	for _, s := range servers {
		for _, m := range c.models() {
			st := s.Stats(m.Name)
			fmt.Fprintf(stderr, "fakeollama: %s %s: %d requests, %d generations, at most %d at once\n",
				s.URL(), m.Name, st.Requests, st.Served, st.MaxConcurrent)
		}
	}
	return nil
}
