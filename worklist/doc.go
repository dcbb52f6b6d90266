// Package worklist reads the items to audit: a CSV or JSONL worklist, or a
// folder of images with sidecar drafts, with optional ground truth. Load
// returns every good row and one RowError per bad row (a bad row never
// stops the load); Scan reads the same rows without keeping them, for
// worklists too large to hold. Image and draft paths must stay inside the
// worklist's folder unless AllowOutsidePaths is given, so a worklist from
// elsewhere cannot send this machine's files to a model host. Images are
// only stat'ed here; decoding them is the radiograph's job.
//
// cxr-auditor is for research and education only; it is not a medical
// device. All test data in this package is synthetic.
package worklist
