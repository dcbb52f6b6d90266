//go:build !race

package replay_test

// raceEnabled is true under the race detector.
const raceEnabled = false
