// Package export writes the store's items, results, verdicts and notes as
// files for analysis outside the program: one JSON object per item (JSONL)
// or a long-format CSV. It owns the file formats, which docs/store.md
// specifies column by column; the store reads a consistent snapshot and
// hands this package one Item at a time, so memory stays flat.
//
// Every value written is inert on a terminal and in a spreadsheet: JSONL
// escapes the controls encoding/json leaves raw, and CSV cells go through
// termtext.CSVCell (no escape sequences, no formulas).
package export
