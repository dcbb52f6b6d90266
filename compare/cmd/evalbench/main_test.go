package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWriteSet: the synthetic files are what eval reads, line for line.
func TestWriteSet(t *testing.T) {
	truth, pred, err := writeSet(t.TempDir(), 300)
	require.NoError(t, err)
	for _, path := range []string{truth, pred} {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		require.Len(t, lines, 300)
		boxes := 0
		for _, l := range lines {
			var row struct {
				ID       string `json:"id"`
				Findings []struct {
					Label string    `json:"label"`
					Box   []float64 `json:"box_2d"`
				} `json:"findings"`
				Error string `json:"error"`
			}
			require.NoError(t, json.Unmarshal([]byte(l), &row), l)
			require.NotEmpty(t, row.ID)
			for _, f := range row.Findings {
				if f.Box != nil {
					boxes++
					require.Len(t, f.Box, 4)
					require.True(t, f.Box[0] < f.Box[2] && f.Box[1] < f.Box[3] && f.Box[2] <= 1 && f.Box[3] <= 1, "%v", f.Box)
				}
			}
		}
		require.Positive(t, boxes)
	}
}
