package main

// Synthetic data only: no real patient data exist here.

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// studyWorklist writes a worklist of n items (no image is read by the
// study commands) and returns its path.
func studyWorklist(t *testing.T, ids ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("id,image,draft\n")
	for _, id := range ids {
		b.WriteString(id + "," + id + ".png,No pneumothorax.\n")
	}
	wl := writeTemp(t, "wl.csv", b.String())
	for _, id := range ids {
		writeRunImage(t, strings.TrimSuffix(wl, "wl.csv")+id+".png", 1)
	}
	return wl
}

func TestStudyCommandErrors(t *testing.T) {
	wl := studyWorklist(t, "c1", "c2")
	r := invokeMain(t, "", "study", "create", "pilot", "--readers", "alice,bob", "--adjudicator", "carol", wl)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)

	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no subcommand", []string{"study"}, 2, "USAGE"},
		{"unknown subcommand", []string{"study", "frob"}, 2, `unknown command "frob"`},
		{"no readers", []string{"study", "create", "x", wl}, 2, "--readers is required"},
		{"too many per item", []string{"study", "create", "x", "--readers", "a,b", "--per-item", "3", "--adjudicator", "c", wl}, 2, "per item: 3: want 1 to 2"},
		{"no adjudicator", []string{"study", "create", "x", "--readers", "a,b", wl}, 2, "needs an adjudicator"},
		{"bad name", []string{"study", "create", "my study", "--readers", "a", "--per-item", "1", wl}, 2, "letters, digits"},
		{"reader who adjudicates", []string{"study", "create", "x", "--readers", "a,b", "--adjudicator", "b", wl}, 2, `"b" is already one of the readers`},
		{"taken name", []string{"study", "create", "pilot", "--readers", "a,b", "--adjudicator", "c", wl}, 1, "a study of that name exists"},
		{"no store named", []string{"study", "create", "x", "--readers", "a", "--per-item", "1"}, 2, "name the store with --db"},
		{"unknown study status", []string{"study", "status", "nope", wl}, 1, `no such study "nope"`},
		{"unknown study assign", []string{"study", "assign", "nope", wl}, 1, `no such study "nope"`},
		{"verdicts format", []string{"study", "verdicts", "pilot", "--format", "xml", wl}, 2, `--format "xml"`},
		{"agreement on an unknown study", []string{"agreement", "--study", "nope", wl}, 1, `no such study "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := invokeMain(t, "", tt.args...)
			assert.Equal(t, tt.code, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
			assert.Contains(t, r.stderr, tt.stderr)
		})
	}
}

// judgeTri stores results for c0 and c1 of study tri and its verdicts:
// c0: ann and ben (rule: item 0 → ann, ben) disagree, dee settles it; c1:
// cat and ann (item 1 → cat, ann), ann only so far.
func judgeTri(t *testing.T, db string) {
	t.Helper()
	ctx := t.Context()
	s, err := store.Open(ctx, db)
	require.NoError(t, err)
	defer s.Close()
	key := "pneumothorax/missed_in_draft"
	rep := &audit.Report{Disagreements: []audit.Disagreement{{Label: schema.Pneumothorax, Kind: audit.MissedInDraft}}}
	for _, id := range []string{"c0", "c1"} {
		require.NoError(t, s.PutResult(ctx, audit.ResultRecord{ItemID: id, Report: rep}))
	}
	for _, v := range []audit.Verdict{
		{ItemID: "c0", Annotator: "ann", Decision: audit.ImageRight},
		{ItemID: "c0", Annotator: "ben", Decision: audit.Unsure},
		{ItemID: "c0", Annotator: "dee", Decision: audit.ImageRight},
		{ItemID: "c1", Annotator: "ann", Decision: audit.DraftRight},
	} {
		v.DisagreementKey, v.Study = key, "tri"
		_, err := s.SaveVerdict(ctx, v)
		require.NoError(t, err)
	}
}

// The study's text output on a store filled through the store's API:
// three readers, two per item, one adjudicator.
func TestStudyStatusListAndVerdicts(t *testing.T) {
	wl := studyWorklist(t, "c0", "c1", "c2")
	r := invokeMain(t, "", "study", "create", "tri", "--readers", "ann,ben,cat", "--adjudicator", "dee", wl)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	assert.Equal(t, "study tri created in "+store.DefaultPath(wl)+": ann (reader), ben (reader), cat (reader), dee (adjudicator); 2 per item\n"+
		"3 items assigned: ann 2, ben 2, cat 2\n", r.stdout)

	judgeTri(t, store.DefaultPath(wl))

	r = invokeMain(t, "", "study", "status", "tri", wl)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	lines := strings.Split(r.stdout, "\n")
	assert.Contains(t, lines[0], "study tri: ann (reader), ben (reader), cat (reader), dee (adjudicator); 2 per item; created ")
	assert.Equal(t, []string{
		"items: 3 assigned, 2 run (1 waiting for their models to run ('cxr-auditor run'))",
		"disagreements: 2: 1 open, 0 agreed, 0 disputed (waiting for adjudication), 1 adjudicated",
		"",
		"READER  ITEMS  RUN  DONE  JUDGED",
		"ann     2      2    2     2/2",
		"ben     2      1    1     1/1",
		"cat     2      1    0     0/1",
		"",
		"ADJUDICATOR  SETTLED",
		"dee          1",
		"",
		"in progress: each reader reviews with 'cxr-auditor review WORKLIST --study tri --annotator NAME'",
		"",
	}, lines[1:])

	r = invokeMain(t, "", "study", "list", wl)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	assert.Regexp(t, `^STUDY  READERS      PER ITEM  ADJUDICATORS  CREATED\ntri    ann,ben,cat  2         dee           \d{4}-\d\d-\d\d \d\d:\d\d by \S+\n$`, r.stdout)

	r = invokeMain(t, "", "study", "verdicts", "tri", wl)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	assert.Equal(t, "study,item_id,key,label,kind,state,final,final_by,stale,annotator,role,decision\n"+
		"tri,c0,pneumothorax/missed_in_draft,pneumothorax,missed_in_draft,adjudicated,image_right,dee,false,ann,reader,image_right\n"+
		"tri,c0,pneumothorax/missed_in_draft,pneumothorax,missed_in_draft,adjudicated,image_right,dee,false,ben,reader,unsure\n"+
		"tri,c0,pneumothorax/missed_in_draft,pneumothorax,missed_in_draft,adjudicated,image_right,dee,false,dee,adjudicator,image_right\n", r.stdout,
		"tidy: one row per unit per reader, then the adjudicator, each naming the study")

	r = invokeMain(t, "", "study", "verdicts", "tri", "--all", "--format", "jsonl", wl)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	jl := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, jl, 2)
	assert.JSONEq(t, `{"study":"tri","item_id":"c0","key":"pneumothorax/missed_in_draft","label":"pneumothorax","kind":"missed_in_draft",
		"readers":["ann","ben"],"state":"adjudicated","final":"image_right","final_by":"dee","judgements":[
		{"annotator":"ann","role":"reader","decision":"image_right"},{"annotator":"ben","role":"reader","decision":"unsure"},
		{"annotator":"dee","role":"adjudicator","decision":"image_right"}]}`, jl[0],
		"every judgement, the adjudicator's too, says its study and role")
	var u audit.StudyUnit
	require.NoError(t, json.Unmarshal([]byte(jl[1]), &u))
	assert.Equal(t, "c1", u.ItemID)
	assert.Equal(t, audit.UnitOpen, u.State)
	assert.Equal(t, []string{"cat", "ann"}, u.Readers)

	// A fourth item joins: study assign continues the rule (item 3 → ann, ben).
	wl2 := strings.TrimSuffix(wl, "wl.csv") + "wl2.csv"
	writeRunImage(t, strings.TrimSuffix(wl, "wl.csv")+"c3.png", 1)
	require.NoError(t, os.WriteFile(wl2, []byte("id,image,draft\nc0,c0.png,x\nc1,c1.png,x\nc2,c2.png,x\nc3,c3.png,x\n"), 0o600))
	r = invokeMain(t, "", "study", "assign", "tri", "--db", store.DefaultPath(wl), wl2)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	assert.Equal(t, "1 item assigned: ann 1, ben 1, cat 0\n", r.stdout)

	// agreement --study: the readers' verdicts on their items; dee's
	// ruling is no rating. c0 is the one unit two readers judged.
	rep2 := agreementJSON(t, "--study", "tri", wl)
	assert.Equal(t, []string{"ann", "ben"}, rep2.Readers)
	assert.Equal(t, []string{"cat"}, rep2.ReadersWithoutRatings)
	assert.Equal(t, 3, rep2.Ratings)
	assert.Len(t, rep2.Excluded, 1, "c1, judged by ann alone")
}

func TestStudyCreateOnAnEmptyStore(t *testing.T) {
	db := storeBackends[0].location(t)
	r := invokeMain(t, "", "study", "create", "early", "--readers", "a,b", "--adjudicator", "c", "--db", db)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	assert.Contains(t, r.stdout, "0 items assigned: a 0, b 0")
	assert.Contains(t, r.stderr, "the store holds no items yet: give the WORKLIST, or run 'cxr-auditor study assign early WORKLIST'")
}

// study close refuses verdicts until study reopen; both, and a reader's
// unblinding, are shown by study status and kept in the event log.
func TestStudyCloseReopenStatus(t *testing.T) {
	wl := studyWorklist(t, "c0", "c1")
	r := invokeMain(t, "", "study", "create", "duo", "--readers", "ann,ben", "--adjudicator", "dee", wl)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	db := store.DefaultPath(wl)
	r = invokeMain(t, "", "study", "close", "duo", "--why", "reported", wl)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	assert.Contains(t, r.stdout, "study duo closed by ")

	s, err := store.Open(t.Context(), db)
	require.NoError(t, err)
	rep := &audit.Report{Disagreements: []audit.Disagreement{{Label: schema.Pneumothorax, Kind: audit.MissedInDraft}}}
	require.NoError(t, s.PutResult(t.Context(), audit.ResultRecord{ItemID: "c0", Report: rep}))
	_, err = s.SaveVerdict(t.Context(), audit.Verdict{ItemID: "c0", DisagreementKey: "pneumothorax/missed_in_draft", Decision: audit.Unsure, Annotator: "ann", Study: "duo"})
	require.ErrorIs(t, err, store.ErrStudyClosed)
	require.NoError(t, s.RecordUnblinded(t.Context(), "duo", "ben", "review --blind=false"))
	require.NoError(t, s.Close())

	r = invokeMain(t, "", "study", "status", "duo", wl)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	assert.Contains(t, r.stdout, "CLOSED: verdicts are refused")
	assert.Regexp(t, `log: .* closed \(reported\)`, r.stdout)
	assert.Regexp(t, `log: .* ben read UNBLINDED`, r.stdout)

	r = invokeMain(t, "", "study", "reopen", "duo", wl)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	r = invokeMain(t, "", "study", "reopen", "duo", wl)
	assert.NotEqual(t, 0, r.code, "reopening an open study is refused")
	assert.Contains(t, r.stderr, "is not closed")
	r = invokeMain(t, "", "study", "status", "duo", "--json", wl)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	var st struct {
		Closed bool `json:"closed"`
		Log    []struct {
			Kind string `json:"kind"`
		} `json:"log"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &st))
	assert.False(t, st.Closed)
	require.Len(t, st.Log, 3)
	assert.Equal(t, "reopen", st.Log[2].Kind)
}
