//go:build race

package pingone

// raceDetector is true under -race, where sync.Pool drops items at random, so allocation counts
// of pooled paths mean nothing; .ci/run runs the allocation tests again without -race.
const raceDetector = true
