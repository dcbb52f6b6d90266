package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/pipeline"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// shareFlags are run's settings for sharing a worklist between processes.
type shareFlags struct {
	share string
	lease time.Duration
}

func (f *shareFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.share, "share", "auto", "share the worklist with other run processes on the same store: auto (when the store is PostgreSQL), on or off")
	fl.DurationVar(&f.lease, "lease", time.Minute, "how long an item stays claimed by a worker that stopped answering (shared runs; renewed every third of it)")
	_ = cmd.RegisterFlagCompletionFunc("share", completeWords("auto", "on", "off"))
}

// shared reports whether the run is shared, from --share and the store.
func (f *shareFlags) shared(db string) (bool, error) {
	switch f.share {
	case "auto":
		return store.IsPostgres(db), nil
	case "on":
		return true, nil
	case "off":
		return false, nil
	}
	return false, fmt.Errorf("%w: --share %q: want auto, on or off", errUsage, f.share)
}

func (f *shareFlags) check() error {
	if f.lease < time.Second {
		return fmt.Errorf("%w: --lease %s: want at least 1s", errUsage, f.lease)
	}
	return nil
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

// sharedRun runs the worklist as one worker of a run shared through the
// store (pipeline.Scheduler.RunShared): every item is run by one worker,
// the others' items are read from the store, so each worker's output is
// the whole worklist. The team's counts go to the progress line. It
// returns the run's error and a line for the summary.
func sharedRun(ctx context.Context, st *store.Store, sched *pipeline.Scheduler, items []audit.Item, f shareFlags,
	prog *progress, each func(audit.Update)) (summary string, err error) {
	worker := workerName()
	key := sched.RunKey(items)
	claims, err := st.Claims(key, worker, f.lease)
	if err != nil {
		return "", err
	}
	var (
		mu   sync.Mutex
		last audit.TeamProgress
		most int
		ran  int
	)
	prog.logf("shared run %s: this worker is %s; other run processes with the same worklist and settings on this store share it", key, worker)
	logEvent(ctx, st, prog, "run_join", map[string]any{"run": key, "worker": worker, "lease_ms": f.lease.Milliseconds()})
	err = sched.RunShared(ctx, items, claims, pipeline.SharedOptions{
		// Renew well within the lease, and look for the items others
		// finished at least every second: output goes in worklist order,
		// so one item another worker finished holds back the lines after
		// it until this worker sees it (a poll is two small queries).
		Poll: min(f.lease/3, time.Second),
		OnTeam: func(p audit.TeamProgress) {
			mu.Lock()
			last, most = p, max(most, p.Workers)
			mu.Unlock()
			prog.team(p)
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
		last = p
		prog.team(p)
	}
	mu.Lock()
	defer mu.Unlock()
	return fmt.Sprintf("shared run %s (round %d): this worker called the models for %d item(s); the team: %d of %d done, %d failed, up to %d worker(s) at once",
		key, last.Round, ran, last.Done, last.Items, last.Failed, max(most, 1)), err
}
