package pingone

import (
	"context"
	"sync"
	"time"
)

// pacer is shared by a bulk job's workers. It bounds the moves in flight and adapts the bound:
// doubled after each run of as many successes as the bound until the first 429 (slow start),
// then one more after each such run, halved on a 429 (additive increase, multiplicative
// decrease), never above the cap. After a 429 it pauses every worker until the Retry-After has
// passed. A second pause whose 429 follows at least startConcurrency successes in the last
// second shows a sustained rate limit (a single 429, from a fault or another client's burst,
// only halves the concurrency): the pacer takes those successes as the rate the server admits and from then on spaces
// the moves at that rate (a token bucket holding one token), which avoids the next 429 instead
// of meeting it. A later 429 lowers the rate by a tenth, and every second without one raises it
// by a hundredth. The concurrency is not halved once the rate paces the job, as it no longer
// decides how fast requests go out.
type pacer struct {
	mu        sync.Mutex
	limit     int  // moves allowed in flight
	max       int  // the cap on limit
	inflight  int  // moves in flight
	streak    int  // successes since limit last changed
	slowStart bool // no 429 yet: limit doubles instead of growing by one
	pauses    int  // 429 pauses so far
	resumeAt  time.Time
	wake      chan struct{} // closed and replaced whenever a worker may proceed

	rate   float64     // requests per second the server admits, once a 429 has shown it; 0 before
	next   time.Time   // when the rate lets the next move go
	raised time.Time   // when the rate last changed
	recent []time.Time // when the successes of the last second ended, while rate is 0
}

// startConcurrency is where a job's concurrency starts: high enough that a short job does not
// wait for it to grow, low enough that a tenant with a small rate limit meets few 429s at once.
const startConcurrency = 8

func newPacer(max int) *pacer {
	return &pacer{limit: min(startConcurrency, max), max: max, slowStart: true, wake: make(chan struct{})}
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
		now := time.Now()
		at := p.resumeAt
		if p.rate > 0 {
			at = later(at, p.next)
		}
		wait := at.Sub(now)
		if wait <= 0 && p.inflight < p.limit {
			p.inflight++
			if p.rate > 0 {
				// A worker that woke a little late does not push the schedule back: up to one
				// interval of lateness is caught up, so timer delays do not lower the rate.
				gap := time.Duration(float64(time.Second) / p.rate)
				p.next = later(p.next, now.Add(-gap)).Add(gap)
			}
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
			p.throttled(now)
		}
		p.resumeAt = later(p.resumeAt, now.Add(throttled))
		p.next = later(p.next, p.resumeAt)
		p.streak = 0
	} else if !now.Before(p.resumeAt) { // a move in flight when another met the 429 is no reason to grow
		p.succeeded(now)
	}
	close(p.wake)
	p.wake = make(chan struct{})
}

// throttled adapts to the first 429 of a pause: it learns or lowers the rate, or halves the
// concurrency when no rate is known.
func (p *pacer) throttled(now time.Time) {
	p.slowStart = false
	switch {
	case p.rate > 0:
		p.rate = max(1, p.rate*0.9)
		p.raised = now
	case p.pauses > 0 && len(p.recentSince(now)) >= startConcurrency:
		p.rate, p.raised, p.recent = float64(len(p.recent)), now, nil
	default:
		p.limit = max(1, p.limit/2)
	}
	p.pauses++
}

// succeeded counts a success towards the next increase of the concurrency and of the rate.
func (p *pacer) succeeded(now time.Time) {
	if p.streak++; p.streak >= p.limit {
		if p.slowStart {
			p.limit = min(p.max, 2*p.limit)
		} else {
			p.limit = min(p.max, p.limit+1)
		}
		p.streak = 0
	}
	if p.rate == 0 {
		p.recent = append(p.recentSince(now), now)
	} else if now.Sub(p.raised) >= time.Second {
		p.rate *= 1.01
		p.raised = now
	}
}

// recentSince drops the successes that ended more than a second before now and returns the rest.
func (p *pacer) recentSince(now time.Time) []time.Time {
	i := 0
	for i < len(p.recent) && now.Sub(p.recent[i]) > time.Second {
		i++
	}
	p.recent = p.recent[i:]
	return p.recent
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
