# benchratio.awk: prints each Go benchmark line's time per operation as a
# ratio against a target, for make bench-compare; with no benchmark line
# (the test failed to build or run) it exits 1. Variables: what (the
# figure's name), target (seconds). Reads `go test -bench` output.
BEGIN {
	getline load < "/proc/loadavg"
	split(load, l, " ")
}
/^Benchmark/ {
	for (i = 1; i <= NF; i++) {
		if ($(i) == "ns/op") {
			s = $(i - 1) / 1e9
			printf "%-40s %8.3fs  target %gs  ratio %.3fx  (%s; load %s)\n", $1, s, target, s / target, what, l[1]
			found++
		}
	}
}
END {
	if (!found) {
		print "benchratio: no benchmark line for " what > "/dev/stderr"
		exit 1
	}
}
