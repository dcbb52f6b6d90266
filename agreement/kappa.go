package agreement

import "math"

// kappaEstimate is one chance-corrected agreement figure with the
// proportions behind it. Every field is finite. ok is false when kappa is
// undefined: no unit, or a chance agreement of 1 (every rating in one
// category), where (p_o − p_e)/(1 − p_e) is 0/0. seOK is false when no
// standard error can be formed (fewer than two units).
type kappaEstimate struct {
	units    int     // units the estimate rests on
	observed float64 // p_o (Cohen) or the mean pairwise agreement P̄ (Fleiss)
	expected float64 // p_e, the agreement expected by chance
	kappa    float64
	se       float64
	ok, seOK bool
}

// chanceIsOne reports whether the chance agreement is 1 up to rounding. The
// exact case (one category used) gives exactly 1 in floating point; any other
// table has 1 − p_e of order 1/n or more, far above this tolerance.
func chanceIsOne(pe float64) bool { return 1-pe < 1e-12 }

// clampUnit keeps a rounding error from pushing a kappa or a confidence
// bound outside [−1, 1].
func clampUnit(v float64) float64 { return max(-1, min(1, v)) }

// cohenKappa computes Cohen's (1960) kappa of a two-reader table (rows:
// reader A's category, columns: reader B's; t must be square) with the
// large-sample standard error of Fleiss, Cohen & Everitt (1969), the one
// SAS PROC FREQ reports as ASE:
//
//	Var(κ) = [ Σ_i p_ii (1 − (p_i· + p_·i)(1 − κ))²
//	         + (1 − κ)² Σ_{i≠j} p_ij (p_·i + p_j·)²
//	         − (κ − p_e(1 − κ))² ] / (n (1 − p_e)²)
//
// It is the variance around the estimate, not the one under κ = 0, so it is
// the one to build a confidence interval from.
func cohenKappa(t [][]int) kappaEstimate {
	k := len(t)
	n := 0
	for _, row := range t {
		for _, c := range row {
			n += c
		}
	}
	if n == 0 {
		return kappaEstimate{}
	}
	nf := float64(n)
	rows, cols := make([]float64, k), make([]float64, k)
	po := 0.0
	for i, row := range t {
		for j, c := range row {
			p := float64(c) / nf
			rows[i] += p
			cols[j] += p
			if i == j {
				po += p
			}
		}
	}
	pe := 0.0
	for i := range k {
		pe += rows[i] * cols[i]
	}
	est := kappaEstimate{units: n, observed: po, expected: pe}
	if chanceIsOne(pe) {
		return est
	}
	kappa := (po - pe) / (1 - pe)
	est.kappa, est.ok = kappa, true
	if n < 2 {
		return est
	}
	var diag, off float64
	for i, row := range t {
		for j, c := range row {
			p := float64(c) / nf
			if i == j {
				d := 1 - (rows[i]+cols[i])*(1-kappa)
				diag += p * d * d
			} else {
				s := cols[i] + rows[j]
				off += p * s * s
			}
		}
	}
	c := kappa - pe*(1-kappa)
	num := diag + (1-kappa)*(1-kappa)*off - c*c
	est.se, est.seOK = math.Sqrt(zeroNoise(num)/(nf*(1-pe)*(1-pe))), true
	return est
}

// fleissKappa computes Fleiss' (1971) kappa generalized to units rated by
// different numbers of readers (Gwet 2014; irrCAC's fleiss.kappa.raw), with
// Gwet's (2008) linearized standard error, which, unlike Fleiss, Nee &
// Landis (1979), does not assume kappa is 0 and so gives an interval.
// counts[i][k] is how many readers put unit i in category k; units with no
// reader are ignored and units with one count only in the category shares.
// docs/metrics.md ("Fleiss' kappa") gives the formulas this follows.
func fleissKappa(counts [][]int) kappaEstimate {
	q := 0
	for _, row := range counts {
		q = max(q, len(row))
	}
	type unit struct {
		row []int
		r   int
		pa  float64
	}
	units := make([]unit, 0, len(counts))
	n2 := 0
	paSum := 0.0
	for _, row := range counts {
		u := unit{row: row}
		for _, c := range row {
			u.r += c
		}
		if u.r == 0 {
			continue
		}
		if u.r >= 2 {
			agree := 0
			for _, c := range row {
				agree += c * (c - 1)
			}
			u.pa = float64(agree) / float64(u.r*(u.r-1))
			paSum += u.pa
			n2++
		}
		units = append(units, u)
	}
	if n2 == 0 {
		return kappaEstimate{}
	}
	n := len(units)
	pi := make([]float64, q)
	for _, u := range units {
		for k, c := range u.row {
			pi[k] += float64(c) / float64(u.r)
		}
	}
	pe := 0.0
	for k := range pi {
		pi[k] /= float64(n)
		pe += pi[k] * pi[k]
	}
	pa := paSum / float64(n2)
	est := kappaEstimate{units: n2, observed: pa, expected: pe}
	if chanceIsOne(pe) {
		return est
	}
	kappa := (pa - pe) / (1 - pe)
	est.kappa, est.ok = kappa, true
	if n < 2 {
		return est
	}
	ss := 0.0
	for _, u := range units {
		ki := 0.0
		if u.r >= 2 {
			ki = float64(n) / float64(n2) * (u.pa - pe) / (1 - pe)
		}
		pei := 0.0
		for k, c := range u.row {
			pei += float64(c) * pi[k]
		}
		pei /= float64(u.r)
		d := ki - 2*(1-kappa)*(pei-pe)/(1-pe) - kappa
		ss += d * d
	}
	est.se, est.seOK = math.Sqrt(zeroNoise(ss)/float64(n*(n-1))), true
	return est
}

// zeroNoise returns 0 for a sum of O(1) variance terms that cancels to
// rounding noise (as at perfect agreement, where FCE's terms are 1 − 1), so
// a zero standard error is exactly 0 and reported as such.
func zeroNoise(v float64) float64 {
	if v < 1e-12 {
		return 0
	}
	return v
}

// normalQuantile returns z with P(|Z| ≤ z) = level for a standard normal Z:
// 1.959964 for 0.95.
func normalQuantile(level float64) float64 { return math.Sqrt2 * math.Erfinv(level) }
