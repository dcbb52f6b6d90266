package labeler

import (
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Short names for the cells of a table row: P present, A absent, U
// uncertain; labels left out of a row must be silent.
const (
	P = schema.StatusPresent
	A = schema.StatusAbsent
	U = schema.StatusUncertain
)

const (
	pe  = schema.PleuralEffusion
	ptx = schema.Pneumothorax
	op  = schema.LungOpacity
	nm  = schema.NoduleMass
	cm  = schema.Cardiomegaly
	nf  = schema.NoFinding
)

func mustDefault(t testing.TB) *RuleSet {
	t.Helper()
	rs, err := Default()
	require.NoError(t, err)
	return rs
}

// cellsFor builds the expected cells of a row.
func cellsFor(want map[schema.Label]schema.Status) Cells {
	var c Cells
	for i, l := range schema.Labels() {
		c[i] = Silent
		if s, ok := want[l]; ok {
			c[i] = s
		}
	}
	return c
}

// TestLabelRules pins each kind of rule the labeler must handle, one draft
// at a time (sentences written for the test, not taken from the corpus).
func TestLabelRules(t *testing.T) {
	tests := []struct {
		name  string
		draft string
		want  map[schema.Label]schema.Status
	}{
		// synonyms per label
		{"pleural fluid", "Layering pleural fluid on the left.", map[schema.Label]schema.Status{pe: P}},
		{"costophrenic blunting", "Blunting of the left costophrenic angle.", map[schema.Label]schema.Status{pe: P}},
		{"airspace disease", "Right basilar airspace disease.", map[schema.Label]schema.Status{op: P}},
		{"infiltrate", "New left upper lobe infiltrate.", map[schema.Label]schema.Status{op: P}},
		{"enlarged cardiac silhouette", "The cardiac silhouette is enlarged.", map[schema.Label]schema.Status{cm: P}},
		{"spiculated lesion", "Spiculated lesion in the left apex.", map[schema.Label]schema.Status{nm: P}},
		{"PTX shorthand", "Small R PTX.", map[schema.Label]schema.Status{ptx: P}},
		{"british tumour", "Appearances suggest a tumour at the right hilum.", map[schema.Label]schema.Status{nm: U}},
		// exclusions
		{"pericardial effusion is not pleural", "Small pericardial effusion.", nil},
		{"mass effect", "No mass effect on the trachea.", nil},
		{"pneumomediastinum", "Pneumomediastinum extending into the neck.", nil},
		{"lytic lesion", "Lytic lesion in the left sixth rib.", nil},
		{"mass-like consolidation", "Mass-like consolidation in the lingula.", map[schema.Label]schema.Status{op: P}},
		// negation with scope and termination
		{"no X or Y", "No effusion or pneumothorax.", map[schema.Label]schema.Status{pe: A, ptx: A}},
		{"list of three", "No pleural effusion, pneumothorax, or consolidation.", map[schema.Label]schema.Status{pe: A, ptx: A, op: A}},
		{"without", "Cardiomegaly without effusion.", map[schema.Label]schema.Status{cm: P, pe: A}},
		{"negative for", "Negative for pneumothorax.", map[schema.Label]schema.Status{ptx: A}},
		{"free of", "The lungs are free of consolidation.", map[schema.Label]schema.Status{op: A}},
		{"X is not seen", "A pneumothorax is not seen.", map[schema.Label]schema.Status{ptx: A}},
		{"but ends the scope", "No effusion but a small pneumothorax.", map[schema.Label]schema.Status{pe: A, ptx: P}},
		{"however ends the scope", "No consolidation; however, a right effusion is present.", map[schema.Label]schema.Status{op: A, pe: P}},
		{"comma before a new assertion", "No pneumothorax, small left effusion.", map[schema.Label]schema.Status{ptx: A, pe: P}},
		{"sentence end ends the scope", "No pneumothorax. Effusion on the right.", map[schema.Label]schema.Status{ptx: A, pe: P}},
		{"post-negation over a list", "Effusion, consolidation, and pneumothorax are not seen.", map[schema.Label]schema.Status{pe: A, op: A, ptx: A}},
		{"heart not enlarged", "The heart is not enlarged.", map[schema.Label]schema.Status{cm: A}},
		{"gap stops at a terminator", "The heart is enlarged but the lungs are normal.", map[schema.Label]schema.Status{cm: P, op: A}},
		// hedges
		{"cannot exclude", "Cannot exclude a small pneumothorax.", map[schema.Label]schema.Status{ptx: U}},
		{"cannot be excluded", "A small pneumothorax cannot be excluded.", map[schema.Label]schema.Status{ptx: U}},
		{"possible", "Possible right lower lobe pneumonia.", map[schema.Label]schema.Status{op: U}},
		{"may represent", "Hilar fullness may represent a mass.", map[schema.Label]schema.Status{nm: U}},
		{"suggestive of", "Findings suggestive of consolidation.", map[schema.Label]schema.Status{op: U}},
		{"questionable", "Questionable nodule in the left lower zone.", map[schema.Label]schema.Status{nm: U}},
		{"versus", "Atelectasis versus consolidation at the left base.", map[schema.Label]schema.Status{op: U}},
		{"or as a differential", "Scarring or consolidation at the right base.", map[schema.Label]schema.Status{op: U}},
		{"question mark", "? small left pneumothorax", map[schema.Label]schema.Status{ptx: U}},
		{"mimic named", "Round opacity over the left base, possibly a nipple shadow.", map[schema.Label]schema.Status{nm: U}},
		{"cause hedged, opacity seen", "Patchy opacity at the right base, possibly pneumonia.", map[schema.Label]schema.Status{op: P}},
		// resolution and persistence
		{"resolved", "The left effusion has resolved.", map[schema.Label]schema.Status{pe: A}},
		{"no longer seen", "The right upper lobe nodule is no longer seen.", map[schema.Label]schema.Status{nm: A}},
		{"interval resolution", "Interval resolution of the pneumothorax.", map[schema.Label]schema.Status{ptx: A}},
		{"partial resolution is present", "Partial resolution of the left effusion.", map[schema.Label]schema.Status{pe: P}},
		{"unchanged", "Unchanged small right effusion.", map[schema.Label]schema.Status{pe: P}},
		{"stable", "Stable cardiomegaly.", map[schema.Label]schema.Status{cm: P}},
		{"again noted", "Left lower lobe consolidation is again noted.", map[schema.Label]schema.Status{op: P}},
		{"no change in", "No change in the small left effusion.", map[schema.Label]schema.Status{pe: P}},
		// compound findings
		{"hydropneumothorax", "Left hydropneumothorax.", map[schema.Label]schema.Status{pe: P, ptx: P}},
		{"hydro-pneumothorax", "Small hydro-pneumothorax.", map[schema.Label]schema.Status{pe: P, ptx: P}},
		// normal-study phrases
		{"no acute process", "No acute cardiopulmonary process.", map[schema.Label]schema.Status{nf: P}},
		{"normal chest radiograph", "Normal chest radiograph.", map[schema.Label]schema.Status{nf: P}},
		{"NAD", "NAD", map[schema.Label]schema.Status{nf: P}},
		{"bones are not no_finding", "No acute osseous abnormality.", nil},
		{"qualified normal", "Small left effusion. Otherwise no acute abnormality.", map[schema.Label]schema.Status{pe: P}},
		{"normal structures", "Heart size normal. Lungs clear. Costophrenic angles sharp.", map[schema.Label]schema.Status{cm: A, op: A, pe: A}},
		// history and headers
		{"history of", "History of lung cancer. No pneumothorax.", map[schema.Label]schema.Status{ptx: A}},
		{"indication header", "Indication: ? pneumothorax\nFindings: Lungs clear.", map[schema.Label]schema.Status{op: A}},
		// dictation and typos
		{"spoken punctuation", "no pneumothorax period small right effusion period", map[schema.Label]schema.Status{ptx: A, pe: P}},
		{"typo swap", "Small pleural effusoin.", map[schema.Label]schema.Status{pe: P}},
		{"typo plural", "Bilateral efusions.", map[schema.Label]schema.Status{pe: P}},
		{"short words are not corrected", "Two modules.", nil},
		{"empty", "", nil},
	}
	rs := mustDefault(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rs.Label(tt.draft)
			require.Equal(t, cellsFor(tt.want), CellsOf(got), "%+v", got)
		})
	}
}

// TestLabelSpans: the span is verbatim and covers the mention and the
// trigger that decided its status.
func TestLabelSpans(t *testing.T) {
	rs := mustDefault(t)
	got := rs.Label("PA chest. NO Pleural Effusion; cannot exclude a tiny\nright pneumothorax.")
	require.Equal(t, []schema.DraftLabel{
		{Label: pe, Status: A, Span: "NO Pleural Effusion"},
		{Label: ptx, Status: U, Span: "cannot exclude a tiny\nright pneumothorax"},
	}, got)
}

// TestLabelLongInput: a draft over MaxDraftBytes is read up to the bound
// (the nodule past it is not read), and a sentence with no end is read in
// bounded pieces without failing.
func TestLabelLongInput(t *testing.T) {
	rs := mustDefault(t)
	long := "No pneumothorax. " + strings.Repeat("No effusion. ", MaxDraftBytes/13) + "Small nodule."
	require.Greater(t, len(long), MaxDraftBytes)
	require.Equal(t, cellsFor(map[schema.Label]schema.Status{ptx: A, pe: A}), CellsOf(rs.Label(long)))

	endless := strings.Repeat("effusion no ", 2*maxSentence)
	for _, d := range rs.Label(endless) {
		require.Contains(t, endless, d.Span)
	}
}

// TestLabelConcurrent: one rule set serves many goroutines (the pipeline's
// finisher and the prep workers share it); run with -race.
func TestLabelConcurrent(t *testing.T) {
	rs := mustDefault(t)
	drafts := []string{"No pneumothorax. Small left effusion.", "Cannot exclude a nodule.", "Normal chest radiograph."}
	want := make([][]schema.DraftLabel, len(drafts))
	for i, d := range drafts {
		want[i] = rs.Label(d)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				k := (g + i) % len(drafts)
				if got := rs.Label(drafts[k]); !assert.ObjectsAreEqual(want[k], got) {
					t.Errorf("draft %d read %+v, want %+v", k, got, want[k])
					return
				}
			}
		}()
	}
	wg.Wait()
}
