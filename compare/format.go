package compare

// FormatEstimate is e as eval's tables print it: the value to three
// places, its interval in brackets ("n/a" when undefined, "(no interval)"
// for a figure without one by design) and a star when SmallN. Reports
// use it so their tables read exactly as eval's.
func FormatEstimate(e Estimate) string { return cell(e) }

// FormatDifference is a paired difference as eval prints it: signed, with
// its interval and star.
func FormatDifference(e Estimate) string { return signed(e) }

// FormatCounted is a rate with its counts, "0.750 (3/4) [lo, hi]".
func FormatCounted(e Estimate, k, n int) string { return counted(e, k, n) }

// FormatPairs is a mean over pairs, "0.612 (12 pairs) [lo, hi]".
func FormatPairs(e Estimate, pairs int) string { return paired(e, pairs) }

// MacroName is the macro-F1 row's name in eval's table: what it averages
// under protocol p.
func MacroName(p Protocol, labels int) string { return macroName(p, labels) }

// PoolingNote says how localization pools boxes under protocol p.
func PoolingNote(p Protocol) string { return poolingNote(p) }
