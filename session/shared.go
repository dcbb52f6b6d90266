package session

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/pipeline"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// shareMode reports whether a run is shared, from --share and the store.
func shareMode(share, db string) (bool, error) {
	switch share {
	case "auto":
		return store.IsPostgres(db), nil
	case "on":
		return true, nil
	case "off":
		return false, nil
	}
	return false, fmt.Errorf("%w: --share %q: want auto, on or off", ErrUsage, share)
}

// workerName names this process in a shared run: host, process id and a
// random suffix (a restarted worker is a new one).
func workerName() string {
	host, err := os.Hostname()
	if err != nil || strings.TrimSpace(host) == "" {
		host = "worker"
	}
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b))
}

// team follows a shared run's team: the last counts seen and the most
// workers seen at once.
type team struct {
	mu   sync.Mutex
	last audit.TeamProgress
	most int
}

func (t *team) see(p audit.TeamProgress) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.last, t.most = p, max(t.most, p.Workers)
}

// runShared runs the worklist as one worker of a run shared through the
// store (pipeline.Scheduler.RunShared): every item is run by one worker,
// the others' items are read from the store, so each worker's output is
// the whole worklist. The team's counts go to the progress line. It
// returns a line for the summary and the run's error.
func (b *batch) runShared(ctx context.Context, each func(audit.Update)) (summary string, err error) {
	worker := workerName()
	items, lease := b.s.List.Items, b.cfg.Lease
	key := b.s.Sched.RunKey(items)
	claims, err := b.s.Store.Claims(key, worker, lease)
	if err != nil {
		return "", err
	}
	var tm team
	ran := 0
	b.prog.logf("shared run %s: this worker is %s; other run processes with the same worklist and settings on this store share it", key, worker)
	b.logEvent(ctx, "run_join", map[string]any{"run": key, "worker": worker, "lease_ms": lease.Milliseconds()})
	err = b.s.Sched.RunShared(ctx, items, claims, pipeline.SharedOptions{
		// Renew well within the lease, and look for the items others
		// finished at least every second: output goes in worklist order,
		// so one item another worker finished holds back the lines after
		// it until this worker sees it (a poll is two small queries).
		Poll: min(lease/3, time.Second),
		OnTeam: func(p audit.TeamProgress) {
			tm.see(p)
			b.prog.team(p)
		},
	}, func(u audit.Update) {
		if u.Result != nil && !u.Result.Cached {
			ran++
		}
		each(u)
	})
	// The last poll may predate the team's last items: the final line
	// shows the counts as the run ended.
	if p, perr := claims.Progress(context.WithoutCancel(ctx)); perr == nil {
		tm.mu.Lock()
		tm.last = p
		tm.mu.Unlock()
		b.prog.team(p)
	}
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return fmt.Sprintf("shared run %s (round %d): this worker called the models for %d item(s); the team: %d of %d done, %d failed, up to %d worker(s) at once",
		key, tm.last.Round, ran, tm.last.Done, tm.last.Items, tm.last.Failed, max(tm.most, 1)), err
}
