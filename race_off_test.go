//go:build !race

package pingone

// raceDetector is true under -race (see race_on_test.go).
const raceDetector = false
