package replay

import (
	"context"
	"fmt"
	"sync"

	"github.com/ollama/ollama/api"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/ollama/internal/wire"
)

// lazyGround answers grounding requests (Options.LazyImages) keying the
// items' images only as requests need them: in worklist order, up to the
// item whose model input the request carries, so a server starts without
// decoding any image and the first request costs one decode.
type lazyGround struct {
	ctx context.Context

	mu sync.Mutex
	// items and their replies, one per grounding model (the second
	// model's is the first's where it has no line of its own).
	items   []audit.Item
	replies [][2]wire.Reply
	next    int            // items[:next] are keyed
	byKey   map[string]int // model-input key -> the item that set it
	// conflicts are keys two items share with different first-model
	// replies: answered in prose naming them.
	conflicts map[string]string
}

func newLazyGround(ctx context.Context) *lazyGround {
	return &lazyGround{ctx: ctx, byKey: map[string]int{}, conflicts: map[string]string{}}
}

// add records item's grounding replies; the image is keyed later.
func (l *lazyGround) add(it audit.Item, r [2]wire.Reply) {
	l.items = append(l.items, it)
	l.replies = append(l.replies, r)
}

// responder answers grounding model m's requests (0 or 1) from the items
// keyed so far, keying more until one matches the image in the request
// (the last message carrying one).
func (l *lazyGround) responder(m int) func(*api.ChatRequest) wire.Reply {
	return func(req *api.ChatRequest) wire.Reply {
		var img []byte
		for i := len(req.Messages) - 1; i >= 0 && img == nil; i-- {
			if ims := req.Messages[i].Images; len(ims) > 0 {
				img = ims[0]
			}
		}
		if img == nil {
			return wire.Reply{Content: noRecording}
		}
		key := wire.ImageKey(img)
		l.mu.Lock()
		defer l.mu.Unlock()
		for {
			if msg, ok := l.conflicts[key]; ok {
				return wire.Reply{Content: msg}
			}
			if i, ok := l.byKey[key]; ok {
				return l.replies[i][m]
			}
			if l.next == len(l.items) {
				return wire.Reply{Content: noRecording}
			}
			l.keyNext()
		}
	}
}

// keyNext prepares the next item's model input and keys it. No request
// can carry an image that cannot be prepared: such a row answers none.
func (l *lazyGround) keyNext() {
	i := l.next
	l.next++
	png, err := modelInput(l.ctx, l.items[i].ImagePath)
	if err != nil {
		return
	}
	k := wire.ImageKey(png)
	first, dup := l.byKey[k]
	switch {
	case !dup:
		l.byKey[k] = i
	case l.replies[first][0] != l.replies[i][0]:
		l.conflicts[k] = fmt.Sprintf("replay: %s: same model-input image as %s but a different recorded grounding output",
			l.items[i].ID, l.items[first].ID)
	}
}
