package pingone

import (
	"context"
	"sync"
	"time"
)

// pacer is shared by a bulk job's workers. It bounds the moves in flight and adapts the bound:
// doubled after each run of as many successes as the bound until the first 429 (slow start),
// then one more after each such run, never above the cap. After a 429 it pauses every worker
// until the Retry-After has passed.
//
// PingOne documents no rate-limit headers, so a 429 is the only sign of the tenant's limit, and
// each costs a pause, with every move then in flight meeting a 429 too. So the pacer learns a
// rate from the first 429, once a move in flight meets one too or another pause comes (a 429
// alone may be a fault, or another client's burst): the successes of the last second, with
// those admitted before the 429 whose answers come after it, are what the server admits in a
// second. From then on it spaces the moves a little below that rate (a token bucket that holds
// one token while the moves keep pace, and up to two after the workers were idle, as a late
// timer's lateness is caught up): the job resumes at that pace instead of all at once, and avoids the next 429
// instead of meeting it. Each later 429 sets the rate the same way, and at least 2 % below what
// it was, and leaves the concurrency alone, as it no longer decides how fast requests go out. Without
// 429s the rate grows, to find a limit that was raised or a share another client no longer
// uses: slowly at first, since a probe that overshoots costs a pause, and faster the longer no
// 429 comes. A 429 with no success in the last second (another client spent the limit, or a
// fault) shows no rate and halves the concurrency instead, as in AIMD.
//
// Nothing here assumes how the server counts. The last second is the right span for a sliding
// window, and for a token bucket, whose pauses are short; under fixed windows it may straddle
// two of them and overstate the rate, which the next 429 corrects.
type pacer struct {
	mu        sync.Mutex
	now       func() time.Time // time.Now; tests set a fake clock
	limit     int              // moves allowed in flight
	max       int              // the cap on limit
	inflight  int              // moves in flight
	streak    int              // successes since limit last changed
	slowStart bool             // no 429 yet: limit doubles instead of growing by one
	doubled   time.Time        // when slow start last doubled limit
	resumeAt  time.Time
	wake      chan struct{} // closed and replaced whenever a worker may proceed

	rate     float64     // moves per second; 0 until a 429 shows the server's rate
	next     time.Time   // when the rate lets the next move go
	raised   time.Time   // when the rate last grew
	recent   []time.Time // when the successes of the last second ended
	counted  int         // successes the server admitted in the second up to the last 429
	ceiling  float64     // the rate before the last 429; 0 if none
	pauses   int         // 429 pauses so far
	unhalved int         // the limit a first 429 halved, until another confirms it; 0 if none
}

const (
	// startConcurrency is where a job's concurrency starts: high enough that a short job does
	// not wait for it to grow, low enough that a tenant with a small rate limit meets few 429s
	// at once.
	startConcurrency = 8
	// rateMargin is how far below the rate it counted the pacer goes: timers fire late and
	// catch up, and a count of whole requests is rough, but this is cheaper than a pause.
	rateMargin = 0.98
	// probe is how fast the rate grows without 429s: by probe×s per second after s quiet
	// seconds, so it takes 20 s to grow 2 % (back to a limit just found: each probe that finds
	// it costs a pause and a 429 for each move in flight), 50 s to grow 13 % (a count one
	// short of a limit of 10 a second, as when the job's listing took part of it), and two
	// minutes to double.
	probe = 1e-4
	// slowStartStep is the least time between two doublings of the concurrency. A limit
	// counted per second lets every move through until the second's budget is spent, and then
	// every move in flight meets a 429: doubling each round trip would reach the cap in a few
	// round trips, well before the budget is spent, and meet the first 429 with the cap in
	// flight. At a short round trip the start is already hundreds of moves per second.
	slowStartStep = 250 * time.Millisecond
)

func newPacer(max int) *pacer {
	return &pacer{now: time.Now, doubled: time.Now(), limit: min(startConcurrency, max), max: max, slowStart: true, wake: make(chan struct{})}
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
		now := p.now()
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
	now := p.now()
	if throttled > 0 {
		if now.After(p.resumeAt) { // one decrease per pause, however many moves saw the 429
			p.onThrottle(now)
		} else if p.unhalved > 0 {
			// A move in flight met a 429 too: the first was not alone, but the limit.
			p.limit, p.unhalved = p.unhalved, 0
			p.setRate()
		}
		p.resumeAt = later(p.resumeAt, now.Add(throttled))
		p.next = later(p.next, p.resumeAt)
		p.streak = 0
	} else if !now.Before(p.resumeAt) { // a move in flight when another met the 429 is no reason to grow
		p.succeeded(now)
	} else if p.counted > 0 {
		// The server admitted it before the 429 that began the pause: it counts towards the
		// rate, though its answer came after the 429's.
		if p.counted++; p.rate > 0 {
			p.setRate()
		}
	}
	close(p.wake)
	p.wake = make(chan struct{})
}

// onThrottle adapts to the first 429 of a pause: it sets the rate from the successes of the
// last second, or halves the concurrency when there are none.
func (p *pacer) onThrottle(now time.Time) {
	p.slowStart = false
	p.raised = now
	p.ceiling, p.unhalved = p.rate, 0
	p.counted = len(p.recentSince(now.Add(-time.Second)))
	switch {
	case p.counted == 0:
		p.limit = max(1, p.limit/2)
	case p.rate > 0 || p.pauses > 0:
		p.setRate()
	default:
		// A first 429 may be alone (a fault, another client's burst) and the last second's
		// successes then no limit at all: until a move in flight also meets one, or another
		// pause comes, it only halves the concurrency.
		p.unhalved, p.limit = p.limit, max(1, p.limit/2)
	}
	p.pauses++
}

// setRate sets the rate from the successes counted for the current pause, and a later 429's
// below the rate before it: the count may overstate the limit (it includes moves the server
// admitted up to a round trip before the second it covers), and a 429 that left a rate the probe
// pushed past the limit where it was would be met again at once.
func (p *pacer) setRate() {
	r := max(1, float64(p.counted)*rateMargin)
	if p.ceiling > 0 {
		r = min(r, p.ceiling*rateMargin)
	}
	p.rate = r
}

// succeeded counts a success towards the next increase of the concurrency and of the rate.
func (p *pacer) succeeded(now time.Time) {
	switch p.streak++; {
	case p.streak < p.limit:
	case !p.slowStart:
		p.limit, p.streak = min(p.max, p.limit+1), 0
	case now.Sub(p.doubled) >= slowStartStep:
		p.limit, p.streak, p.doubled = min(p.max, 2*p.limit), 0, now
	}
	p.recent = append(p.recentSince(now.Add(-time.Second)), now)
	// Quiet time counts from the end of the last pause, not its start: a long Retry-After is
	// no evidence that the limit rose.
	if d := now.Sub(later(p.raised, p.resumeAt)); p.rate > 0 && d >= time.Second {
		// Only while the moves keep up with the rate: a rate far above them paces nothing,
		// and would let a burst through once the concurrency grows.
		if r := p.rate * (1 + probe*d.Seconds()*now.Sub(p.resumeAt).Seconds()); r < 2*float64(len(p.recent)) {
			p.rate = r
		}
		p.raised = now
	}
}

// recentSince drops the successes that ended before t and returns the rest.
func (p *pacer) recentSince(t time.Time) []time.Time {
	i := 0
	for i < len(p.recent) && p.recent[i].Before(t) {
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
