package pipeline

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// TestSchedulerUrgentList: a nil urgent list means nothing is urgent, as it
// does to compare.Compare; the default whitelist is only what the caller
// passes. The scheduler used to turn nil into schema.DefaultUrgent().
func TestSchedulerUrgentList(t *testing.T) {
	tests := []struct {
		name   string
		urgent []schema.Label
		want   bool
	}{
		{"nil is none", nil, false},
		{"empty is none", []schema.Label{}, false},
		{"the default, passed", schema.DefaultUrgent(), true},
		{"another label", []schema.Label{schema.Cardiomegaly}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			// The image shows a pneumothorax the draft denies.
			srv := schedServer(t, testModels(0, 0, 1, "")...)
			cfg := baseConfig(nil, schedHost(t, srv.URL(), schedOptions()))
			cfg.Urgent = tt.urgent
			items := makeItems(t, dir, 1)
			results, _ := runAll(t, cfg, items)
			r := results[items[0].ID]
			require.NotNil(t, r)
			require.NotNil(t, r.Report, r.Err)
			require.NotEmpty(t, r.Report.Disagreements)
			assert.Equal(t, tt.want, r.Report.Urgent)
		})
	}
}
