package render

import (
	"runtime"
	"sync"
)

// parallelRows runs f over rows [0, n) split into one contiguous range per
// CPU (at most 4) when the work (about work values) repays the goroutines,
// and waits for them all.
func parallelRows(n, work int, f func(y0, y1 int)) {
	parts := min(runtime.GOMAXPROCS(0), 4, n)
	if work < 1<<18 || parts < 2 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for i := range parts {
		y0, y1 := n*i/parts, n*(i+1)/parts
		if i == parts-1 {
			f(y0, y1)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(y0, y1)
		}()
	}
	wg.Wait()
}
