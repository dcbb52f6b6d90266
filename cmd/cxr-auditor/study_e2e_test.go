package main

// Synthetic data only: the demo's phantoms and hand-written outputs.

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/agreement"
	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/ollama/replay"
	"github.com/cxr-auditor/cxr-auditor/session"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// The study's items: one urgent miss, one denied nodule, and one item
// with two disagreements.
var studyIDs = []string{"demo-03-ptx-missed", "demo-04-nodule-denied", "demo-11-two-disagreements"}

// studyUnit names one disagreement of the study by item and its place in
// the item's report.
type studyUnitRef struct {
	item string
	dis  int
}

// A two-reader blind study with an adjudicator, end to end on each back
// end, the way its users go through it: study create; run (the batch
// command, against the demo's recorded outputs); each reader reviews their
// items in the workstation with --study, blind; study status shows the
// disputes; the adjudicator reviews the disputed items, seeing both
// readers' verdicts, and records the final ones; study status, study
// verdicts and agreement --study read the outcome, and the event log holds
// every step.
func TestStudyEndToEnd(t *testing.T) {
	forEachStore(t, func(t *testing.T, loc string) {
		dir := smallDemo(t, studyIDs...)
		wl := filepath.Join(dir, session.DemoWorklist)

		r := invokeMain(t, "", "study", "create", "pilot", "--readers", "alice,bob", "--adjudicator", "carol",
			"--db", loc, wl, "--allow-outside-paths")
		require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
		assert.Contains(t, r.stdout, "study pilot created")
		assert.Contains(t, r.stdout, "3 items assigned: alice 3, bob 3")

		// The models run first, as a batch, so that every result is in
		// the store when the workstation opens.
		srv := runStudyItems(t, dir, loc)

		keys := disagreementKeys(t, loc)
		require.Len(t, keys["demo-11-two-disagreements"], 2, "%v", keys)
		u03, u04 := studyUnitRef{"demo-03-ptx-missed", 0}, studyUnitRef{"demo-04-nodule-denied", 0}
		u11a, u11b := studyUnitRef{"demo-11-two-disagreements", 0}, studyUnitRef{"demo-11-two-disagreements", 1}

		// alice and bob read every item (two readers, two per item):
		// they agree on u03 and u11b and differ on u04 and u11a.
		alice := studySession(t, dir, loc, "alice", keys, []sessionStep{
			{key: "i", want: u03, decision: audit.ImageRight},
			{key: "i", want: u04, decision: audit.ImageRight},
			{key: "i", want: u11a, decision: audit.ImageRight},
			{key: "d", want: u11b, decision: audit.DraftRight},
		})
		assert.Contains(t, alice, "study pilot · reader, blind")
		assertNotYetAdjudicable(t, wl, loc, srv.URL())
		bob := studySession(t, dir, loc, "bob", keys, []sessionStep{
			{key: "i", want: u03, decision: audit.ImageRight},
			{key: "d", want: u04, decision: audit.DraftRight},
			{key: "b", want: u11a, decision: audit.BothWrong},
			{key: "d", want: u11b, decision: audit.DraftRight},
		})
		assert.NotContains(t, bob, "alice", "blind: bob never sees alice's verdicts")

		p := studyStatus(t, loc)
		assert.Equal(t, map[audit.UnitState]int{audit.UnitOpen: 0, audit.UnitAgreed: 2, audit.UnitDisputed: 2, audit.UnitAdjudicated: 0}, p.States)
		assert.False(t, p.Complete)

		// carol gets only the two disputed items, sees both verdicts and
		// settles them.
		carol := studySession(t, dir, loc, "carol", keys, []sessionStep{
			{key: "d", want: u04, decision: audit.DraftRight},
			{key: "b", want: u11a, decision: audit.BothWrong},
		})
		assert.Contains(t, carol, "study pilot · adjudicator")
		// The terminal gets only the cells that change, so a line is
		// not always written whole; the first "others" line drawn is.
		assert.Contains(t, carol, "others: alice: ", "the adjudicator sees the readers' verdicts")
		assert.Contains(t, carol, ", bob: ", "the adjudicator sees the readers' verdicts")
		assert.NotContains(t, carol, "Portable AP chest", "demo-03, agreed by the readers, is not the adjudicator's")

		p = studyStatus(t, loc)
		assert.Equal(t, map[audit.UnitState]int{audit.UnitOpen: 0, audit.UnitAgreed: 2, audit.UnitDisputed: 0, audit.UnitAdjudicated: 2}, p.States)
		assert.True(t, p.Complete)
		assert.Equal(t, []audit.AdjudicatorProgress{{Adjudicator: "carol", Settled: 2}}, p.Adjudicators)
		assertFinalVerdicts(t, loc, map[string][]string{
			ref(keys, u03):  {"agreed", "image_right", "readers"},
			ref(keys, u04):  {"adjudicated", "draft_right", "carol"},
			ref(keys, u11a): {"adjudicated", "both_wrong", "carol"},
			ref(keys, u11b): {"agreed", "draft_right", "readers"},
		})

		assertReadersKappa(t, loc)

		// Every step is in the event log.
		assert.Equal(t, []string{
			"study_create ",
			"study_assign demo-03-ptx-missed", "study_assign demo-04-nodule-denied", "study_assign demo-11-two-disagreements",
			"demo-03-ptx-missed agreed by bob", "demo-04-nodule-denied disputed by bob",
			"demo-11-two-disagreements disputed by bob", "demo-11-two-disagreements agreed by bob",
			"demo-04-nodule-denied adjudicated by carol", "demo-11-two-disagreements adjudicated by carol",
		}, studySteps(t, loc))
	})
}

// disagreementKeys reads each item's disagreement keys, in report order.
func disagreementKeys(t *testing.T, loc string) map[string][]string {
	t.Helper()
	s, err := store.Open(t.Context(), loc, store.ReadOnly())
	require.NoError(t, err)
	defer s.Close()
	results, err := s.Results(t.Context())
	require.NoError(t, err)
	out := map[string][]string{}
	for id, r := range results {
		require.NotNil(t, r.Report, "item %s: %s", id, r.Error)
		for _, d := range r.Report.Disagreements {
			out[id] = append(out[id], d.Key())
		}
	}
	return out
}

// assertNotYetAdjudicable: before the readers finish nothing is disputed,
// so the adjudicator is told so and no workstation opens; a reader who is
// not in the study is refused, naming its members.
func assertNotYetAdjudicable(t *testing.T, wl, loc, host string) {
	t.Helper()
	r := invokeMain(t, "", "review", wl, "--study", "pilot", "--annotator", "carol", "--db", loc, "--ollama", host, "--allow-outside-paths")
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	assert.Equal(t, "study pilot: nothing to adjudicate yet (4 disagreements: 4 open, 0 agreed, 0 adjudicated)\n", r.stdout)
	r = invokeMain(t, "", "review", wl, "--study", "pilot", "--annotator", "eve", "--db", loc, "--ollama", host, "--allow-outside-paths")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, `"eve" is not a member of study pilot: its members are alice (reader), bob (reader), carol (adjudicator)`)
}

// assertReadersKappa: agreement of the two readers, carol's verdicts left
// out: agreed on 2 of 4; alice I3 D1, bob I1 D2 B1: p_e = (3+2)/16, kappa
// = (8/16 − 5/16)/(11/16) = 3/11.
func assertReadersKappa(t *testing.T, loc string) {
	t.Helper()
	rep := agreementJSON(t, "--db", loc, "--study", "pilot")
	assert.Equal(t, []string{"alice", "bob"}, rep.Readers)
	all, ok := rep.Group(agreement.GroupAll, agreement.GroupAll)
	require.True(t, ok)
	assert.Equal(t, 4, all.Units)
	assert.InDelta(t, 3.0/11, *all.Kappa.Value, 1e-12)
}

// runStudyItems runs the study's worklist in dir through the demo's replay
// server, storing every result in loc, and returns the server.
func runStudyItems(t *testing.T, dir, loc string) *replay.Server {
	t.Helper()
	wl := filepath.Join(dir, session.DemoWorklist)
	srv, err := replay.NewServer(t.Context(), wl, filepath.Join(dir, session.DemoRecording), replay.Options{})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	r := invokeMain(t, "", "run", wl, "--ollama", srv.URL(), "--db", loc, "--allow-outside-paths")
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	return srv
}

// ref names a disagreement as study verdicts' CSV does: item and key.
func ref(keys map[string][]string, u studyUnitRef) string { return u.item + " " + keys[u.item][u.dis] }

// assertFinalVerdicts requires study verdicts to list want: by item and
// key, the state, final verdict and who gave it.
func assertFinalVerdicts(t *testing.T, loc string, want map[string][]string) {
	t.Helper()
	r := invokeMain(t, "", "study", "verdicts", "pilot", "--db", loc)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	require.NoError(t, err)
	final := map[string][]string{}
	for _, row := range rows[1:] {
		require.Equal(t, "pilot", row[0], "each row names the study")
		final[row[1]+" "+row[2]] = []string{row[5], row[6], row[7]}
	}
	assert.Equal(t, want, final)
}

// studySteps are the study's events in the log, in words.
func studySteps(t *testing.T, loc string) []string {
	t.Helper()
	s, err := store.Open(t.Context(), loc, store.ReadOnly())
	require.NoError(t, err)
	defer s.Close()
	events, err := s.Events(t.Context(), 0, 0)
	require.NoError(t, err)
	var steps []string
	for _, e := range events {
		switch e.Kind {
		case "study_create", "study_assign":
			steps = append(steps, e.Kind+" "+e.ItemID)
		case "study_unit":
			var d struct{ From, To string }
			require.NoError(t, json.Unmarshal([]byte(e.Data), &d))
			steps = append(steps, fmt.Sprintf("%s %s by %s", e.ItemID, d.To, e.Annotator))
		}
	}
	return steps
}

// sessionStep is one key pressed in a workstation session and, for a
// verdict key, the verdict it must save before the next key.
type sessionStep struct {
	key      string
	want     studyUnitRef
	decision audit.Decision
}

// studySession runs the demo workstation (the recorded outputs, instantly)
// as annotator on the study "pilot", presses the keys one by one, waiting
// after each verdict key until the store holds the verdict, quits, and
// returns what the workstation wrote to the terminal.
func studySession(t *testing.T, dir, loc, annotator string, keys map[string][]string, steps []sessionStep) string {
	t.Helper()
	ctx := t.Context()
	d, err := session.StartDemo(ctx, session.DemoOptions{Dir: dir, DB: loc, Fast: true})
	require.NoError(t, err)
	defer d.Close()
	in, press := io.Pipe()
	defer press.Close()
	out := newWatchWriter()
	// The disagreement pane's title counts verdicts once results are in
	// ("disagreement 1/1 · 0/1 adjudicated", "judged" for a reader;
	// drawn as a diff of the title before it, so only its end is sure to
	// be written).
	word := " judged"
	if annotator == "carol" {
		word = " adjudicated"
	}
	loaded := out.waitFor(word)
	var errOut bytes.Buffer
	e := env{stdin: in, stdout: out, stderr: &errOut, getenv: func(string) string { return "" }}
	cfg := d.Workstation(session.WorkstationConfig{Graphics: "text", Annotator: annotator, Study: "pilot"})
	cfg.Width, cfg.Height = 200, 50
	ran := make(chan error, 1)
	go func() { ran <- session.Workstation(ctx, e.session(), cfg) }()
	select {
	case <-loaded:
	case err := <-ran:
		t.Fatalf("%s: the workstation quit before showing a disagreement: %v\n%s", annotator, err, errOut.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: no disagreement shown in 30 s:\n%q", annotator, out.String())
	}
	watch, err := store.Open(ctx, loc, store.ReadOnly())
	require.NoError(t, err)
	defer watch.Close()
	// The cursor starts at the first item with a disagreement to judge
	// whose result has come back: in the demo, which serves every item
	// again at start, that depends on timing. g starts at the first.
	_, err = press.Write([]byte("g"))
	require.NoError(t, err)
	for _, st := range steps {
		if st.decision == "" {
			_, err := press.Write([]byte(st.key))
			require.NoError(t, err)
			continue
		}
		pressVerdict(t, watch, press, out, annotator, st, keys[st.want.item][st.want.dis])
	}
	_, err = press.Write([]byte("q"))
	require.NoError(t, err)
	require.NoError(t, <-ran, errOut.String())
	return out.String()
}

// pressVerdict presses the verdict key of step st until the store holds
// annotator's verdict on the disagreement key, and requires that it is
// the one verdict the key saved.
//
// A verdict key is ignored (the cursor stays, the message line says "no
// verdict given" or "results not in yet") while the item's result is
// being served again from the cache; the key is pressed again once the
// screen says so, or after 10 s without a word (a message the same as the
// one before is not drawn again). Pressing again before the screen says
// the press was ignored would judge the next disagreement too when the
// first press was only slow.
func pressVerdict(t *testing.T, watch *store.Store, press io.Writer, out *watchWriter, annotator string, st sessionStep, key string) {
	t.Helper()
	mine := func() []audit.Verdict {
		vs, err := watch.AllVerdicts(context.Background(), annotator)
		require.NoError(t, err)
		return vs
	}
	before := len(mine())
	for attempt := 0; attempt < 6; attempt++ {
		from := len(out.String())
		_, err := press.Write([]byte(st.key))
		require.NoError(t, err)
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if vs := mine(); len(vs) > before {
				require.Len(t, vs, before+1, "%s: one key, one verdict", annotator)
				v, found := verdictOn(vs, st.want.item, key)
				require.True(t, found, "%s: key %q saved a verdict, but not on %s %s: %+v\n%q", annotator, st.key, st.want.item, key, vs, tail(out.String(), 3000))
				require.Equal(t, st.decision, v.Decision, "%s on %s %s", annotator, st.want.item, key)
				return
			}
			if since := out.String()[from:]; strings.Contains(since, "no verdict given") || strings.Contains(since, "results not in yet") {
				time.Sleep(100 * time.Millisecond) // let the result come in
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	t.Fatalf("%s: key %q saved no verdict on %s %s; screen:\n%q", annotator, st.key, st.want.item, key, tail(out.String(), 3000))
}

// verdictOn finds the verdict on item's disagreement key among vs.
func verdictOn(vs []audit.Verdict, item, key string) (audit.Verdict, bool) {
	for _, v := range vs {
		if v.ItemID == item && v.DisagreementKey == key {
			return v, true
		}
	}
	return audit.Verdict{}, false
}

// studyStatus runs study status --json.
func studyStatus(t *testing.T, loc string) audit.StudyProgress {
	t.Helper()
	r := invokeMain(t, "", "study", "status", "pilot", "--db", loc, "--json")
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	var p audit.StudyProgress
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &p))
	return p
}

// tail is the last n bytes of s, for failure messages.
func tail(s string, n int) string { return s[max(0, len(s)-n):] }
