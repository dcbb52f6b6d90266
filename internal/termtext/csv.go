package termtext

// CSVCell makes one CSV cell safe to open in a spreadsheet and to print on
// a terminal. First, escape sequences and control characters become
// visible symbols (Text when multiline, else Line). Then a cell
// that a spreadsheet would evaluate as a formula, one starting with =, +,
// -, @, a tab or a carriage return, gets a leading single quote, which
// spreadsheets show as text (OWASP, "CSV Injection"). A plain number such
// as -12 or +3.5 is no formula and is left alone. The CSV writer quotes any
// cell holding a separator, a quote or a line break, so a cell can never
// spill into the next one.
func CSVCell(s string, multiline bool) string {
	if multiline {
		s = Text(s)
	} else {
		s = Line(s)
	}
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if !PlainNumber(s) {
			return "'" + s
		}
	}
	return s
}

// PlainNumber reports whether s is a decimal number with an optional sign,
// fraction and exponent, and nothing else.
func PlainNumber(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		digits++
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}
