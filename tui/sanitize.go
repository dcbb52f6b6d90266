package tui

import "github.com/cxr-auditor/cxr-auditor/internal/termtext"

// Sanitize is termtext.Line: untrusted text made safe to show as one line.
func Sanitize(s string) string { return termtext.Line(s) }

// SanitizeText is termtext.Text: untrusted multi-line text made safe to
// show, line feeds kept.
func SanitizeText(s string) string { return termtext.Text(s) }
