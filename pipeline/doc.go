// Package pipeline is the scheduler: it runs the two model stages of
// worklist items (audit.Item, read by package worklist) on one or more
// Ollama hosts (package ollama), caching every stage output in the store
// under a provenance key (Provenance), and turns both into a Result.
//
// One item flows like this:
//
//	Item{ID, ImagePath, Draft}
//	  ├─ draft stage:     HashDraft(draft) → cache? → Host.ParseDraftWith → labels
//	  └─ grounding stage: read image once → HashBytes → cache? →
//	                      radiograph.Decode → radiograph.ModelInput (squash: as it is;
//	                      pad: a square) → Host.GroundWith → boxes as they are
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
// Its parts, one file each, each stating what it keeps: the ranked queue
// (queue.go, a pure value; its invariants are in docs/architecture.md),
// hosts, their health and their call slots (hosts.go, health.go, slots.go),
// the preparation of inputs and cache lookups (prepare.go), the finisher,
// the one writer to the store (finish.go), and the forwarder of updates
// (forward.go). Each part has its own lock; a lock is taken while holding
// another only from the queue's to the host table's or the outbox's, never
// back.
//
// cxr-auditor is for research and education only; it is not a medical
// device. All test data in this package is synthetic.
package pipeline
