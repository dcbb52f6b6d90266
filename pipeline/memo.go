package pipeline

import (
	"sync"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// recordMemo keeps the last few stage records the cache served or the
// run stored, by provenance key, so that items sharing an input (one
// image read against several drafts, a draft repeated over images) probe
// memory instead of the store: a store probe that hits costs about as much
// as the rest of an item's own work with instant replies (see
// docs/performance.md).
//
// It holds what the store would return: a key's latest serveable record.
// Records are append-only and a key names one computation (model digest,
// prompt, options, input), so an entry can only be replaced by a newer
// record of this process (a Rerun), which put does. A record another
// process stores under the same key meanwhile is the same computation
// again; this run keeps serving the one it has, as it does for inputs
// shared within a flight. Capacity is small and eviction first-in first
// out: the entries that matter are the ones used over and over.
type recordMemo struct {
	mu    sync.Mutex
	recs  map[string]audit.StageRecord
	order []string // keys, oldest first
	max   int
}

// memoSize is how many records recordMemo keeps: records carry the model's
// raw reply (a few KB), so a few hundred KB at most.
const memoSize = 64

func newRecordMemo(n int) *recordMemo {
	return &recordMemo{recs: make(map[string]audit.StageRecord, n), max: n}
}

// get returns the record kept under key.
func (m *recordMemo) get(key string) (audit.StageRecord, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.recs[key]
	return r, ok
}

// put keeps rec under its key, replacing an older record of the key and
// evicting the oldest key when full. A record without a key is ignored.
func (m *recordMemo) put(rec audit.StageRecord) {
	if rec.Key == "" || m.max <= 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.recs[rec.Key]; !ok {
		if len(m.order) >= m.max {
			delete(m.recs, m.order[0])
			m.order = append(m.order[:0], m.order[1:]...)
		}
		m.order = append(m.order, rec.Key)
	}
	m.recs[rec.Key] = rec
}
