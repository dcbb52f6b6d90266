// Package audit holds the domain types every layer of cxr-auditor shares:
// worklist items, the two model stages and the record of one model call,
// an item's result and its disagreements (Report), the reviewer's verdicts,
// decisions and notes, studies, an item's errors against its truth
// (TruthError), the differences between two runs and the reviewers'
// judgments of them (RunDifference, Preference, CompareVerdict), plus the
// progress updates the pipeline sends while it works.
//
// It is the leaf of the domain: it imports only schema, so the comparator
// (compare), the agreement statistics (agreement), the transport
// (pipeline), the persistence (store) and the workstation (tui) can all speak
// in these types without depending on one another. store persists them,
// pipeline produces them, tui shows them.
package audit
