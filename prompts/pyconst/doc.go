// Package pyconst reads module-level string constants out of Python source
// without running Python, and renders them the way str.format does.
//
// It exists so that a model's pinned prompts, published as a Python module,
// can be imported byte for byte. It reads exactly or not at all: a constant
// whose value is anything but plain string literals (adjacent literals,
// optionally in parentheses) is an error naming its line, never a guess.
//
// What it reads, as Python 3 does: single- and triple-quoted literals with
// either quote, backslash-newline continuation inside and outside literals,
// every escape sequence but \N{...}, adjacent literals and implicit
// concatenation in parentheses, the u prefix, annotated assignments (NAME:
// str = ...), CRLF and CR line ends (read as LF, as the importer does).
// What it refuses, naming the line: r, f, b and t prefixes, \N{...}, lone
// surrogates (they cannot be written as UTF-8), a constant bound more than
// once or inside a conditional block, and a source encoding other than
// UTF-8. Other code in the module (functions, f-strings, raw regular
// expressions) is tokenized and skipped.
//
// Format renders only what a prompt template needs: named fields and
// doubled braces. A positional field, an attribute or index, a conversion
// (!r) or a format spec (:>10) is an error naming the line.
package pyconst
