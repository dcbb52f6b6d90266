package wire

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"

	"github.com/ollama/ollama/api"
)

// ImageKey returns the key Script.ByImage matches: the sha256 hex digest of
// the image bytes exactly as sent in the chat request (after any padding or
// re-encoding by the client).
func ImageKey(png []byte) string {
	sum := sha256.Sum256(png)
	return hex.EncodeToString(sum[:])
}

type textRule struct {
	substr string
	reply  Reply
}

// Script maps inputs to scripted replies, for Model.Respond. It is safe for
// concurrent use; rules may be added while the server runs.
type Script struct {
	mu      sync.Mutex
	byImage map[string]Reply
	byText  []textRule
	def     *Reply
}

// NewScript returns an empty script: every request gets DefaultContent
// until rules are added.
func NewScript() *Script { return &Script{byImage: map[string]Reply{}} }

// ByImage replies r to requests carrying an image whose ImageKey is key. A
// later rule for the same key replaces the earlier one.
func (sc *Script) ByImage(key string, r Reply) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.byImage[key] = r
}

// ByText replies r to requests whose message contents contain substr. Text
// rules are tried in the order added; the first match wins.
func (sc *Script) ByText(substr string, r Reply) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.byText = append(sc.byText, textRule{substr, r})
}

// Default replies r to requests no other rule matches.
func (sc *Script) Default(r Reply) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.def = &r
}

// Respond picks the reply for req: an image rule first (images of the
// latest message first), then the first matching text rule, then the
// default, else a Reply with DefaultContent. Its signature fits
// Model.Respond.
func (sc *Script) Respond(req *api.ChatRequest) Reply {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	for i := len(req.Messages) - 1; i >= 0; i-- {
		for _, img := range req.Messages[i].Images {
			if r, ok := sc.byImage[ImageKey(img)]; ok {
				return r
			}
		}
	}
	for _, rule := range sc.byText {
		for _, m := range req.Messages {
			if strings.Contains(m.Content, rule.substr) {
				return rule.reply
			}
		}
	}
	if sc.def != nil {
		return *sc.def
	}
	return Reply{Content: DefaultContent}
}
