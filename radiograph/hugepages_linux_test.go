package radiograph

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHugeSpan(t *testing.T) {
	const hp = hugePage
	for _, tc := range []struct {
		name     string
		addr     uintptr
		n        int
		off, end int
	}{
		{"aligned, whole pages", 4 * hp, 3 * hp, 0, 3 * hp},
		{"aligned, a tail left out", 4 * hp, 3*hp + 100, 0, 3 * hp},
		{"unaligned start", 4*hp + 4096, 3 * hp, hp - 4096, 3*hp - 4096},
		{"too short for one", 4*hp + 4096, hp, 0, 0},
		{"starts a byte before a boundary", 5*hp - 1, 2*hp + 1, 1, 2*hp + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			off, end := hugeSpan(tc.addr, tc.n)
			if tc.end <= tc.off {
				assert.LessOrEqual(t, end, off)
				return
			}
			assert.Equal(t, [2]int{tc.off, tc.end}, [2]int{off, end})
			assert.Zero(t, (tc.addr+uintptr(off))%hp, "starts on a huge page")
			assert.Zero(t, (end-off)%hp, "whole huge pages")
			assert.LessOrEqual(t, end, tc.n)
		})
	}
}

// TestNewFloatsAsksForHugePages: the kernel records the advice on the
// grid's memory (the "hg" flag of its mapping in /proc/self/smaps),
// whether or not huge pages are then available.
func TestNewFloatsAsksForHugePages(t *testing.T) {
	p := newFloats(4 << 20) // 16 MB
	require.Len(t, p, 4<<20)
	assert.Zero(t, p[0])
	assert.Zero(t, p[len(p)-1])
	addr := uintptr(unsafe.Pointer(&p[len(p)/2]))
	f, err := os.Open("/proc/self/smaps")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		var lo, hi uintptr
		if n, _ := fmt.Sscanf(line, "%x-%x", &lo, &hi); n == 2 && strings.Contains(line, " ") {
			in = lo <= addr && addr < hi
			continue
		}
		if in && strings.HasPrefix(line, "VmFlags:") {
			assert.Contains(t, strings.Fields(line), "hg", "mapping of the grid: %s", line)
			return
		}
	}
	t.Fatal("the grid's mapping is not in /proc/self/smaps")
}
