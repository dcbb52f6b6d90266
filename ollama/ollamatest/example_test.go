package ollamatest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/ollama/ollama/api"

	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
)

// A scripted vision model answers one synthetic image; the real Ollama api
// client talks to it over HTTP on 127.0.0.1.
func Example() {
	img := []byte("synthetic PNG bytes")
	sc := ollamatest.NewScript()
	sc.ByImage(ollamatest.ImageKey(img), ollamatest.Reply{Content: `{"findings":[{"label":"pneumothorax"}]}`})

	srv := ollamatest.NewServer(ollamatest.Model{
		Name:         "medgemma-cxr-grounding",
		Capabilities: []string{"completion", "vision"},
		Respond:      sc.Respond,
	})
	defer srv.Close()

	base, _ := url.Parse(srv.URL())
	client := api.NewClient(base, http.DefaultClient)
	req := &api.ChatRequest{
		Model:    "medgemma-cxr-grounding",
		Messages: []api.Message{{Role: "user", Content: "Locate findings.", Images: []api.ImageData{img}}},
		Options:  map[string]any{"temperature": 0, "seed": 42},
	}
	var out strings.Builder
	chunks := 0
	err := client.Chat(context.Background(), req, func(r api.ChatResponse) error {
		out.WriteString(r.Message.Content)
		chunks++
		if r.Done {
			fmt.Println("done_reason:", r.DoneReason)
		}
		return nil
	})
	fmt.Println("err:", err)
	fmt.Println("streamed in several chunks:", chunks > 5)
	fmt.Println(out.String())
	// Output:
	// done_reason: stop
	// err: <nil>
	// streamed in several chunks: true
	// {"findings":[{"label":"pneumothorax"}]}
}

// Injected faults reproduce what real servers do under load: here HTTP 503.
func ExampleServer_InjectFault() {
	srv := ollamatest.NewServer(ollamatest.Model{Name: "medgemma-cxr-grounding"})
	defer srv.Close()
	srv.InjectFault("medgemma-cxr-grounding", ollamatest.FaultBusy, 1)

	base, _ := url.Parse(srv.URL())
	client := api.NewClient(base, http.DefaultClient)
	req := &api.ChatRequest{Model: "medgemma-cxr-grounding", Messages: []api.Message{{Role: "user", Content: "hi"}}}
	err := client.Chat(context.Background(), req, func(api.ChatResponse) error { return nil })
	var se api.StatusError
	if errors.As(err, &se) {
		fmt.Println(se.StatusCode, se.ErrorMessage)
	}
	err = client.Chat(context.Background(), req, func(api.ChatResponse) error { return nil })
	fmt.Println("second try:", err)
	fmt.Println("served:", srv.Stats("medgemma-cxr-grounding").Served)
	// Output:
	// 503 server busy, please try again.  maximum pending requests exceeded
	// second try: <nil>
	// served: 1
}
