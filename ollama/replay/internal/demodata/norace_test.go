//go:build !race

package demodata

// raceEnabled is true under the race detector.
const raceEnabled = false
