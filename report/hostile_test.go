package report

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/agreement"
	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// hostile are strings that would run or fetch something if written as
// they are: a script, an attribute breakout with an event handler, a
// javascript: URL, an SVG breakout and a Markdown link and image.
var hostile = []string{
	`<script>window.__pwned=1</script>`,
	`"><img src=x onerror="window.__pwned=2">`,
	`javascript:window.__pwned=3`,
	`</title></desc></svg><script>window.__pwned=4</script>`,
	`[click](javascript:alert(5)) ![x](http://example.invalid/x.png)`,
}

// hostileInput puts the hostile strings everywhere outside text reaches:
// item ids, drafts, run names, model names, digests, sources, readers,
// study names and the title.
func hostileInput(t testing.TB) Input {
	in := withPhantom(t, fixture(30, 2, 9))
	in.Title = hostile[0]
	in.Sources = hostile
	for i := range in.Items[:len(hostile)] {
		in.Items[i].ID = hostile[i] + " #" + string(rune('a'+i))
		in.Items[i].Draft = hostile[(i+1)%len(hostile)]
		// An urgent miss, so that the item is pictured.
		in.Items[i].Truth = append(in.Items[i].Truth, schema.Finding{Label: schema.Pneumothorax, Box: &schema.Box{Y0: .1, X0: .1, Y1: .3, X1: .3}})
	}
	for r := range in.Runs {
		in.Runs[r].Name = hostile[r+1]
		in.Runs[r].Info.Model, in.Runs[r].Info.ModelDigest, in.Runs[r].Info.DraftModel = hostile[r], hostile[r+2], hostile[3]
		for i := range hostile {
			in.Runs[r].Preds[i] = nil
		}
	}
	for i, who := range []string{hostile[1], hostile[3]} {
		for j := range 12 {
			d := audit.Decisions()[(i*j+j)%3]
			in.Verdicts = append(in.Verdicts, audit.Verdict{ItemID: in.Items[j].ID, DisagreementKey: hostile[2], Label: schema.Pneumothorax,
				Kind: audit.MissedInDraft, Decision: d, Annotator: who, At: in.Now})
		}
	}
	ratings, _ := agreement.FromVerdicts(in.Verdicts)
	rep, err := agreement.Measure(ratings, agreement.Options{MinReaders: 2, Level: 0.95})
	require.NoError(t, err)
	in.Agreement = &rep
	in.Study = &Study{Progress: audit.StudyProgress{Study: hostile[4], Readers: []audit.ReaderProgress{{Reader: hostile[0]}}}}
	return in
}

func TestHostileTextIsEscapedInHTML(t *testing.T) {
	doc, err := Build(context.Background(), hostileInput(t))
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, WriteHTML(&b, doc))
	html := b.String()
	// The page's only script element is its own.
	assert.Equal(t, 1, strings.Count(strings.ToLower(html), "<script"), "one script element")
	for _, bad := range []string{"<img src=x", "onerror=\"", "href=\"javascript:", "</svg><script", "src=\"http"} {
		assert.NotContains(t, html, bad)
	}
	assert.Contains(t, html, "&lt;script&gt;window.__pwned=1&lt;/script&gt;", "shown as text")
}

func TestHostileTextIsEscapedInMarkdown(t *testing.T) {
	doc, err := Build(context.Background(), hostileInput(t))
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, WriteMarkdown(&b, doc, t.TempDir(), "files"))
	md := b.String()
	for _, bad := range []string{"<script", "<img", "](javascript:", "](http://example", "![x]("} {
		assert.NotContains(t, md, bad)
	}
	assert.Contains(t, md, "&lt;script&gt;")
}
