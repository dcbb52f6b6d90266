package report

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// WriteMarkdown writes doc as GitHub-flavoured Markdown to w, for a pull
// request or a paper draft: the same tables, and each figure (SVG) and
// picture (PNG) as a file in dir, linked as rel/NAME. File names are the
// report's own (figure ids, pictures by number), never an item's id.
// Every string from outside is escaped so it reads as text: no link,
// image, emphasis or HTML can come from it.
func WriteMarkdown(w io.Writer, doc *Doc, dir, rel string) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# %s\n\n> **Research only.** %s\n\n## Contents\n\n", mdText(doc.Title), Disclaimer)
	for _, s := range doc.Sections {
		fmt.Fprintf(bw, "- [%s](#%s)\n", mdText(s.Title), slug(s.Title))
	}
	pic := 0
	for _, s := range doc.Sections {
		fmt.Fprintf(bw, "\n## %s\n", mdText(s.Title))
		for _, b := range s.Blocks {
			var err error
			switch {
			case b.Para != "":
				fmt.Fprintf(bw, "\n%s\n", mdText(b.Para))
			case b.Table != nil:
				writeMDTable(bw, b.Table)
			case b.Figure != nil:
				name := b.Figure.ID + ".svg"
				err = os.WriteFile(filepath.Join(dir, name), []byte(SVG(b.Figure)), 0o644)
				fmt.Fprintf(bw, "\n![%s](%s/%s)\n\n*%s*\n", mdText(b.Figure.Alt), rel, name, mdText(b.Figure.Title))
			case len(b.Pictures) > 0:
				pic, err = writeMDPictures(bw, b.Pictures, dir, rel, pic)
			}
			if err != nil {
				return fmt.Errorf("markdown: %w", err)
			}
		}
	}
	fmt.Fprintf(bw, "\n---\nMade by cxr-auditor %s, %s.\n", mdText(doc.Version), date(doc.Generated))
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("markdown: %w", err)
	}
	return nil
}

// writeMDTable writes a pipe table with its caption in bold above it.
func writeMDTable(w io.Writer, t *Table) {
	fmt.Fprintf(w, "\n**%s**\n\n|", mdText(t.Caption))
	for _, h := range t.Header {
		fmt.Fprintf(w, " %s |", mdText(h))
	}
	fmt.Fprint(w, "\n|")
	for range t.Header {
		fmt.Fprint(w, " --- |")
	}
	fmt.Fprintln(w)
	for _, row := range t.Rows {
		fmt.Fprint(w, "|")
		for _, c := range row {
			fmt.Fprintf(w, " %s |", mdText(c.Text))
		}
		fmt.Fprintln(w)
	}
}

// writeMDPictures writes each picture's PNG beside the Markdown and its
// caption under it; n numbers the files.
func writeMDPictures(w io.Writer, pics []Picture, dir, rel string, n int) (int, error) {
	for _, p := range pics {
		n++
		fmt.Fprintf(w, "\n### %s\n\n", mdText(p.ItemID))
		if p.PNG != nil {
			name := fmt.Sprintf("picture-%03d.png", n)
			if err := os.WriteFile(filepath.Join(dir, name), p.PNG, 0o644); err != nil {
				return n, err
			}
			fmt.Fprintf(w, "![%s](%s/%s)\n\n", mdText(p.Alt), rel, name)
		} else {
			fmt.Fprintf(w, "(%s)\n\n", mdText(p.Note))
		}
		fmt.Fprintf(w, "**%s**\n\n", mdText(strings.Join(p.Why, "; ")))
		if p.Draft != "" {
			fmt.Fprintf(w, "*Draft:* %s\n\n", mdText(p.Draft))
		}
		for _, l := range append(append([]string{}, p.Boxes...), p.Verdicts...) {
			fmt.Fprintf(w, "- %s\n", mdText(l))
		}
	}
	return n, nil
}

// mdText escapes s for Markdown text: HTML's special characters become
// entities, Markdown's punctuation is backslash-escaped, and line breaks
// become spaces, so a string reads as itself and never as markup.
func mdText(s string) string {
	var b strings.Builder
	prev := ' '
	for i, r := range s {
		lineStart := i == 0 && strings.ContainsRune("#-+=", r)
		_, size := utf8.DecodeRuneInString(s[i:])
		rest := s[i+size:]
		// "1. " starts a list; "www." and "x://" an autolink.
		listDot := r == '.' && (prev == 'w' || prev == 'W' || (isOrdinal(s[:i]) && (rest == "" || rest[0] == ' ')))
		link := (r == ':' && strings.HasPrefix(rest, "/")) || r == '@'
		prev = r
		switch {
		case lineStart || listDot || link:
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"':
			b.WriteString("&quot;")
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case strings.ContainsRune("\\`*_{}[]()!|~", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		case unicode.IsControl(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isOrdinal reports whether s is all digits: a "." after it would start
// an ordered list.
func isOrdinal(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// slug is GitHub's anchor for a heading: lower case, spaces to hyphens,
// other punctuation dropped.
func slug(title string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(title) {
		switch {
		case r == ' ' || r == '-':
			b.WriteByte('-')
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_':
			b.WriteRune(r)
		}
	}
	return b.String()
}
