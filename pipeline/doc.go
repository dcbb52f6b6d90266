// Package pipeline turns worklist items into audited results: it loads
// worklists (LoadWorklist), talks to Ollama hosts (Host: the grounding stage
// on the image, the draft stage on the draft impression), and schedules both
// stages over one or more hosts (Scheduler), caching every stage output in
// the store under a provenance key (Provenance).
//
// One item flows like this:
//
//	Item{ID, ImagePath, Draft}
//	  ├─ draft stage:     HashDraft(draft) → cache? → Host.ParseDraft → labels
//	  └─ grounding stage: read image once → HashBytes → cache? →
//	                      render.Decode → render.ModelInput (square, PNG) →
//	                      Host.Ground → boxes un-padded to the original image
//	  both done → compare.Compare → store (stage records, result) → Update
//
// The two stages of an item run concurrently; each host runs at most
// Config.Capacity calls per model at a time, and all hosts take their next
// job from one shared queue, ordered by the reviewer's focus (Focus), then
// reruns (Rerun), then the batch order (Submit). Run owns every goroutine
// and stops them when its context ends; a call cancelled that way is never
// stored as a result.
//
// cxr-auditor is for research and education only; it is not a medical
// device. All test data in this package is synthetic.
package pipeline
