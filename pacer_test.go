package pingone

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// pacerState is what the tests compare of a pacer.
type pacerState struct {
	Limit     int
	SlowStart bool
	Rate      float64
}

func stateOf(p *pacer) pacerState {
	return pacerState{Limit: p.limit, SlowStart: p.slowStart, Rate: p.rate}
}

// TestPacerAdapts drives a pacer with a sequence of moves (successes, then optionally a 429) and
// checks how it adapts: slow start doubles the concurrency up to the cap, a first 429 halves
// the concurrency, a second one after a second of successes sets the rate to those successes.
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
		{"slow start doubles", 64, 8 + 16, 0, pacerState{Limit: 32, SlowStart: true}},
		{"up to the cap", 20, 8 + 16 + 20, 0, pacerState{Limit: 20, SlowStart: true}},
		{"an isolated 429 halves", 64, 30, 1, pacerState{Limit: 16}},
		{"a repeated 429 shows the rate", 64, 30, 2, pacerState{Limit: 16, Rate: 30}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPacer(tt.cap)
			for range tt.successes {
				if err := p.acquire(t.Context()); err != nil {
					t.Fatal(err)
				}
				p.release(0)
			}
			for range tt.throttles {
				p.resumeAt = time.Time{} // as if the last pause had passed
				if err := p.acquire(t.Context()); err != nil {
					t.Fatal(err)
				}
				p.release(time.Millisecond)
			}
			if diff := cmp.Diff(tt.want, stateOf(p)); diff != "" {
				t.Errorf("pacer (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPacerSpacesAtTheLearnedRate: once a rate is known, each move is let go 1/rate after the
// one before it, and a later 429 lowers the rate by a tenth.
func TestPacerSpacesAtTheLearnedRate(t *testing.T) {
	p := newPacer(64)
	for range 20 {
		_ = p.acquire(t.Context())
		p.release(0)
	}
	for range 2 {
		p.resumeAt = time.Time{}
		_ = p.acquire(t.Context())
		p.release(time.Millisecond) // halves, then learns 20/s
	}
	if p.rate != 20 {
		t.Fatalf("rate %v, want 20", p.rate)
	}
	if err := p.acquire(t.Context()); err != nil {
		t.Fatal(err)
	}
	first := p.next
	if err := p.acquire(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got, want := p.next.Sub(first), time.Second/20; got != want {
		t.Errorf("moves spaced %v apart, want %v", got, want)
	}
	p.release(0)
	p.release(0)
	p.resumeAt = time.Time{} // as if the pause had passed
	_ = p.acquire(t.Context())
	p.release(time.Millisecond)
	if p.rate != 18 {
		t.Errorf("rate after a second 429: %v, want 18", p.rate)
	}
}
