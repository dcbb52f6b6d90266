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
//	                      render.Decode → render.ModelInput (squash: as it is;
//	                      pad: a square) → Host.Ground → boxes as they are
//	                      (squash) or un-padded to the original image (pad)
//	  both done → compare.Compare → store (stage records, result) → Update
//
// The two stages of an item run concurrently; each host runs at most
// Config.Capacity calls per model at a time, and all hosts take their next
// job from one shared queue, ordered by the reviewer's focus (Focus), then
// reruns (Rerun), then the batch order (Submit). Run owns every goroutine
// and stops them when its context ends; a call cancelled that way is never
// stored as a result.
//
// The scheduler is built from parts, one file each, each stating the
// invariants it keeps: the ranked queue (queue.go: a pure value, no locks
// or goroutines), hosts and their call slots (hosts.go, slots.go), the
// preparation of inputs and cache lookups (prepare.go), the finisher, the
// one writer to the store (finish.go), and the forwarder of updates
// (forward.go). Each part has its own lock; a lock is taken while holding
// another only from the queue's to the host table's or the outbox's, never
// back.
//
// cxr-auditor is for research and education only; it is not a medical
// device. All test data in this package is synthetic.
package pipeline
