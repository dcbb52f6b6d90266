package store_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// A reviewer adjudicates a disagreement, changes their mind, then undoes the
// change: the first verdict is current again. (Synthetic data.)
func Example() {
	dir, err := os.MkdirTemp("", "cxr-store-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	clock := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	s, err := store.Open(ctx, store.DefaultPath(filepath.Join(dir, "worklist.csv")), store.WithClock(clock))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	fmt.Println(filepath.Base(s.Path()))

	for _, d := range []audit.Decision{audit.ImageRight, audit.DraftRight} {
		if _, err := s.SaveVerdict(ctx, audit.Verdict{
			ItemID: "case-001", DisagreementKey: "pneumothorax/contradicted_by_image",
			Decision: d, Annotator: "rad1",
		}); err != nil {
			log.Fatal(err)
		}
	}
	undone, _, err := s.UndoLastVerdict(ctx, "rad1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("undone:", undone.Decision)

	current, err := s.Verdicts(ctx, "case-001", "")
	if err != nil {
		log.Fatal(err)
	}
	for _, v := range current {
		fmt.Println("current:", v.Annotator, v.Label, v.Kind, v.Decision, v.At.Format(time.RFC3339))
	}
	// Output:
	// worklist.cxr.db
	// undone: draft_right
	// current: rad1 pneumothorax contradicted_by_image image_right 2026-01-02T03:04:05Z
}
