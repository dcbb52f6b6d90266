package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/prompts"
)

// syncBuffer collects stderr while run writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs the command with args until the test ends and returns the
// URLs it printed and its stderr.
func start(t *testing.T, hosts int, args ...string) ([]string, *syncBuffer, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, pw, stderr)
		pw.Close()
	}()
	var urls []string
	sc := bufio.NewScanner(pr)
	for len(urls) < hosts && sc.Scan() {
		urls = append(urls, sc.Text())
	}
	require.Len(t, urls, hosts, "stderr: %s", stderr.String())
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	stop := func() {
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Fatal("run did not return after its context ended")
		}
	}
	t.Cleanup(cancel)
	return urls, stderr, stop
}

func client(t *testing.T, base string) *api.Client {
	t.Helper()
	u, err := url.Parse(base)
	require.NoError(t, err)
	return api.NewClient(u, &http.Client{})
}

func chat(t *testing.T, c *api.Client, model string, think bool) (content, thinking string) {
	t.Helper()
	var cb, tb strings.Builder
	req := &api.ChatRequest{Model: model, Messages: []api.Message{{Role: "user", Content: "Locate findings."}}}
	if think {
		req.Think = &api.ThinkValue{Value: true}
	}
	require.NoError(t, c.Chat(t.Context(), req, func(r api.ChatResponse) error {
		cb.WriteString(r.Message.Content)
		tb.WriteString(r.Message.Thinking)
		return nil
	}))
	return cb.String(), tb.String()
}

func TestServesTheDefaultModels(t *testing.T) {
	urls, stderr, stop := start(t, 1, "-grounding-latency", "10ms", "-draft-latency", "5ms")
	c := client(t, urls[0])
	ctx := t.Context()
	for _, tc := range []struct {
		model string
		caps  []string
		reply string
	}{
		{prompts.DefaultGroundingModel, []string{"completion", "vision"}, defaultGroundingReply},
		{prompts.DefaultDraftModel, []string{"completion"}, defaultDraftReply},
	} {
		show, err := c.Show(ctx, &api.ShowRequest{Model: tc.model})
		require.NoError(t, err)
		var caps []string
		for _, c := range show.Capabilities {
			caps = append(caps, string(c))
		}
		assert.Equal(t, tc.caps, caps)
		content, _ := chat(t, c, tc.model, false)
		assert.Equal(t, tc.reply, content)
	}
	stop()
	assert.Contains(t, stderr.String(), prompts.DefaultGroundingModel+": 1 requests, 1 generations, at most 1 at once")
}

func TestFlags(t *testing.T) {
	urls, _, stop := start(t, 2, "-hosts", "2", "-grounding-model", "g", "-draft-model", "d",
		"-grounding-reply", `[{"label":"no_finding"}]`, "-draft-thinking", "The draft is normal.", "-models", "text-only=completion,seer=completion+vision")
	require.NotEqual(t, urls[0], urls[1])
	for _, u := range urls {
		c := client(t, u)
		content, _ := chat(t, c, "g", false)
		assert.Equal(t, `[{"label":"no_finding"}]`, content)
		_, thinking := chat(t, c, "d", true)
		assert.Equal(t, "The draft is normal.", thinking)
		show, err := c.Show(t.Context(), &api.ShowRequest{Model: "seer"})
		require.NoError(t, err)
		assert.Len(t, show.Capabilities, 2)
		content, _ = chat(t, c, "text-only", false)
		assert.Equal(t, "[]", content)
	}
	stop()
}

func TestConsecutivePorts(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	c := config{addr: "127.0.0.1:" + strconv.Itoa(port), hosts: 3}
	addrs, err := c.addrs()
	require.NoError(t, err)
	assert.Equal(t, []string{"127.0.0.1:" + strconv.Itoa(port), "127.0.0.1:" + strconv.Itoa(port+1), "127.0.0.1:" + strconv.Itoa(port+2)}, addrs)
	c.addr = "127.0.0.1:0"
	addrs, err = c.addrs()
	require.NoError(t, err)
	assert.Equal(t, []string{"127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"}, addrs)
}

func TestBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-hosts", "0"}, "-hosts 0"},
		{[]string{"-capacity", "0"}, "-capacity 0"},
		{[]string{"-draft-latency", "-1s"}, "must not be negative"},
		{[]string{"-grounding-reply", "[{"}, "-grounding-reply: not JSON"},
		{[]string{"-models", "=vision"}, "no model name"},
		{[]string{"-models", "x="}, "no capability"},
		{[]string{"-addr", "nowhere"}, `-addr "nowhere"`},
		{[]string{"-addr", "127.0.0.1:65535", "-hosts", "2"}, "want 0-65535"},
		{[]string{"stray"}, `unexpected argument "stray"`},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			err := run(t.Context(), tc.args, io.Discard, io.Discard)
			require.ErrorContains(t, err, tc.want)
		})
	}
}
