package replay_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/ollama/replay"
	"github.com/cxr-auditor/cxr-auditor/prompts"
	"github.com/cxr-auditor/cxr-auditor/radiograph"
	"github.com/cxr-auditor/cxr-auditor/radiograph/phantom"
)

// A one-item replay: a synthetic phantom, a hand-written draft and
// hand-written recorded outputs, served to the real pipeline client.
func ExampleNewServer() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "replay-example")
	defer os.RemoveAll(dir)
	var img bytes.Buffer
	_ = phantom.Render(phantom.Spec{Variant: phantom.Pneumothorax, Width: 64, Height: 78, Seed: 1}).Write(&img, phantom.PNG8, "ex")
	_ = os.WriteFile(filepath.Join(dir, "ptx.png"), img.Bytes(), 0o644)
	_ = os.WriteFile(filepath.Join(dir, "worklist.csv"), []byte("id,image,draft\nex-1,ptx.png,Lungs are clear.\n"), 0o644)
	_ = os.WriteFile(filepath.Join(dir, "recorded.jsonl"), []byte(
		`{"id":"ex-1","stage":"grounding","content":"[{\"label\": \"pneumothorax\", \"box_2d\": [0.15, 0.6, 0.6, 0.85]}]"}`+"\n"+
			`{"id":"ex-1","stage":"draft","content":"[{\"label\": \"lung_opacity_consolidation\", \"status\": \"absent\", \"span\": \"Lungs are clear.\"}]","thinking":"Clear lungs deny opacity."}`+"\n"), 0o644)

	srv, err := replay.NewServer(ctx, filepath.Join(dir, "worklist.csv"), filepath.Join(dir, "recorded.jsonl"), replay.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	host, _ := ollama.NewHost(srv.URL(), ollama.DefaultOptions())

	r, _ := radiograph.Load(ctx, filepath.Join(dir, "ptx.png"), radiograph.LoadOptions{})
	png, _, _ := radiograph.ModelInput(r, r.DefaultWindow, radiograph.ModelSquash)
	g, err := host.Ground(ctx, prompts.DefaultGroundingModel, png)
	fmt.Println(g.Findings[0].Label, err)
	d, err := host.ParseDraft(ctx, prompts.DefaultDraftModel, "Lungs are clear.", true)
	fmt.Println(d.Labels[0].Label, d.Labels[0].Status, err)
	fmt.Println(d.Thinking)
	// Output:
	// pneumothorax <nil>
	// lung_opacity_consolidation absent <nil>
	// Clear lungs deny opacity.
}
