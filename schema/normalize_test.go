package schema

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNormalizeLabel(t *testing.T) {
	tests := []struct {
		in   string
		want Label
		ok   bool
	}{
		{"pleural_effusion", PleuralEffusion, true},
		{"Pleural Effusion", PleuralEffusion, true},
		{"  PLEURAL-EFFUSION ", PleuralEffusion, true},
		{"effusion", PleuralEffusion, true},
		{"pleural fluid", PleuralEffusion, true},
		{"PTX", Pneumothorax, true},
		{"Pneumothorax.", Pneumothorax, true},
		{"consolidation", LungOpacity, true},
		{"lung opacity", LungOpacity, true},
		{"Lung Opacity/Consolidation", LungOpacity, true},
		{"opacity", LungOpacity, true},
		{"airspace opacity", LungOpacity, true},
		{"airspace disease", LungOpacity, true},
		{"infiltrate", LungOpacity, true},
		{"nodule", NoduleMass, true},
		{"mass", NoduleMass, true},
		{"nodule/mass", NoduleMass, true},
		{"Nodule / Mass", NoduleMass, true},
		{"lung nodule", NoduleMass, true},
		{"pulmonary nodule", NoduleMass, true},
		{"enlarged heart", Cardiomegaly, true},
		{"cardiac enlargement", Cardiomegaly, true},
		{"Cardiomegaly", Cardiomegaly, true},
		{"enlarged cardiac silhouette", Cardiomegaly, true},
		{"no finding", NoFinding, true},
		{"No Findings", NoFinding, true},
		{"normal", NoFinding, true},
		{"no acute findings", NoFinding, true},
		{"none", NoFinding, true},
		{"no_finding", NoFinding, true},
		{"effusion\n", PleuralEffusion, true}, // surrounding space is trimmed
		// Rejected.
		{"pneumonia", "", false}, // a diagnosis, not a finding: see labelSynonyms
		{"atelectasis", "", false},
		{"", "", false},
		{"   ", "", false},
		{"pleural\neffusion", "", false},
		{"pneumo\x1b[31mthorax", "", false},
		{"\x1b]0;pwned\x07pneumothorax", "", false},
		{"pneumothorax\u0085", "", false},
		{"pneumo\xffthorax", "", false},
		{"nodule nodule nodule nodule nodule nodule nodule nodule nodule nodule", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := NormalizeLabel(tt.in)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
			if ok {
				assert.True(t, got.Valid())
			}
		})
	}
}

func TestNormalizeLabelAcceptsEveryCanonicalLabel(t *testing.T) {
	for _, l := range Labels() {
		got, ok := NormalizeLabel(string(l))
		assert.True(t, ok, l)
		assert.Equal(t, l, got)
	}
}

func TestNormalizeStatus(t *testing.T) {
	tests := []struct {
		in   string
		want Status
		ok   bool
	}{
		{"present", StatusPresent, true},
		{"Positive", StatusPresent, true},
		{"yes", StatusPresent, true},
		{"TRUE", StatusPresent, true},
		{"seen", StatusPresent, true},
		{`"present"`, StatusPresent, true},
		{"absent", StatusAbsent, true},
		{"negative", StatusAbsent, true},
		{"no", StatusAbsent, true},
		{"false", StatusAbsent, true},
		{"denied", StatusAbsent, true},
		{"not present", StatusAbsent, true},
		{"Not-Present", StatusAbsent, true},
		{"ruled out", StatusAbsent, true},
		{"uncertain", StatusUncertain, true},
		{"possible", StatusUncertain, true},
		{"probable", StatusUncertain, true},
		{"cannot exclude", StatusUncertain, true},
		{"can't exclude", StatusUncertain, true},
		{"can\u2019t exclude", StatusUncertain, true},
		{"equivocal", StatusUncertain, true},
		{"hedged", StatusUncertain, true},
		{"may be present", StatusUncertain, true},
		{"indeterminate", StatusUncertain, true},
		{"questionable", StatusUncertain, true},
		{"maybe", "", false},
		{"", "", false},
		{"pres\x1bent", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := NormalizeStatus(tt.in)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}
