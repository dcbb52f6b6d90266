package session

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"slices"
	"strings"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/store"
	"github.com/cxr-auditor/cxr-auditor/tui"
)

// benchStore is the store as one workstation session sees it: every
// verdict it gives is tagged with the session's study (if any) and the
// session itself; it reads only the verdicts of its study (or, outside a
// study, the verdicts given in none), so a second study over the same
// worklist starts clean; and its undo touches only the verdicts this
// session gave, never those of the same annotator in another session.
type benchStore struct {
	*store.Store
	study   string
	session string
}

func newBenchStore(st *store.Store, study string) *benchStore {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &benchStore{Store: st, study: study, session: hex.EncodeToString(b)}
}

// SaveVerdict saves v as given in this session (and its study). A
// verdict the study refuses (closed, or a unit the readers do not
// dispute) comes back as a tui.Refused, in words that fit the
// workstation's message line.
func (b *benchStore) SaveVerdict(ctx context.Context, v audit.Verdict) (audit.Verdict, error) {
	v.Study, v.Session = b.study, b.session
	saved, err := b.Store.SaveVerdict(ctx, v)
	var nd *store.NotDisputedError
	switch {
	case errors.As(err, &nd) && nd.Agreed != "":
		return saved, &tui.Refused{Reason: "the readers agreed (" + strings.ReplaceAll(string(nd.Agreed), "_", " ") + "): final", Agreed: nd.Agreed}
	case errors.As(err, &nd):
		return saved, &tui.Refused{Reason: "still open: not every reader has judged it"}
	case errors.Is(err, store.ErrStudyClosed):
		return saved, &tui.Refused{Reason: "study " + b.study + " is closed: it takes no verdicts"}
	}
	return saved, err
}

// UndoLastVerdict undoes annotator's latest verdict of this session.
func (b *benchStore) UndoLastVerdict(ctx context.Context, annotator string) (audit.Verdict, bool, error) {
	return b.Store.UndoSessionVerdict(ctx, annotator, b.session)
}

// Verdicts returns the item's current verdicts given in this session's
// study (or in none).
func (b *benchStore) Verdicts(ctx context.Context, itemID, annotator string) ([]audit.Verdict, error) {
	vs, err := b.Store.Verdicts(ctx, itemID, annotator)
	return b.own(vs), err
}

// AllVerdicts is Verdicts for every item.
func (b *benchStore) AllVerdicts(ctx context.Context, annotator string) ([]audit.Verdict, error) {
	vs, err := b.Store.AllVerdicts(ctx, annotator)
	return b.own(vs), err
}

func (b *benchStore) own(vs []audit.Verdict) []audit.Verdict {
	return slices.DeleteFunc(vs, func(v audit.Verdict) bool { return v.Study != b.study })
}

// SaveCompareVerdict saves v as given in this session.
func (b *benchStore) SaveCompareVerdict(ctx context.Context, v audit.CompareVerdict) (audit.CompareVerdict, error) {
	v.Session = b.session
	return b.Store.SaveCompareVerdict(ctx, v)
}

// UndoCompareVerdict withdraws annotator's latest compare verdict of this
// session (tui.CompareUndo) and reads its item's current ones.
func (b *benchStore) UndoCompareVerdict(ctx context.Context, annotator string) (audit.CompareVerdict, []audit.CompareVerdict, bool, error) {
	v, ok, err := b.Store.UndoSessionCompareVerdict(ctx, annotator, b.session)
	if err != nil || !ok {
		return v, nil, ok, err
	}
	now, err := b.Store.ItemCompareVerdicts(ctx, v.ItemID)
	return v, now, true, err
}
