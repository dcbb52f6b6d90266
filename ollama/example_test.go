package ollama_test

import (
	"context"
	"fmt"

	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
)

// Ground one synthetic image on a test server. Against a real server, pass
// its URL (or "" for OLLAMA_HOST) to NewHost.
func ExampleHost_Ground() {
	png := []byte("synthetic padded PNG")
	sc := ollamatest.NewScript()
	sc.ByImage(ollamatest.ImageKey(png), ollamatest.Reply{
		Content:    `[{"label":"pneumothorax","box_2d":[0.1,0.6,0.4,0.9]},{"label":"nodule_ma`,
		DoneReason: "length", // cut by num_predict
	})
	srv := ollamatest.NewServer(ollamatest.Model{
		Name:         "medgemma-cxr-grounding",
		Capabilities: []string{"completion", "vision"},
		Respond:      sc.Respond,
	})
	defer srv.Close()

	h, err := ollama.NewHost(srv.URL(), ollama.DefaultOptions())
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	if err := h.Preload(ctx, "medgemma-cxr-grounding"); err != nil {
		fmt.Println(err)
		return
	}
	rec, err := h.Ground(ctx, "medgemma-cxr-grounding", png)
	fmt.Println("err:", err)
	fmt.Println("done_reason:", rec.DoneReason, "salvaged:", rec.Diagnostics.Salvaged)
	for _, f := range rec.Findings {
		fmt.Println(f.Label, *f.Box)
	}
	fmt.Println("options:", rec.Options)
	// Output:
	// err: <nil>
	// done_reason: length salvaged: true
	// pneumothorax {0.1 0.6 0.4 0.9}
	// options: {"num_ctx":8192,"num_predict":512,"seed":42,"temperature":0}
}
