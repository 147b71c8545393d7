package bench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seedb6d25dc8/pingone"
	"github.com/seedb6d25dc8/pingone/pingonetest"
)

// BenchmarkLatencyMoveAll moves users with Users.MoveAll and default options (client and bulk)
// on pingonetest at each round-trip time × rate limit, and reports the wall time against the
// ideal, which is every request the job needs (the moves and its listings) at exactly the rate
// limit, and the share of requests answered 429.
//
// Each cell moves min(3×rate, 1000) users, so that a cell takes seconds where the rate limit
// binds: 30, 300 and 1,000 moves. PINGONE_BENCH_MOVES=2000 moves that many in every cell instead
// (at 10 requests/s, 200 s a cell; about a quarter of an hour for the grid).
//
// pingonetest counts the rate limit in fixed one-second windows opened by the first request
// after the last window ended. A job that starts in a fresh window gets a full window at once,
// so a cell can beat the ideal by up to one second's worth of requests: a fraction of a second
// at 3 s ideal, nothing that matters at 2,000 moves. PINGONE_BENCH_LIMITER=bucket counts with
// a token bucket (pingonetest.WithTokenBucket) instead, as PingOne may: its first second's
// burst beats the ideal the same way.
//
//	go test -run '^$' -bench LatencyMoveAll -benchtime 1x ./internal/bench
func BenchmarkLatencyMoveAll(b *testing.B) {
	moves, _ := strconv.Atoi(os.Getenv("PINGONE_BENCH_MOVES"))
	for _, rtt := range []time.Duration{time.Millisecond, 20 * time.Millisecond, 100 * time.Millisecond} {
		for _, rate := range []int{10, 100, 500} {
			n := moves
			if n <= 0 {
				n = min(3*rate, 1000)
			}
			b.Run(fmt.Sprintf("rtt=%v/rate=%d/moves=%d", rtt, rate, n), func(b *testing.B) {
				for range b.N {
					moveAllOnce(b, rtt, rate, n)
				}
			})
		}
	}
}

func moveAllOnce(b *testing.B, rtt time.Duration, rate, n int) {
	b.StopTimer()
	opts := []pingonetest.Option{pingonetest.WithRateLimit(rate), pingonetest.WithLatency(rtt), pingonetest.WithPageSize(1000)}
	if os.Getenv("PINGONE_BENCH_LIMITER") == "bucket" {
		opts = append(opts, pingonetest.WithTokenBucket())
	}
	srv := pingonetest.NewServer(opts...)
	defer srv.Close()
	c, err := srv.Client()
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	env := srv.EnvironmentID
	from, err := c.Populations.Create(ctx, env, &pingone.Population{Name: "Legacy"})
	if err != nil {
		b.Fatal(err)
	}
	to, err := c.Populations.Create(ctx, env, &pingone.Population{Name: "Employees"})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := srv.SeedUsers(from.ID, n); err != nil {
		b.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // the job opens a fresh rate-limit window
	srv.Reset()
	b.StartTimer()
	start := time.Now()
	res, err := c.Users.MoveAll(ctx, env, from.ID, to.ID, nil)
	wall := time.Since(start)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	var api, throttled, lists int
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/as/token") {
			continue
		}
		api++
		switch {
		case r.Status == 429:
			throttled++
		case r.Method == "GET" && r.Status == 200:
			lists++
		}
	}
	ideal := float64(n+lists) / float64(rate)
	b.ReportMetric(wall.Seconds(), "s")
	b.ReportMetric(ideal, "ideal-s")
	b.ReportMetric(wall.Seconds()/ideal, "x-ideal")
	b.ReportMetric(100*float64(throttled)/float64(api), "429-%")
	b.ReportMetric(float64(res.Moved)/wall.Seconds(), "moves/s")
	b.ReportMetric(float64(len(res.Failed)), "failed")
	if res.Moved+len(res.Failed) != n {
		b.Errorf("moved %d and failed %d of %d", res.Moved, len(res.Failed), n)
	}
}

// BenchmarkLatencyList lists 10,000 users with Users.List (default options, so pages of the
// server's 100) at a 50 ms round trip, with a consumer that spends 0.5 ms on each user, as much
// in all as the network takes. It reports the total against the network alone (the same
// listing with a consumer that does nothing), the consumer alone (the time it measured in
// itself), their maximum, which a listing that fetches the next page while the consumer works
// on this one approaches, and their sum, which a listing that waits for the consumer costs.
//
//	go test -run '^$' -bench LatencyList -benchtime 1x ./internal/bench
func BenchmarkLatencyList(b *testing.B) {
	const users, rtt, work = 10_000, 50 * time.Millisecond, 500 * time.Microsecond
	srv := pingonetest.NewServer(pingonetest.WithLatency(rtt))
	defer srv.Close()
	if _, err := srv.SeedUsers("", users); err != nil {
		b.Fatal(err)
	}
	c, err := srv.Client()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	list := func(work time.Duration) (total, consumer time.Duration) {
		start := time.Now()
		n := 0
		var w worker
		for _, err := range c.Users.List(ctx, srv.EnvironmentID, nil) {
			if err != nil {
				b.Fatal(err)
			}
			n++
			w.work(work)
		}
		total = time.Since(start)
		if n != users {
			b.Fatalf("listed %d users, want %d", n, users)
		}
		return total, w.spent
	}
	if _, err := c.Populations.GetDefault(ctx, srv.EnvironmentID); err != nil { // fetch the token first
		b.Fatal(err)
	}
	b.ResetTimer()
	var network, total, consumer time.Duration
	for range b.N {
		network, _ = list(0)
		total, consumer = list(work)
	}
	b.ReportMetric(total.Seconds(), "total-s")
	b.ReportMetric(network.Seconds(), "network-s")
	b.ReportMetric(consumer.Seconds(), "consumer-s")
	b.ReportMetric(max(network, consumer).Seconds(), "max-s")
	b.ReportMetric((network + consumer).Seconds(), "sum-s")
	b.ReportMetric(total.Seconds()/max(network, consumer).Seconds(), "x-max")
}

// worker stands for a consumer that waits on each item, as one writing each user to another
// system does. It sleeps once it owes 2 ms or more and pays back what it actually slept: a
// sleep of 0.5 ms lasts about 1.2 ms here, and a CPU spin stretches when other processes share
// the cores, but the time owed stays exact.
type worker struct{ owed, spent time.Duration }

func (w *worker) work(d time.Duration) {
	if w.owed += d; w.owed < 2*time.Millisecond {
		return
	}
	t0 := time.Now()
	time.Sleep(w.owed)
	slept := time.Since(t0)
	w.owed -= slept
	w.spent += slept
}
