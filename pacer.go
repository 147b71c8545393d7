package pingone

import (
	"context"
	"sync"
	"time"
)

// pacer is shared by a bulk job's workers: it bounds the moves in flight, pauses all of them
// after a 429 until the Retry-After has passed, and adapts the bound: halved on a 429, one
// more after each run of as many successes as the bound (additive increase, multiplicative
// decrease).
type pacer struct {
	mu       sync.Mutex
	limit    int
	max      int
	inflight int
	streak   int
	resumeAt time.Time
	wake     chan struct{} // closed and replaced whenever a worker may proceed
}

func newPacer(max int) *pacer {
	return &pacer{limit: max, max: max, wake: make(chan struct{})}
}

func (p *pacer) current() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.limit
}

func (p *pacer) acquire(ctx context.Context) error {
	for {
		// First: a worker that just finished a move may have picked its next user over
		// ctx.Done(), and a cancelled job must start no new move.
		if err := ctx.Err(); err != nil {
			return err
		}
		p.mu.Lock()
		wait := time.Until(p.resumeAt)
		if wait <= 0 && p.inflight < p.limit {
			p.inflight++
			p.mu.Unlock()
			return nil
		}
		wake := p.wake
		p.mu.Unlock()
		var t *time.Timer
		var timer <-chan time.Time
		if wait > 0 {
			t = time.NewTimer(wait)
			timer = t.C
		}
		select {
		case <-ctx.Done():
		case <-wake:
		case <-timer:
		}
		if t != nil {
			t.Stop()
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// release ends one move; throttled > 0 says it met a 429 asking to wait that long.
func (p *pacer) release(throttled time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inflight--
	now := time.Now()
	if throttled > 0 {
		if now.After(p.resumeAt) { // one decrease per pause, however many moves saw the 429
			p.limit = max(1, p.limit/2)
		}
		p.resumeAt = later(p.resumeAt, now.Add(throttled))
		p.streak = 0
	} else if !now.Before(p.resumeAt) { // a move in flight when another met the 429 is no reason to grow
		if p.streak++; p.streak >= p.limit {
			p.limit = min(p.max, p.limit+1)
			p.streak = 0
		}
	}
	close(p.wake)
	p.wake = make(chan struct{})
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
