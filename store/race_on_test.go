//go:build race

package store_test

// raceEnabled is true when the tests run under the race detector, whose
// child processes start several times slower.
const raceEnabled = true
