//go:build race

package radiograph

// raceEnabled: the race detector makes the 64 Mpx tests take minutes.
const raceEnabled = true
