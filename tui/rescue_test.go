package tui

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/store"
)

// The quit question said "q again quits and loses 1 verdict" of a verdict
// the store refused though the store had kept it in its rescue file (the
// store file was deleted while open): quitting lost nothing. What was
// kept no longer holds the quit back, and the question, asked only for
// what quitting would lose, says where the rest was kept.
func TestQuitKnowsWhatWasKept(t *testing.T) {
	const rescue = "/data/cases.cxr.db.rescue.jsonl"
	kept := fmt.Errorf("store /data/cases.cxr.db: save verdict: %w", &store.RescuedError{Err: store.ErrStoreReplaced, Path: rescue})
	tests := []struct {
		name string
		// fails are the store's answers to the verdict on case-0001, then
		// on case-0002, and to a note on case-0003 (nil: saved)
		fails    []error
		quitsAtQ bool
		wantMsg  []string
		noMsg    []string
		// wantUnsaved are in Unsaved, the exit summary's list
		wantUnsaved []string
	}{
		{name: "a kept verdict", fails: []error{kept, nil, nil}, quitsAtQ: true,
			wantUnsaved: []string{"verdict case-0001 pneumothorax/contradicted_by_image: image right (kept in " + rescue + ")"}},
		{name: "a kept note", fails: []error{nil, nil, kept}, quitsAtQ: true,
			wantUnsaved: []string{"note on case-0003 (kept in " + rescue + ")"}},
		{name: "kept and lost", fails: []error{kept, errors.New("disk full"), nil},
			wantMsg: []string{"NOT saved: verdict case-0002", "kept in " + rescue + ": verdict case-0001", "q again quits and loses 1 verdict"},
			noMsg:   []string{"NOT saved: verdict case-0001"}},
		{name: "lost only", fails: []error{errors.New("disk full"), nil, nil},
			wantMsg: []string{"NOT saved: verdict case-0001", "q again quits and loses 1 verdict"}, noMsg: []string{"kept in"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(3, 3)
			f.engine.done()
			h := newHarness(t, f.config(), 160, 40)
			for i, err := range tt.fails[:2] {
				f.store.mu.Lock()
				f.store.failSaves, f.store.failWith = 0, err
				if err != nil {
					f.store.failSaves = 1
				}
				f.store.mu.Unlock()
				h.key("i")
				if err != nil && keptIn(err) != "" {
					assert.Contains(t, h.m.msg.text, "kept in "+rescue, "the refusal says where it was kept")
				}
				if i == 0 {
					h.key("j")
				}
			}
			f.store.mu.Lock()
			f.store.failNotes, f.store.failWith = 0, tt.fails[2]
			if tt.fails[2] != nil {
				f.store.failNotes = 1
			}
			f.store.mu.Unlock()
			h.key("j")
			h.key("a")
			h.typeText("see CT")
			h.key("ctrl+s")

			h.key("q")
			require.Equal(t, tt.quitsAtQ, h.quit, "q quits at once only when nothing would be lost; message: %s", h.m.msg.text)
			for _, w := range tt.wantMsg {
				assert.Contains(t, h.m.msg.text, w)
			}
			for _, w := range tt.noMsg {
				assert.NotContains(t, h.m.msg.text, w)
			}
			unsaved := strings.Join(h.m.Unsaved(), "\n")
			for _, w := range tt.wantUnsaved {
				assert.Contains(t, unsaved, w, "the exit summary lists it, and where it was kept")
			}
			if !tt.quitsAtQ {
				h.key("q")
				assert.True(t, h.quit, "q again quits")
			}
		})
	}
}
