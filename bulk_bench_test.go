package pingone_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/seedb6d25dc8/pingone/pingonetest"
)

// BenchmarkMoveAll5000 moves 5,000 users on pingonetest limited to rate requests a second, with
// 429s and 503s injected, and reports the time against the ideal the rate limit allows (every
// request the job needs, at exactly the rate). It fails on any lost or duplicated move.
//
//	go test -run '^$' -bench MoveAll5000 -benchtime 1x .
func BenchmarkMoveAll5000(b *testing.B) {
	const users, rate = 5000, 500
	for range b.N {
		b.StopTimer()
		env := newBulkEnv(b, users, pingonetest.WithRateLimit(rate), pingonetest.WithPageSize(1000))
		put := "/v1/environments/*/users/*/population"
		env.srv.Fail(pingonetest.Fault{Method: "PUT", Path: put, Status: 429, RetryAfter: 300 * time.Millisecond, Times: 3})
		env.srv.Fail(pingonetest.Fault{Method: "PUT", Path: put, Status: 503, Times: 10})
		time.Sleep(1100 * time.Millisecond) // a fresh rate-limit window
		b.StartTimer()
		start := time.Now()
		res, err := env.c.Users.MoveAll(context.Background(), env.env, env.from.ID, env.to.ID, nil)
		elapsed := time.Since(start)
		b.StopTimer()
		if err != nil || res.Moved != users || len(res.Failed) != 0 {
			b.Fatalf("MoveAll: %d moved, %d failed, %v", res.Moved, len(res.Failed), err)
		}
		// Zero lost moves: everyone is in the target. Zero duplicated: one successful PUT each.
		okPuts, lists := map[string]int{}, 0
		for _, r := range env.srv.Requests() {
			switch {
			case r.Method == "PUT" && r.Status == 200:
				okPuts[strings.Split(r.Path, "/")[5]]++
			case r.Method == "GET" && r.Status == 200 && strings.HasSuffix(r.Path, "/users"):
				lists++
			}
		}
		for _, id := range env.users {
			if okPuts[id] != 1 {
				b.Fatalf("user %s moved %d times", id, okPuts[id])
			}
		}
		for id, pop := range env.populationOf(b) {
			if pop != env.to.ID {
				b.Fatalf("user %s was not moved", id)
			}
		}
		ideal := time.Duration(float64(users+lists) / rate * float64(time.Second))
		b.ReportMetric(elapsed.Seconds()/ideal.Seconds(), "x-ideal")
		b.ReportMetric(float64(users)/elapsed.Seconds(), "moves/s")
		b.ReportMetric(elapsed.Seconds(), "s")
		b.Logf("%d users at %d requests/s with 3 injected 429s and 10 injected 503s: %v (ideal %v, %.3fx)",
			users, rate, elapsed.Round(time.Millisecond), ideal.Round(time.Millisecond), elapsed.Seconds()/ideal.Seconds())
	}
}
