// Package report builds the report a team can open without a terminal:
// one self-contained HTML file (WriteHTML), or Markdown with its figures
// and pictures beside it (WriteMarkdown), from an evaluation against the
// truth (one run, or several compared with paired statistics), reader
// agreement and a reading study's progress.
//
// Build turns an Input (the truth's items, each run's predictions, the
// verdicts, the agreement and study figures) into a Doc: sections of
// paragraphs, tables, bar charts and pictures, each present only when its
// data is. The tables read as eval and agreement print them; the charts
// are drawn as inline SVG by this package, each bar carrying its value and
// the id of the table cell it shows (docs/report.md says why not a
// plotting library); pictures are radiograph thumbnails with the truth
// and model boxes drawn by package render, as the workstation draws them.
//
// The HTML makes no network request: no external script, style, font or
// image; a Content-Security-Policy admits only the page's own inline
// style, its one sorting script (by hash) and data: images. Every string
// from outside (ids, drafts, model output, names) is escaped by
// html/template.
//
// cxr-auditor is for research and education only; it is not a medical
// device.
package report
