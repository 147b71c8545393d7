package pingone

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakePacer is a pacer on a fake clock, driven move by move: no test waits on a timer.
type fakePacer struct {
	*pacer
	t     *testing.T
	clock time.Time
}

func newFakePacer(t *testing.T, cap int) *fakePacer {
	f := &fakePacer{t: t, clock: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	f.pacer = newPacer(cap)
	f.now = func() time.Time { return f.clock }
	f.doubled = f.clock
	return f
}

func (f *fakePacer) advance(d time.Duration) { f.clock = f.clock.Add(d) }

// start starts one move, first moving the clock to when the pacer lets it go.
func (f *fakePacer) start() {
	f.t.Helper()
	f.clock = later(f.clock, f.resumeAt)
	if f.rate > 0 {
		f.clock = later(f.clock, f.next)
	}
	if err := f.acquire(f.t.Context()); err != nil {
		f.t.Fatal(err)
	}
}

// moves runs n moves one after another, each taking d, and returns when they have ended.
func (f *fakePacer) moves(n int, d time.Duration) {
	f.t.Helper()
	for range n {
		f.start()
		f.advance(d)
		f.release(0)
	}
}

// throttle runs two moves at once that meet a 429, 5 ms later, asking for a second's wait:
// a rate limit, which every move in flight meets.
func (f *fakePacer) throttle() {
	f.t.Helper()
	f.start()
	f.start()
	f.advance(5 * time.Millisecond)
	f.release(time.Second)
	f.release(time.Second)
}

// pacerState is what the tests compare of a pacer.
type pacerState struct {
	Limit     int
	SlowStart bool
	Rate      float64
}

func stateOf(p *pacer) pacerState {
	return pacerState{Limit: p.limit, SlowStart: p.slowStart, Rate: p.rate}
}

// TestPacerAdapts drives a pacer with moves 10 ms apart (successes, then optionally 429s) and
// checks how it adapts: slow start doubles the concurrency up to the cap but no faster than
// slowStartStep; a 429 sets the rate from the last second's successes (the margin below them);
// a 429 with no success before it halves the concurrency instead.
func TestPacerAdapts(t *testing.T) {
	tests := []struct {
		name      string
		cap       int
		successes int
		throttles int
		want      pacerState
	}{
		{"starts modest", 64, 0, 0, pacerState{Limit: 8, SlowStart: true}},
		{"a cap below the start", 4, 0, 0, pacerState{Limit: 4, SlowStart: true}},
		{"slow start waits a step to double", 64, 20, 0, pacerState{Limit: 8, SlowStart: true}},
		{"slow start doubles", 64, 50, 0, pacerState{Limit: 32, SlowStart: true}},
		{"up to the cap", 20, 200, 0, pacerState{Limit: 20, SlowStart: true}},
		{"a 429 shows the rate", 64, 50, 1, pacerState{Limit: 32, Rate: 50 * rateMargin}},
		{"the rate of the last second", 64, 150, 1, pacerState{Limit: 64, Rate: 100 * rateMargin}},
		{"a 429 after none halves", 64, 0, 1, pacerState{Limit: 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakePacer(t, tt.cap)
			f.moves(tt.successes, 10*time.Millisecond)
			for range tt.throttles {
				f.throttle()
			}
			if diff := cmp.Diff(tt.want, stateOf(f.pacer)); diff != "" {
				t.Errorf("pacer (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPacerAlone429: a first 429 that no move in flight meets too may be a fault or another
// client's burst: it halves the concurrency and teaches no rate, until a move in flight meets
// one too.
func TestPacerAlone429(t *testing.T) {
	f := newFakePacer(t, 64)
	f.moves(50, 10*time.Millisecond)
	f.start()
	f.start()
	f.release(time.Second)
	if want := (pacerState{Limit: 16}); stateOf(f.pacer) != want {
		t.Errorf("after a 429 alone: %+v, want %+v", stateOf(f.pacer), want)
	}
	f.release(time.Second)
	if want := (pacerState{Limit: 32, Rate: 50 * rateMargin}); stateOf(f.pacer) != want {
		t.Errorf("after another 429 in flight: %+v, want %+v", stateOf(f.pacer), want)
	}

	// Another pause confirms one that came alone.
	f = newFakePacer(t, 64)
	f.moves(50, 10*time.Millisecond)
	f.start()
	f.release(time.Second)
	f.clock = f.resumeAt
	f.moves(10, 10*time.Millisecond)
	f.start()
	f.release(time.Second)
	if want := (pacerState{Limit: 16, Rate: 10 * rateMargin}); stateOf(f.pacer) != want {
		t.Errorf("after a second pause: %+v, want %+v", stateOf(f.pacer), want)
	}
}

// TestPacerCountsAdmittedMoves: moves that were in flight when the first 429 came back, and
// succeeded, were admitted within the same second: they raise the rate learned.
func TestPacerCountsAdmittedMoves(t *testing.T) {
	f := newFakePacer(t, 64)
	f.moves(20, 10*time.Millisecond)
	for range 5 {
		f.start()
	}
	f.throttle()
	if want := 20 * rateMargin; f.rate != want {
		t.Fatalf("rate %v, want %v", f.rate, want)
	}
	for range 5 {
		f.release(0)
	}
	if want := 25 * rateMargin; f.rate != want {
		t.Errorf("rate after the moves in flight: %v, want %v", f.rate, want)
	}
}

// TestPacerSpacesAtTheLearnedRate: once a rate is known, the job resumes at it after the pause
// instead of all at once, each move 1/rate after the one before it; a later 429 sets the rate
// from the last second again.
func TestPacerSpacesAtTheLearnedRate(t *testing.T) {
	f := newFakePacer(t, 64)
	f.moves(50, 10*time.Millisecond)
	f.throttle() // 49 successes in the last second
	resume := f.resumeAt
	f.clock = resume
	var starts []time.Duration
	for range 3 {
		f.start()
		starts = append(starts, f.clock.Sub(resume))
	}
	gap := time.Duration(float64(time.Second) / f.rate)
	if want := []time.Duration{0, gap, 2 * gap}; !cmp.Equal(starts, want) {
		t.Errorf("moves started %v after the pause, want %v", starts, want)
	}
	for range 3 {
		f.release(0)
	}
	f.advance(time.Second) // a quiet second, then fewer successes: the server admits fewer
	f.moves(10, 0)
	f.throttle()
	if want := 10 * rateMargin; f.rate != want {
		t.Errorf("rate after a 429 with 10 successes in the last second: %v, want %v", f.rate, want)
	}
}

// TestPacerLowersOnALater429: a 429 after more successes than the rate allows (moves let go
// before the rate was learned) does not raise the rate, and lowers it by the margin.
func TestPacerLowersOnALater429(t *testing.T) {
	f := newFakePacer(t, 64)
	f.moves(100, 10*time.Millisecond)
	f.rate, f.raised = 20, f.clock // as if learned just before
	f.throttle()
	if want := 20 * rateMargin; f.rate != want { // a later 429 always lowers the rate
		t.Errorf("rate %v, want %v", f.rate, want)
	}
}

// TestPacerProbes: without 429s the learned rate grows, slowly at first (a probe that finds the
// limit again costs a pause), and faster the longer no 429 comes.
func TestPacerProbes(t *testing.T) {
	f := newFakePacer(t, 64)
	f.moves(100, 10*time.Millisecond)
	f.throttle()
	learned := f.rate
	if f.rate == 0 {
		t.Fatal("no rate learned")
	}
	growth := func(seconds int) float64 {
		start := f.rate
		end := f.clock.Add(time.Duration(seconds) * time.Second)
		for f.clock.Before(end) {
			f.moves(1, 0)
		}
		return f.rate / start
	}
	first, later := growth(10), growth(60)
	if first > 1.01 {
		t.Errorf("rate grew by %.3fx in the first 10 quiet seconds, want at most 1.01x", first)
	}
	if later < 1.1 {
		t.Errorf("rate grew by %.3fx in the next 60 quiet seconds, want at least 1.1x", later)
	}
	t.Logf("learned %.1f/s; after 10 s %.3fx, after 70 s %.3fx", learned, first, first*later)
}
