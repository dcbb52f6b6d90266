package schema

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBoxJSON(t *testing.T) {
	tests := []struct {
		in      string
		want    Box
		wantErr string
	}{
		{in: `[0.1,0.2,0.3,0.4]`, want: Box{0.1, 0.2, 0.3, 0.4}},
		{in: ` [ 0.1 , 0.2,0.3 ,	0.4 ] `, want: Box{0.1, 0.2, 0.3, 0.4}},
		{in: `[0,0,1,1]`, want: Box{0, 0, 1, 1}},
		{in: `[1e-1,2E-1,0.3,0.4]`, want: Box{0.1, 0.2, 0.3, 0.4}},
		{in: `[0.1,0.2,0.3]`, wantErr: "got 3"},
		{in: `[0.1,0.2,0.3,0.4,0.5]`, wantErr: "got more"},
		{in: `[]`, wantErr: "got 0"},
		{in: `[0.1,0.2,0.3,]`, wantErr: "element 3"},
		{in: `[0.1,"a",0.3,0.4]`, wantErr: "element 1"},
		{in: `[0.1,0x2,0.3,0.4]`, wantErr: "element 1"},
		{in: `[0.1,NaN,0.3,0.4]`, wantErr: "element 1"},
		{in: `[0.1,Inf,0.3,0.4]`, wantErr: "element 1"},
		{in: `[0.5,0.2,0.3,0.4]`, wantErr: "not a well-formed"},
		{in: `[0.1,0.2,3,4]`, wantErr: "not a well-formed"},
		{in: `{"y0":0.1}`, wantErr: "want a JSON array"},
		{in: `null`, wantErr: "want a JSON array"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var b Box
			// Directly: encoding/json would reject malformed documents
			// before the method sees them.
			err := b.UnmarshalJSON([]byte(tt.in))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, b)
			out, err := json.Marshal(b)
			require.NoError(t, err)
			var back Box
			require.NoError(t, json.Unmarshal(out, &back))
			assert.Equal(t, b, back, "round trip through encoding/json")
		})
	}
}

func TestFindingJSONOmitsMissingBox(t *testing.T) {
	out, err := json.Marshal([]Finding{{Label: Pneumothorax}, {Label: NoduleMass, Box: &Box{0.1, 0.2, 0.3, 0.4}}})
	require.NoError(t, err)
	assert.JSONEq(t, `[{"label":"pneumothorax"},{"label":"nodule_mass","box_2d":[0.1,0.2,0.3,0.4]}]`, string(out))
	var back []Finding
	require.NoError(t, json.Unmarshal(out, &back))
	assert.Nil(t, back[0].Box)
	assert.Equal(t, Box{0.1, 0.2, 0.3, 0.4}, *back[1].Box)
}

func FuzzBoxUnmarshal(f *testing.F) {
	for _, s := range []string{`[0.1,0.2,0.3,0.4]`, `[]`, `[1,2,3,4,5]`, `[0.1,,0.3,0.4]`, `[`, `]`, `[0.1,0.2,0.3,0.4`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var b Box
		if err := b.UnmarshalJSON([]byte(s)); err == nil {
			require.True(t, b.Valid(), "accepted %q as %v", s, b)
		}
	})
}

func BenchmarkBoxUnmarshal(b *testing.B) {
	data := []byte(`[0.15,0.5999374999999999,0.62,0.8449062500000001]`)
	var box Box
	for b.Loop() {
		if err := box.UnmarshalJSON(data); err != nil {
			b.Fatal(err)
		}
	}
}
