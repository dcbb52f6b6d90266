package labeler

import "github.com/cxr-auditor/cxr-auditor/schema"

// statusIndex orders the four cell values for the confusion table.
func statusIndex(s schema.Status) int {
	switch s {
	case schema.StatusPresent:
		return 0
	case schema.StatusAbsent:
		return 1
	case schema.StatusUncertain:
		return 2
	}
	return 3
}

// Statuses returns the cell values in table order: present, absent,
// uncertain, silent.
func Statuses() []schema.Status {
	return []schema.Status{schema.StatusPresent, schema.StatusAbsent, schema.StatusUncertain, Silent}
}

// Score tallies (draft, label) cells of readings against gold.
type Score struct {
	Drafts int
	// Confusion[g][r] counts cells with gold Statuses()[g] read as
	// Statuses()[r]; PerLabel is the same per label, in schema.Labels order.
	Confusion [4][4]int
	PerLabel  [6][4][4]int
}

// Add tallies one draft.
func (s *Score) Add(gold, got Cells) {
	s.Drafts++
	for i := range gold {
		g, r := statusIndex(gold[i]), statusIndex(got[i])
		s.Confusion[g][r]++
		s.PerLabel[i][g][r]++
	}
}

// Merge adds o's tallies to s.
func (s *Score) Merge(o Score) {
	s.Drafts += o.Drafts
	for g := range s.Confusion {
		for r := range s.Confusion[g] {
			s.Confusion[g][r] += o.Confusion[g][r]
			for l := range s.PerLabel {
				s.PerLabel[l][g][r] += o.PerLabel[l][g][r]
			}
		}
	}
}

// Cells returns the number of cells and how many were read as gold.
func (s *Score) Cells() (total, correct int) {
	for g := range s.Confusion {
		for r := range s.Confusion[g] {
			total += s.Confusion[g][r]
			if g == r {
				correct += s.Confusion[g][r]
			}
		}
	}
	return total, correct
}

// Accuracy is the share of cells read as gold (0 with no cells).
func (s *Score) Accuracy() float64 {
	t, c := s.Cells()
	if t == 0 {
		return 0
	}
	return float64(c) / float64(t)
}

// PRF is precision, recall and F1 of one status, with its gold support
// and the number of cells read as it. A ratio with a zero denominator is 0.
type PRF struct {
	Precision, Recall, F1 float64
	Support, Predicted    int
}

// Status returns the PRF of status st over every cell (label < 0) or the
// cells of one label (its schema.Labels index).
func (s *Score) Status(st schema.Status, label int) PRF {
	m := &s.Confusion
	if label >= 0 {
		m = &s.PerLabel[label]
	}
	k := statusIndex(st)
	tp, fp, fn := m[k][k], 0, 0
	for j := 0; j < 4; j++ {
		if j != k {
			fp += m[j][k]
			fn += m[k][j]
		}
	}
	p := PRF{Support: tp + fn, Predicted: tp + fp}
	if tp+fp > 0 {
		p.Precision = float64(tp) / float64(tp+fp)
	}
	if tp+fn > 0 {
		p.Recall = float64(tp) / float64(tp+fn)
	}
	if p.Precision+p.Recall > 0 {
		p.F1 = 2 * p.Precision * p.Recall / (p.Precision + p.Recall)
	}
	return p
}
