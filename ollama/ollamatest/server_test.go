package ollamatest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
)

// All replies in these tests are synthetic.

const vision = "medgemma-test"

func newServer(t *testing.T, models ...ollamatest.Model) *ollamatest.Server {
	t.Helper()
	if len(models) == 0 {
		models = []ollamatest.Model{
			{Name: vision, Capabilities: []string{"completion", "vision"}, Respond: fixed(`{"findings":[{"label":"pneumothorax","box_2d":[100,200,300,400]}]}`)},
			{Name: "thinker:4b", Capabilities: []string{"completion", "thinking"}, Respond: func(*api.ChatRequest) ollamatest.Reply {
				return ollamatest.Reply{Content: `{"labels":[]}`, Thinking: "The draft mentions no finding."}
			}},
		}
	}
	srv := ollamatest.NewServer(models...)
	t.Cleanup(srv.Close)
	return srv
}

func fixed(content string) func(*api.ChatRequest) ollamatest.Reply {
	return func(*api.ChatRequest) ollamatest.Reply { return ollamatest.Reply{Content: content} }
}

func client(t testing.TB, srv *ollamatest.Server) *api.Client {
	t.Helper()
	u, err := url.Parse(srv.URL())
	require.NoError(t, err)
	return api.NewClient(u, &http.Client{})
}

type rawReply struct {
	status      int
	contentType string
	body        string
}

func post(t *testing.T, srv *ollamatest.Server, path, body string) rawReply {
	t.Helper()
	resp, err := http.Post(srv.URL()+path, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return rawReply{resp.StatusCode, resp.Header.Get("Content-Type"), string(b)}
}

func get(t *testing.T, srv *ollamatest.Server, path string) rawReply {
	t.Helper()
	resp, err := http.Get(srv.URL() + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return rawReply{resp.StatusCode, resp.Header.Get("Content-Type"), string(b)}
}

func chatReq(model string, stream bool) *api.ChatRequest {
	return &api.ChatRequest{
		Model:    model,
		Messages: []api.Message{{Role: "user", Content: "Locate findings."}},
		Stream:   &stream,
		Options:  map[string]any{"temperature": 0, "seed": 42},
	}
}

// collect runs a chat through the real api client and gathers the chunks.
func collect(ctx context.Context, c *api.Client, req *api.ChatRequest) ([]api.ChatResponse, error) {
	var got []api.ChatResponse
	err := c.Chat(ctx, req, func(r api.ChatResponse) error {
		got = append(got, r)
		return nil
	})
	return got, err
}

func joined(rs []api.ChatResponse) (content, thinking string) {
	var c, th strings.Builder
	for _, r := range rs {
		c.WriteString(r.Message.Content)
		th.WriteString(r.Message.Thinking)
	}
	return c.String(), th.String()
}

func TestWireErrors(t *testing.T) {
	srv := newServer(t)
	tests := []struct {
		name, path, body string
		status           int
		contentType      string
		want             string
	}{
		{"missing model chat", "/api/chat", `{"model":"nope-missing","messages":[{"role":"user","content":"hi"}]}`, 404, "application/json; charset=utf-8", `{"error":"model 'nope-missing' not found"}`},
		{"missing model show", "/api/show", `{"model":"nope-missing"}`, 404, "application/json; charset=utf-8", `{"error":"model 'nope-missing' not found"}`},
		{"think on non-thinking model", "/api/chat", `{"model":"medgemma-test","messages":[{"role":"user","content":"hi"}],"think":true}`, 400, "application/json; charset=utf-8", `{"error":"\"medgemma-test\" does not support thinking"}`},
		{"format yaml", "/api/chat", `{"model":"medgemma-test","messages":[{"role":"user","content":"hi"}],"format":"yaml"}`, 500, "application/json", `{"error":"invalid format: \"\\\"yaml\\\"\"; expected \"json\" or a valid JSON Schema object"}`},
		{"format array", "/api/chat", `{"model":"medgemma-test","messages":[{"role":"user","content":"hi"}],"format":[1]}`, 500, "application/json", `{"error":"invalid format: \"[1]\"; expected \"json\" or a valid JSON Schema object"}`},
		{"format dangling ref", "/api/chat", `{"model":"medgemma-test","messages":[{"role":"user","content":"hi"}],"format":{"$ref":"#/$defs/nope"}}`, 500, "application/json", `{"error":"invalid JSON schema in format"}`},
		{"format error without stream has charset", "/api/chat", `{"model":"medgemma-test","stream":false,"messages":[{"role":"user","content":"hi"}],"format":"yaml"}`, 500, "application/json; charset=utf-8", `{"error":"invalid format: \"\\\"yaml\\\"\"; expected \"json\" or a valid JSON Schema object"}`},
		{"bad body", "/api/chat", `{"model":"medgemma-test","messages":[`, 400, "application/json; charset=utf-8", `{"error":"unexpected EOF"}`},
		{"empty body", "/api/chat", ``, 400, "application/json; charset=utf-8", `{"error":"missing request body"}`},
		{"no model", "/api/chat", `{"messages":[]}`, 400, "application/json; charset=utf-8", `{"error":"model is required"}`},
		{"show no model", "/api/show", `{}`, 400, "application/json; charset=utf-8", `{"error":"model is required"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := post(t, srv, tt.path, tt.body)
			assert.Equal(t, tt.status, got.status)
			assert.Equal(t, tt.contentType, got.contentType)
			assert.JSONEq(t, tt.want, got.body)
		})
	}
}

func TestMetadataEndpoints(t *testing.T) {
	srv := newServer(t)
	c := client(t, srv)
	ctx := t.Context()

	v, err := c.Version(ctx)
	require.NoError(t, err)
	assert.Equal(t, ollamatest.Version, v)
	assert.Equal(t, "application/json; charset=utf-8", get(t, srv, "/api/version").contentType)

	tags, err := c.List(ctx)
	require.NoError(t, err)
	require.Len(t, tags.Models, 2)
	assert.Equal(t, "medgemma-test:latest", tags.Models[0].Name)
	assert.Len(t, tags.Models[0].Digest, 64)
	assert.NotEqual(t, tags.Models[0].Digest, tags.Models[1].Digest)

	show, err := c.Show(ctx, &api.ShowRequest{Model: "medgemma-test:latest"})
	require.NoError(t, err)
	require.Len(t, show.Capabilities, 2)
	assert.Equal(t, "vision", string(show.Capabilities[1]))
	assert.Equal(t, "gemma3", show.Details.Family)
	assert.Equal(t, "gemma3", show.ModelInfo["general.architecture"])

	_, err = c.Show(ctx, &api.ShowRequest{Model: "NOPE"})
	var se api.StatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusNotFound, se.StatusCode)
	assert.Equal(t, "model 'NOPE' not found", se.ErrorMessage)

	resp, err := http.Head(srv.URL() + "/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	require.NoError(t, c.Heartbeat(ctx))
}

func TestPreloadAndUnload(t *testing.T) {
	srv := newServer(t)
	c := client(t, srv)
	ctx := t.Context()
	ps, err := c.ListRunning(ctx)
	require.NoError(t, err)
	assert.Empty(t, ps.Models)

	keep := &api.Duration{Duration: 30 * time.Minute}
	got, err := collect(ctx, c, &api.ChatRequest{Model: vision, Messages: []api.Message{}, KeepAlive: keep, Options: map[string]any{"num_ctx": 8192}})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.True(t, got[0].Done)
	assert.Equal(t, "load", got[0].DoneReason)

	ps, err = c.ListRunning(ctx)
	require.NoError(t, err)
	require.Len(t, ps.Models, 1)
	assert.Equal(t, "medgemma-test:latest", ps.Models[0].Name)
	assert.Equal(t, 8192, ps.Models[0].ContextLength)
	assert.WithinDuration(t, time.Now().Add(30*time.Minute), ps.Models[0].ExpiresAt, time.Minute)

	got, err = collect(ctx, c, &api.ChatRequest{Model: vision, KeepAlive: &api.Duration{}})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "unload", got[0].DoneReason)
	ps, err = c.ListRunning(ctx)
	require.NoError(t, err)
	assert.Empty(t, ps.Models)

	raw := post(t, srv, "/api/chat", `{"model":"medgemma-test","messages":[],"keep_alive":"10m"}`)
	assert.Equal(t, 200, raw.status)
	assert.Equal(t, "application/json; charset=utf-8", raw.contentType)
	assert.Contains(t, raw.body, `"done_reason":"load"`)
}

func TestStreamingShape(t *testing.T) {
	srv := newServer(t)
	raw := post(t, srv, "/api/chat", `{"model":"medgemma-test","messages":[{"role":"user","content":"hi"}],"format":"json"}`)
	require.Equal(t, 200, raw.status)
	assert.Equal(t, "application/x-ndjson", raw.contentType)
	lines := strings.Split(strings.TrimSuffix(raw.body, "\n"), "\n")
	require.Greater(t, len(lines), 5, "content is split into several chunks")

	var first map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &first))
	assert.Equal(t, "medgemma-test", first["model"])
	assert.Equal(t, map[string]any{"role": "assistant", "content": "{"}, first["message"])
	assert.Equal(t, false, first["done"])
	assert.NotContains(t, first, "eval_count")

	var last map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &last))
	assert.Equal(t, true, last["done"])
	assert.Equal(t, "stop", last["done_reason"])
	assert.Equal(t, map[string]any{"role": "assistant", "content": ""}, last["message"])
	for _, k := range []string{"total_duration", "load_duration", "prompt_eval_count", "prompt_eval_duration", "eval_count", "eval_duration"} {
		assert.Contains(t, last, k)
	}
	// One token a chunk, and the end-of-text token that stopped the
	// reply: as many as the lines (a real server sent 25 lines with
	// eval_count 25).
	assert.EqualValues(t, len(lines), last["eval_count"])

	raw = post(t, srv, "/api/chat", `{"model":"medgemma-test","stream":false,"messages":[{"role":"user","content":"hi"}]}`)
	require.Equal(t, 200, raw.status)
	assert.Equal(t, "application/json; charset=utf-8", raw.contentType)
	var one api.ChatResponse
	require.NoError(t, json.Unmarshal([]byte(raw.body), &one))
	assert.True(t, one.Done)
	assert.Equal(t, `{"findings":[{"label":"pneumothorax","box_2d":[100,200,300,400]}]}`, one.Message.Content)
}

func TestChatThroughAPIClient(t *testing.T) {
	srv := newServer(t)
	c := client(t, srv)
	tests := []struct {
		name         string
		req          *api.ChatRequest
		wantContent  string
		wantThinking string
		wantReason   string
	}{
		{"stream", chatReq(vision, true), `{"findings":[{"label":"pneumothorax","box_2d":[100,200,300,400]}]}`, "", "stop"},
		{"no stream", chatReq(vision, false), `{"findings":[{"label":"pneumothorax","box_2d":[100,200,300,400]}]}`, "", "stop"},
		{"thinking by default on a thinking model", chatReq("thinker:4b", true), `{"labels":[]}`, "The draft mentions no finding.", "stop"},
		{"think false", func() *api.ChatRequest {
			r := chatReq("thinker:4b", true)
			r.Think = &api.ThinkValue{Value: false}
			return r
		}(), `{"labels":[]}`, "", "stop"},
		{"num_predict cuts with length", func() *api.ChatRequest {
			r := chatReq(vision, true)
			r.Options["num_predict"] = 5
			return r
		}(), `{"findings"`, "", "length"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collect(t.Context(), c, tt.req)
			require.NoError(t, err)
			require.NotEmpty(t, got)
			content, thinking := joined(got)
			assert.Equal(t, tt.wantContent, content)
			assert.Equal(t, tt.wantThinking, thinking)
			last := got[len(got)-1]
			assert.True(t, last.Done)
			assert.Equal(t, tt.wantReason, last.DoneReason)
			assert.Positive(t, last.EvalCount)
			assert.Positive(t, last.PromptEvalCount)
		})
	}
}

func TestFaultsThroughAPIClient(t *testing.T) {
	const content = `{"findings":[{"label":"pneumothorax","box_2d":[100,200,300,400]},{"label":"nodule_mass"}]}`
	tests := []struct {
		name   string
		fault  ollamatest.Fault
		stream bool
		check  func(t *testing.T, got []api.ChatResponse, err error)
	}{
		{"not found", ollamatest.FaultNotFound, true, statusErr(404, "model 'medgemma-test' not found")},
		{"server error", ollamatest.FaultServerError, true, statusErr(500, ollamatest.ServerErrorMessage)},
		{"busy", ollamatest.FaultBusy, true, statusErr(503, ollamatest.BusyMessage)},
		{"stream cut: v0.17 client returns nil without done", ollamatest.FaultStreamCut, true, func(t *testing.T, got []api.ChatResponse, err error) {
			require.NoError(t, err)
			require.NotEmpty(t, got)
			c, _ := joined(got)
			assert.True(t, strings.HasPrefix(content, c))
			assert.Less(t, len(c), len(content))
			assert.False(t, got[len(got)-1].Done)
		}},
		{"stream cut without stream", ollamatest.FaultStreamCut, false, func(t *testing.T, got []api.ChatResponse, err error) {
			require.Error(t, err)
			assert.Empty(t, got)
		}},
		{"malformed line", ollamatest.FaultMalformedLine, true, func(t *testing.T, got []api.ChatResponse, err error) {
			require.Error(t, err)
			assert.Contains(t, err.Error(), `"created_at":`)
			assert.NotEmpty(t, got)
		}},
		{"error line after 200", ollamatest.FaultErrorLine, true, func(t *testing.T, got []api.ChatResponse, err error) {
			require.EqualError(t, err, ollamatest.ErrorLineMessage)
			var se api.StatusError
			assert.NotErrorAs(t, err, &se, "HTTP status was 200")
			assert.NotEmpty(t, got)
		}},
		{"error without stream is a 500", ollamatest.FaultErrorLine, false, statusErr(500, ollamatest.ErrorLineMessage)},
		{"repetition abort ends without done", ollamatest.FaultRepetitionAbort, true, func(t *testing.T, got []api.ChatResponse, err error) {
			require.NoError(t, err)
			c, _ := joined(got)
			assert.Equal(t, content+strings.Repeat("}", 30), c)
			for _, r := range got {
				assert.False(t, r.Done)
			}
		}},
		{"repetition abort without stream: done false, no metrics", ollamatest.FaultRepetitionAbort, false, func(t *testing.T, got []api.ChatResponse, err error) {
			require.NoError(t, err)
			require.Len(t, got, 1)
			assert.False(t, got[0].Done)
			assert.Empty(t, got[0].DoneReason)
			assert.Zero(t, got[0].EvalCount)
			assert.Equal(t, content+strings.Repeat("}", 30), got[0].Message.Content)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, ollamatest.Model{Name: vision, Capabilities: []string{"completion", "vision"}, Respond: fixed(content)})
			srv.InjectFault(vision, tt.fault, 1)
			got, err := collect(t.Context(), client(t, srv), chatReq(vision, tt.stream))
			tt.check(t, got, err)

			// The fault was used up: the next request succeeds.
			got, err = collect(t.Context(), client(t, srv), chatReq(vision, tt.stream))
			require.NoError(t, err)
			c, _ := joined(got)
			assert.Equal(t, content, c)
			assert.True(t, got[len(got)-1].Done)
		})
	}
}

func statusErr(code int, msg string) func(t *testing.T, got []api.ChatResponse, err error) {
	return func(t *testing.T, got []api.ChatResponse, err error) {
		var se api.StatusError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, code, se.StatusCode)
		assert.Equal(t, msg, se.ErrorMessage)
		assert.Empty(t, got)
	}
}

func TestStallUntilClientCancels(t *testing.T) {
	srv := newServer(t)
	srv.InjectFault(vision, ollamatest.FaultStall, 1)
	ctx, cancel := context.WithCancel(t.Context())
	firstChunk := make(chan struct{})
	var once sync.Once
	done := make(chan error, 1)
	go func() {
		done <- client(t, srv).Chat(ctx, chatReq(vision, true), func(api.ChatResponse) error {
			once.Do(func() { close(firstChunk) })
			return nil
		})
	}()
	<-firstChunk
	cancel()
	<-done
	require.ErrorIs(t, ctx.Err(), context.Canceled)
	assert.Equal(t, 1, srv.Stats(vision).Served)
}

func TestCloseReleasesStalledRequests(t *testing.T) {
	srv := ollamatest.NewServer(ollamatest.Model{Name: vision})
	srv.InjectFault(vision, ollamatest.FaultStall, 1)
	stalled := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- client(t, srv).Chat(context.Background(), chatReq(vision, true), func(api.ChatResponse) error {
			close(stalled)
			return nil
		})
	}()
	<-stalled
	srv.Close() // must return although a handler is stalled
	<-done
	srv.Close() // idempotent
	_, err := http.Get(srv.URL() + "/api/version")
	assert.Error(t, err)
}

func TestCapacityQueuesLikeAGPU(t *testing.T) {
	srv := newServer(t, ollamatest.Model{Name: vision, Capacity: 2, Latency: 50 * time.Millisecond})
	c := client(t, srv)
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range 6 {
		wg.Go(func() {
			_, err := collect(t.Context(), c, chatReq(vision, true))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	st := srv.Stats(vision)
	assert.Equal(t, 6, st.Served)
	assert.Equal(t, 6, st.Requests)
	assert.Equal(t, 2, st.MaxConcurrent)
	assert.Zero(t, st.InFlight)
}

func TestCancelledQueuedClientFreesItsPlace(t *testing.T) {
	srv := newServer(t, ollamatest.Model{Name: vision, Capacity: 1})
	c := client(t, srv)
	srv.InjectFault(vision, ollamatest.FaultStall, 1)

	// A holds the only slot, stalled.
	ctxA, cancelA := context.WithCancel(t.Context())
	stalled := make(chan struct{})
	doneA := make(chan struct{})
	go func() {
		defer close(doneA)
		_ = c.Chat(ctxA, chatReq(vision, true), func(api.ChatResponse) error {
			close(stalled)
			return nil
		})
	}()
	<-stalled

	// B queues behind A, then gives up.
	ctxB, cancelB := context.WithCancel(t.Context())
	doneB := make(chan struct{})
	go func() {
		defer close(doneB)
		_, _ = collect(ctxB, c, chatReq(vision, true))
	}()
	require.Eventually(t, func() bool { return srv.Stats(vision).Queued == 1 }, 10*time.Second, time.Millisecond)
	cancelB()
	<-doneB
	// The server notices B's disconnect on its own schedule; only then
	// is A released, so the slot cannot go to B.
	require.Eventually(t, func() bool { return srv.Stats(vision).Queued == 0 }, 10*time.Second, time.Millisecond)
	cancelA()
	<-doneA

	// C gets the slot.
	got, err := collect(t.Context(), c, chatReq(vision, true))
	require.NoError(t, err)
	assert.True(t, got[len(got)-1].Done)
	st := srv.Stats(vision)
	assert.Equal(t, 2, st.Served, "B never got a slot")
	assert.Equal(t, 1, st.MaxConcurrent)
}

func TestScriptAndRequests(t *testing.T) {
	sc := ollamatest.NewScript()
	img := []byte("synthetic image bytes")
	sc.ByImage(ollamatest.ImageKey(img), ollamatest.Reply{Content: "by image"})
	sc.ByText("effusion", ollamatest.Reply{Content: "by text", DoneReason: "length"})
	sc.ByText("eff", ollamatest.Reply{Content: "shadowed"})
	srv := newServer(t, ollamatest.Model{Name: vision, Capabilities: []string{"completion", "vision"}, Respond: sc.Respond})
	c := client(t, srv)

	ask := func(m api.Message) (string, string) {
		got, err := collect(t.Context(), c, &api.ChatRequest{Model: vision, Messages: []api.Message{m}})
		require.NoError(t, err)
		content, _ := joined(got)
		return content, got[len(got)-1].DoneReason
	}
	content, reason := ask(api.Message{Role: "user", Content: "small effusion", Images: []api.ImageData{img}})
	assert.Equal(t, "by image", content)
	assert.Equal(t, "stop", reason)
	content, reason = ask(api.Message{Role: "user", Content: "small effusion"})
	assert.Equal(t, "by text", content)
	assert.Equal(t, "length", reason)
	content, _ = ask(api.Message{Role: "user", Content: "clear lungs"})
	assert.Equal(t, ollamatest.DefaultContent, content)
	sc.Default(ollamatest.Reply{Content: "fallback"})
	content, _ = ask(api.Message{Role: "user", Content: "clear lungs"})
	assert.Equal(t, "fallback", content)

	reqs := srv.Requests()
	require.Len(t, reqs, 4)
	assert.Equal(t, img, []byte(reqs[0].Messages[0].Images[0]))
	assert.Equal(t, "clear lungs", reqs[3].Messages[0].Content)
}

func TestScriptedFault(t *testing.T) {
	srv := newServer(t, ollamatest.Model{Name: vision, Respond: func(*api.ChatRequest) ollamatest.Reply {
		return ollamatest.Reply{Fault: ollamatest.FaultBusy}
	}})
	_, err := collect(t.Context(), client(t, srv), chatReq(vision, true))
	var se api.StatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusServiceUnavailable, se.StatusCode)
}

func TestLatencyIsSpreadOverChunks(t *testing.T) {
	srv := newServer(t, ollamatest.Model{Name: vision, Latency: 50 * time.Millisecond, Respond: fixed("one two three four five six")})
	resp, err := http.Post(srv.URL()+"/api/chat", "application/json", strings.NewReader(`{"model":"medgemma-test","messages":[{"role":"user","content":"x"}]}`))
	require.NoError(t, err)
	defer resp.Body.Close()
	var stamps []time.Time
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		stamps = append(stamps, time.Now())
	}
	require.NoError(t, sc.Err())
	require.Greater(t, len(stamps), 3)
	// Chunks arrive over time, not all at once: the last comes well after
	// the first (at least half the latency).
	assert.GreaterOrEqual(t, stamps[len(stamps)-1].Sub(stamps[0]), 25*time.Millisecond)
}

func TestFaultString(t *testing.T) {
	assert.Equal(t, "stream_cut", ollamatest.FaultStreamCut.String())
	assert.Equal(t, "repetition_abort", ollamatest.FaultRepetitionAbort.String())
	assert.Equal(t, "fault(99)", ollamatest.Fault(99).String())
}

func TestReplyLatencyOverridesModelLatency(t *testing.T) {
	tests := []struct {
		name         string
		modelLatency time.Duration
		replyLatency time.Duration
		atLeast      time.Duration
		below        time.Duration
	}{
		// The model alone would take 5 s; the reply's 30 ms wins.
		{"reply latency wins", 5 * time.Second, 30 * time.Millisecond, 30 * time.Millisecond, 5 * time.Second},
		// Zero leaves the model's latency in force.
		{"zero keeps the model latency", 40 * time.Millisecond, 0, 40 * time.Millisecond, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, ollamatest.Model{Name: vision, Latency: tt.modelLatency, Respond: func(*api.ChatRequest) ollamatest.Reply {
				return ollamatest.Reply{Content: "one two three", Latency: tt.replyLatency}
			}})
			got, err := collect(t.Context(), client(t, srv), chatReq(vision, true))
			require.NoError(t, err)
			last := got[len(got)-1]
			require.True(t, last.Done)
			assert.GreaterOrEqual(t, last.TotalDuration, tt.atLeast)
			assert.Less(t, last.TotalDuration, tt.below)
		})
	}
}

func TestRecordLimit(t *testing.T) {
	srv := newServer(t)
	c := client(t, srv)
	ask := func(content string) {
		_, err := collect(t.Context(), c, &api.ChatRequest{Model: vision, Messages: []api.Message{{Role: "user", Content: content}}})
		require.NoError(t, err)
	}
	ask("1")
	ask("2")
	ask("3")
	require.Len(t, srv.Requests(), 3, "unlimited by default")
	srv.SetRecordLimit(2)
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "2", reqs[0].Messages[0].Content)
	ask("4")
	reqs = srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "4", reqs[1].Messages[0].Content)
	srv.SetRecordLimit(0)
	ask("5")
	assert.Empty(t, srv.Requests())
	assert.Equal(t, 5, srv.Stats(vision).Requests, "stats still count")
}
