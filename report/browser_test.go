package report

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chromium finds Debian's chromium (what .ci/run installs), or skips.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium on PATH: apt-get install chromium (.ci/run does) to open the report in a real browser")
	return ""
}

// pageLog is what the browser did while the page was open: every
// request, and every console error, exception or log error (a CSP
// violation is one).
type pageLog struct {
	mu       sync.Mutex
	requests []string
	errors   []string
}

func (l *pageLog) add(list *[]string, s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	*list = append(*list, s)
}

func (l *pageLog) listen(ev any) {
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		l.add(&l.requests, e.Request.URL)
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
			l.add(&l.errors, fmt.Sprintf("console.%s %v", e.Type, e.Args))
		}
	case *runtime.EventExceptionThrown:
		l.add(&l.errors, "exception: "+e.ExceptionDetails.Text)
	case *log.EventEntryAdded:
		if e.Entry.Level == log.EntryLevelError || e.Entry.Level == log.EntryLevelWarning {
			l.add(&l.errors, fmt.Sprintf("log %s: %s %s", e.Entry.Level, e.Entry.Text, e.Entry.URL))
		}
	}
}

// barCheck runs in the page: for every bar of every chart, the value its
// geometry shows (from the chart's pixel bounds and value range), its
// data-value, and the first number of the table cell it names. It
// returns one line per mismatch, and how many bars it checked.
const barCheck = `(() => {
  const out = [];
  let n = 0;
  for (const svg of document.querySelectorAll("svg.chart")) {
    const top = +svg.dataset.top, bottom = +svg.dataset.bottom, ymin = +svg.dataset.ymin, ymax = +svg.dataset.ymax;
    const span = ymax - ymin, px = (bottom - top) / span;
    const base = Math.min(Math.max(0, ymin), ymax), ybase = bottom - (base - ymin) * px;
    for (const bar of svg.querySelectorAll("rect.bar")) {
      n++;
      const y = +bar.getAttribute("y"), h = +bar.getAttribute("height");
      const up = y + h <= ybase + 0.01;
      const shown = base + (up ? h : -h) / px;
      const data = +bar.dataset.value;
      const cell = document.getElementById(bar.dataset.cell);
      if (!cell) { out.push(svg.id + ": bar " + bar.dataset.cell + " has no table cell"); continue; }
      const table = parseFloat(cell.textContent.replace("+", ""));
      const tol = Math.max(0.0006, span * 0.001);
      if (Math.abs(shown - data) > tol) out.push(svg.id + " " + bar.dataset.cell + ": drawn " + shown + ", data " + data);
      if (Math.abs(shown - table) > tol) out.push(svg.id + " " + bar.dataset.cell + ": drawn " + shown + ", table " + cell.textContent);
    }
  }
  return {n: n, bad: out};
})()`

// barResult is what barCheck returns.
type barResult struct {
	N   int      `json:"n"`
	Bad []string `json:"bad"`
}

// injected is true when an injected script ran or an injected element
// (an event handler, a javascript: link, a second script) survived.
const injected = `window.__pwned !== undefined || document.querySelectorAll("script").length !== 1 ||
  document.querySelectorAll("[onerror], [onload], a[href^='javascript:'], iframe, object, embed").length > 0`

// withoutAlt counts the figures a screen reader could not describe: an
// image without alt text, a chart without its description.
const withoutAlt = `[...document.querySelectorAll("img")].filter(i => !i.alt.trim()).length +
  [...document.querySelectorAll("svg.chart")].filter(s => s.getAttribute("role") !== "img" || !s.querySelector("desc") || !s.querySelector("desc").textContent.trim()).length`

// sortsByN clicks the N header of the first presence table twice and
// reports whether its rows came out ascending, then descending.
const sortsByN = `(() => {
  const t = document.getElementById("presence-0");
  if (!t) return true;
  const th = t.tHead.rows[0].cells[1];
  const col = () => [...t.tBodies[0].rows].map(r => parseFloat(r.cells[1].dataset.sort)).filter(v => !isNaN(v));
  th.click();
  const up = col();
  th.click();
  const down = col();
  const asc = a => a.every((v, i) => i === 0 || a[i - 1] <= v);
  return asc(up) && asc(down.slice().reverse());
})()`

// openReport opens path in headless Chromium and returns what it logged
// and what the page's checks found, and a screenshot.
func openReport(t *testing.T, path string) pageSeen {
	exe := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.WindowSize(1200, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	pl := &pageLog{}
	require.NoError(t, chromedp.Listen(ctx, pl.listen))
	_, err := chromedp.Call(ctx, network.Enable, network.EnableParams{})
	require.NoError(t, err)
	_, err = chromedp.Call(ctx, runtime.Enable, cdp.Empty{})
	require.NoError(t, err)
	_, err = chromedp.Call(ctx, log.Enable, cdp.Empty{})
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate("file://"+path), chromedp.WaitReady(chromedp.CSS("footer"))))
	bars, err := chromedp.Run(ctx, chromedp.Evaluate[barResult](barCheck))
	require.NoError(t, err)
	pwned, err := chromedp.Run(ctx, chromedp.Evaluate[bool](injected))
	require.NoError(t, err)
	res := pageSeen{log: pl, bars: bars, pwned: pwned}
	res.noAlt, err = chromedp.Run(ctx, chromedp.Evaluate[int](withoutAlt))
	require.NoError(t, err)
	res.sorts, err = chromedp.Run(ctx, chromedp.Evaluate[bool](sortsByN))
	require.NoError(t, err)
	res.shot, err = chromedp.Run(ctx, chromedp.FullScreenshot(80))
	require.NoError(t, err)
	return res
}

// pageSeen is what openReport saw.
type pageSeen struct {
	log   *pageLog
	bars  barResult
	pwned bool
	noAlt int
	sorts bool
	shot  []byte
}

func TestReportInBrowser(t *testing.T) {
	chromium(t)
	tests := []struct {
		name string
		in   func(t *testing.T) Input
	}{
		{"two runs with readers", func(t *testing.T) Input {
			in := withPhantom(t, fixture(120, 2, 11))
			in.Verdicts = verdictsFor(in, 30)
			return in
		}},
		{"hostile text", func(t *testing.T) Input { return hostileInput(t) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Build(context.Background(), tt.in(t))
			require.NoError(t, err)
			var b bytes.Buffer
			require.NoError(t, WriteHTML(&b, doc))
			path := filepath.Join(t.TempDir(), "report.html")
			require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))

			p := openReport(t, path)
			pl, bars, pwned, shot := p.log, p.bars, p.pwned, p.shot
			assert.Zero(t, p.noAlt, "figures without alt text")
			assert.True(t, p.sorts, "clicking a column's header sorts the table by it")
			for _, u := range pl.requests {
				assert.True(t, u == "file://"+path || strings.HasPrefix(u, "data:"), "a request left the page: %.120s", u)
			}
			assert.Empty(t, pl.errors, "console errors")
			assert.False(t, pwned, "an injected script ran or an injected element survived")
			assert.Greater(t, bars.N, 50, "bars checked")
			assert.Empty(t, bars.Bad, "bars whose height does not match their table")
			assert.NotEmpty(t, shot)
			if dir := os.Getenv("CXR_REPORT_SHOTS"); dir != "" {
				require.NoError(t, os.WriteFile(filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".jpg"), shot, 0o644))
			}
		})
	}
}

// TestBrowserChecksCatchATamperedPage shows that the checks above can
// fail: markup written around the escaping (a script, an image from the
// network, a bar drawn at the wrong height) is caught.
func TestBrowserChecksCatchATamperedPage(t *testing.T) {
	chromium(t)
	doc, err := Build(context.Background(), fixture(40, 1, 12))
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, WriteHTML(&b, doc))
	html := strings.Replace(b.String(), "<main>", `<main><script>window.__pwned=1</script><img src="http://127.0.0.1:9/x.png">`, 1)
	html = strings.Replace(html, `class="bar" x=`, `class="bar" data-tampered="1" height="1" x=`, 1)
	path := filepath.Join(t.TempDir(), "tampered.html")
	require.NoError(t, os.WriteFile(path, []byte(html), 0o644))

	p := openReport(t, path)
	pl, bars, pwned := p.log, p.bars, p.pwned
	assert.Contains(t, pl.requests, "http://127.0.0.1:9/x.png", "the request the page tried is seen")
	assert.True(t, pwned, "a second script element is seen")
	assert.NotEmpty(t, pl.errors, "the policy's refusals are logged as errors")
	assert.NotEmpty(t, bars.Bad, "a bar drawn at the wrong height is caught")
	t.Logf("requests %q; errors %q", pl.requests, pl.errors)
}
