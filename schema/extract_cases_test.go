package schema

import "strings"

// Real outputs from an Ollama server (grammar-constrained decoding, random
// weights), kept byte for byte.
const (
	realAbsurdCoords = "[ {\"label\" :\"lung_opacity_consolidation\",\n\"box_2d\" :[92 ,777344403.74,5E+93\n  ,0.3039582629]},\n    { \"label\":\"nodule_mass\",\"box_2d\":[8\n ,6E3\n,5788012\n,0e4]\n       }] "
	realOverflow     = "[{ \"label\": \"pleural_effusion\",\"box_2d\"\n  : [7628.26E34\n,68353674E30829,42,-9\n]}] "
	realTruncated    = "[{\n\"label\":\"lung_opacity_consolidation\"},{\n\n  \"label\"\n\n : \"cardiomegaly\",\"box_2d\":\n[2,-62\n\n \t,\n1 ,6E89]\n },\n\n {\n\n\"label\"\n  : \"cardiomegaly\" ,\n\"box_2d\" :\n\n[8170708407,\n0\n ,81,\n6 ]\n\n  \t},{\n\n \"label\" : \""
	realWrapped      = "{ \"findings\"\n:[{ \"label\": \"nodule_mass\"\n  }] } "
	realNoFinding    = "{\n \"findings\":[{\"label\" :\n\n\"no_finding\",\"box_2d\"\n: [1\n,2.39E0,34E-4\n,\n3]\n\n\t} ,{\n\"label\" :\"pleural_effusion\",\"box_2d\": [86\n,\n612 ,633.664278E7,-7E8] }]\n}\n\n "
	realEmpty        = "[]\n\n                    "
	realEmptyWrapped = "{\n\n \"findings\"\n:\n\n []}\n\n                    "
)

// degenerate repeats one entry until the output reaches size bytes and is
// cut off mid-entry, as a model stuck in a loop hitting num_predict does.
func degenerate(entry string, size int) string {
	var b strings.Builder
	b.WriteString("[")
	for b.Len() < size {
		b.WriteString(entry)
		b.WriteString(",\n")
	}
	b.WriteString(entry[:len(entry)/2])
	return b.String()
}

const (
	degenerateFinding = `{"label": "nodule_mass", "box_2d": [0.1, 0.1, 0.2, 0.2]}`
	degenerateDraft   = `{"label": "pneumothorax", "status": "present", "span": "small left apical pneumothorax"}`
)

// garbage is deterministic binary noise without any bracket.
func garbage() string {
	b := make([]byte, 256)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		c := byte(x)
		if c == '[' || c == '{' {
			c = 0
		}
		b[i] = c
	}
	return string(b)
}
