package tui

// rowPageSize is how many rows one page of a rowTable holds: a screenful
// of the worklist and its neighbours share a page or two.
const rowPageSize = 1024

// rowTable is the worklist's rows, parallel to its items, kept in pages
// that are made when one of their rows is first written. A big worklist
// whose results are not known yet costs a slice of empty pages, not a
// row per item, so the first frame does not wait for (or hold) them.
type rowTable struct {
	pages [][]row
	n     int
}

// newRowTable returns n rows, all zero, none of them stored yet.
func newRowTable(n int) rowTable {
	return rowTable{pages: make([][]row, (n+rowPageSize-1)/rowPageSize), n: n}
}

// len is the number of rows (the worklist's items).
func (t *rowTable) len() int { return t.n }

// grow makes the table n rows long (n more than it is): the new rows
// are zero, and a short last page is lengthened.
func (t *rowTable) grow(n int) {
	if n <= t.n {
		return
	}
	if t.n > 0 {
		k := (t.n - 1) / rowPageSize
		if p := t.pages[k]; p != nil && len(p) < rowPageSize {
			want := min(rowPageSize, n-k*rowPageSize)
			t.pages[k] = append(p, make([]row, want-len(p))...)
		}
	}
	for len(t.pages) < (n+rowPageSize-1)/rowPageSize {
		t.pages = append(t.pages, nil)
	}
	t.n = n
}

// get returns a copy of row i: the zero row when its page was never
// written. Reading makes no page, so scans of every item (filters,
// counts) stay as small as the rows written.
func (t *rowTable) get(i int) row {
	if p := t.pages[i/rowPageSize]; p != nil {
		return p[i%rowPageSize]
	}
	return row{}
}

// at returns row i to read and change in place, making its page on
// first use.
func (t *rowTable) at(i int) *row {
	k := i / rowPageSize
	p := t.pages[k]
	if p == nil {
		p = make([]row, min(rowPageSize, t.n-k*rowPageSize))
		t.pages[k] = p
	}
	return &p[i%rowPageSize]
}
