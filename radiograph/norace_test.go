//go:build !race

package radiograph

const raceEnabled = false
