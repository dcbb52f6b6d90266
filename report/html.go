package report

import (
	"bufio"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
)

//go:embed page.html.tmpl
var pageText string

// page is the HTML template; html/template escapes every string from the
// document for where it lands (text, attribute, URL).
var page = template.Must(template.New("page").Funcs(template.FuncMap{
	"svg": func(f *Figure) template.HTML { return template.HTML(SVG(f)) }, // SVG escapes every text it holds
	"dataURI": func(png []byte) template.URL {
		return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
	},
	"sortKey": func(c Cell) string {
		if math.IsNaN(c.Sort) || math.IsInf(c.Sort, 0) {
			return ""
		}
		return strconv.FormatFloat(c.Sort, 'g', -1, 64)
	},
}).Parse(pageText))

// style is the page's only stylesheet: readable on screen and on paper,
// in the Okabe-Ito colours.
const style = `body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111;margin:0 auto;max-width:1100px;padding:0 1.2em 2em}
h1{font-size:1.6em;margin:.8em 0 .3em}h2{border-bottom:2px solid #0072B2;padding-bottom:.15em;margin-top:1.6em}
.disclaimer{background:#fff4d6;border-left:4px solid #E69F00;padding:.5em .8em}
nav ol{columns:2;margin:.3em 0}table{border-collapse:collapse;margin:.8em 0 1.2em;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:.2em 0}th,td{border:1px solid #bbb;padding:.25em .55em;text-align:left;vertical-align:top}
th{background:#e8f1f8;cursor:pointer}th:focus{outline:2px solid #0072B2}
figure{margin:1em 0}figure.chart svg{max-width:100%;height:auto;font-family:system-ui,sans-serif}
.pictures{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:1em}
figure.pic{border:1px solid #bbb;padding:.5em;margin:0;break-inside:avoid}figure.pic img{display:block;max-width:100%;height:auto;background:#000}
.why{color:#D55E00;font-weight:600}.draft{margin:.3em 0}.boxes,.verdicts{margin:.2em 0;padding-left:1.1em;font-size:.9em}
.noimg{background:#eee;padding:2em 1em;text-align:center}footer{margin-top:2em;color:#444;font-size:.9em}
@media print{body{max-width:none;font-size:11pt}h2{break-after:avoid}table{font-size:8.5pt}td[data-sort]{white-space:nowrap}nav{break-after:page}th{cursor:auto}table,figure{break-inside:avoid}a{color:#111;text-decoration:none}
.pictures{grid-template-columns:repeat(2,1fr)}}`

// script sorts a table by the column whose header is clicked (or entered
// from the keyboard): by data-sort when both cells have it, else by text;
// a second click reverses.
const script = `document.querySelectorAll("table.sortable th").forEach(function(th){function go(){var tb=th.closest("table").tBodies[0],i=th.cellIndex,d=th.dataset.dir==="a"?"d":"a",rows=[].slice.call(tb.rows);th.dataset.dir=d;rows.sort(function(a,b){var x=a.cells[i],y=b.cells[i],p=parseFloat(x&&x.dataset.sort),q=parseFloat(y&&y.dataset.sort),c=isNaN(p)||isNaN(q)?(x?x.textContent:"").localeCompare(y?y.textContent:""):p-q;return d==="a"?c:-c});rows.forEach(function(r){tb.appendChild(r)})}th.addEventListener("click",go);th.addEventListener("keydown",function(e){if(e.key==="Enter")go()})});`

// csp admits nothing from outside: no request of any kind, only this
// page's own stylesheet and script (by hash) and data: images.
var csp = fmt.Sprintf("default-src 'none'; img-src data:; style-src '%s'; script-src '%s'; base-uri 'none'; form-action 'none'",
	hash(style), hash(script))

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// WriteHTML writes doc as one self-contained HTML file: its styles,
// script, SVG charts and PNG pictures inline, nothing fetched.
func WriteHTML(w io.Writer, doc *Doc) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	err := page.Execute(bw, struct {
		Doc        *Doc
		CSP        string
		Style      template.CSS
		Script     template.JS
		Disclaimer string
		Generated  string
	}{doc, csp, template.CSS(style), template.JS(script), Disclaimer, date(doc.Generated)})
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}
