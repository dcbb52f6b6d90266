// Package audit holds the domain types every layer of cxr-auditor shares:
// worklist items, the two model stages and the record of one model call,
// an item's result, and the reviewer's verdicts, decisions and notes, plus
// the progress updates the pipeline sends while it works.
//
// It is a leaf: it imports only schema and compare, so the transport
// (pipeline), the persistence (store) and the workstation (tui) can all speak
// in these types without depending on one another. store persists them,
// pipeline produces them, tui shows them.
package audit
