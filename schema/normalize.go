package schema

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// labelSynonyms maps a folded spelling (see fold) to its canonical label.
//
// The list is deliberately conservative: it holds spellings of the same
// radiographic finding, never a diagnosis that merely suggests one. In
// particular "pneumonia" is NOT mapped to lung_opacity_consolidation:
// pneumonia is a clinical diagnosis (opacity plus history, labs, course), and
// mapping it would let a model's diagnostic guess count as image support for
// an opacity, or let a draft's "no pneumonia" count as denying every opacity
// (atelectasis, edema, haemorrhage). Likewise "hydrothorax", "edema" and
// "atelectasis" are left out. Unknown spellings are dropped and reported,
// which is visible; a wrong mapping would not be.
var labelSynonyms = map[string]Label{
	"pleural effusion":  PleuralEffusion,
	"pleural effusions": PleuralEffusion,
	"effusion":          PleuralEffusion,
	"effusions":         PleuralEffusion,
	"pleural fluid":     PleuralEffusion,

	"pneumothorax":   Pneumothorax,
	"pneumothoraces": Pneumothorax,
	"ptx":            Pneumothorax,

	"lung opacity consolidation":    LungOpacity,
	"lung opacity or consolidation": LungOpacity,
	"lung opacity":                  LungOpacity,
	"lung opacities":                LungOpacity,
	"consolidation":                 LungOpacity,
	"consolidations":                LungOpacity,
	"opacity":                       LungOpacity,
	"opacities":                     LungOpacity,
	"airspace opacity":              LungOpacity,
	"airspace opacities":            LungOpacity,
	"air space opacity":             LungOpacity,
	"airspace disease":              LungOpacity,
	"air space disease":             LungOpacity,
	"airspace consolidation":        LungOpacity,
	"infiltrate":                    LungOpacity,
	"infiltrates":                   LungOpacity,

	"nodule mass":       NoduleMass,
	"nodule or mass":    NoduleMass,
	"nodule":            NoduleMass,
	"nodules":           NoduleMass,
	"mass":              NoduleMass,
	"masses":            NoduleMass,
	"lung nodule":       NoduleMass,
	"lung nodules":      NoduleMass,
	"pulmonary nodule":  NoduleMass,
	"pulmonary nodules": NoduleMass,
	"lung mass":         NoduleMass,
	"pulmonary mass":    NoduleMass,

	"cardiomegaly":                 Cardiomegaly,
	"enlarged heart":               Cardiomegaly,
	"cardiac enlargement":          Cardiomegaly,
	"enlarged cardiac silhouette":  Cardiomegaly,
	"cardiac silhouette enlarged":  Cardiomegaly,
	"enlarged cardiac silhouettes": Cardiomegaly,

	"no finding":           NoFinding,
	"no findings":          NoFinding,
	"nofinding":            NoFinding,
	"normal":               NoFinding,
	"no acute finding":     NoFinding,
	"no acute findings":    NoFinding,
	"no acute abnormality": NoFinding,
	"none":                 NoFinding,
}

// statusSynonyms maps a folded spelling to its canonical status. Hedges
// ("cannot exclude", "probable") are uncertain, not present: the comparator
// treats uncertain as neither asserting nor denying, which is the honest
// reading of a hedge.
var statusSynonyms = map[string]Status{
	"present":    StatusPresent,
	"positive":   StatusPresent,
	"yes":        StatusPresent,
	"true":       StatusPresent,
	"seen":       StatusPresent,
	"is present": StatusPresent,

	"absent":      StatusAbsent,
	"negative":    StatusAbsent,
	"no":          StatusAbsent,
	"false":       StatusAbsent,
	"denied":      StatusAbsent,
	"not present": StatusAbsent,
	"not seen":    StatusAbsent,
	"ruled out":   StatusAbsent,
	"is absent":   StatusAbsent,

	"uncertain":          StatusUncertain,
	"possible":           StatusUncertain,
	"possibly":           StatusUncertain,
	"probable":           StatusUncertain,
	"cannot exclude":     StatusUncertain,
	"can not exclude":    StatusUncertain,
	"can't exclude":      StatusUncertain,
	"cannot be excluded": StatusUncertain,
	"cannot rule out":    StatusUncertain,
	"can't rule out":     StatusUncertain,
	"equivocal":          StatusUncertain,
	"hedged":             StatusUncertain,
	"may be present":     StatusUncertain,
	"indeterminate":      StatusUncertain,
	"questionable":       StatusUncertain,
}

// NormalizeLabel maps a spelling of a finding to its canonical Label. It
// ignores case, surrounding spaces and surrounding punctuation, treats runs of
// spaces, hyphens, slashes, underscores and dots inside as one separator
// ("Nodule/Mass", "lung-opacity", "PLEURAL_EFFUSION"), and knows a short,
// conservative list of synonyms ("PTX", "effusion", "enlarged heart",
// "no acute findings"; see labelSynonyms for what is left out and why).
// Text containing control characters or invalid UTF-8 is rejected, so a
// label can never carry terminal escape sequences. Unknown spellings return
// ("", false).
func NormalizeLabel(s string) (Label, bool) {
	k, ok := fold(s)
	if !ok {
		return "", false
	}
	l, ok := labelSynonyms[k]
	return l, ok
}

// NormalizeStatus maps a spelling of a draft status to its canonical Status,
// with the same folding as NormalizeLabel: present ("positive", "yes",
// "seen"), absent ("negative", "denied", "not present", "ruled out") or
// uncertain ("possible", "probable", "cannot exclude", "equivocal",
// "may be present", "indeterminate", "questionable"). Unknown spellings and
// text with control characters return ("", false).
func NormalizeStatus(s string) (Status, bool) {
	k, ok := fold(s)
	if !ok {
		return "", false
	}
	st, ok := statusSynonyms[k]
	return st, ok
}

// maxFoldLen bounds what fold will look at: no synonym is anywhere near it,
// and it keeps degenerate model output from costing more than a glance.
const maxFoldLen = 64

// fold lowercases s, trims surrounding space and punctuation, turns curly
// apostrophes straight and collapses runs of separators into one space. It
// rejects control characters (even tab and newline once surrounding space is
// trimmed), invalid UTF-8 and over-long text.
func fold(s string) (string, bool) {
	s = strings.Trim(s, " \t\r\n")
	if len(s) > maxFoldLen || !utf8.ValidString(s) {
		return "", false
	}
	var b strings.Builder
	b.Grow(len(s))
	sep := false
	for _, r := range s {
		switch {
		case unicode.IsControl(r):
			return "", false
		case r == '-' || r == '_' || r == '/' || r == '.' || unicode.IsSpace(r):
			sep = true
		case r == '\u2019' || r == '\u2018':
			if sep && b.Len() > 0 {
				b.WriteByte(' ')
			}
			sep = false
			b.WriteByte('\'')
		default:
			if sep && b.Len() > 0 {
				b.WriteByte(' ')
			}
			sep = false
			b.WriteRune(unicode.ToLower(r))
		}
	}
	out := strings.Trim(b.String(), ` "'.,;:!?()[]{}`)
	return strings.TrimSpace(out), true
}
