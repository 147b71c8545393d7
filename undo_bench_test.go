package pingone_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/seedb6d25dc8/pingone/pingonetest"
)

// BenchmarkUndo5000 undoes a journal of 5,000 moves (written by hand in the documented format,
// so the setup costs no rate-limited request) on pingonetest limited to rate requests a second,
// with three 429s and four 503s injected, and reports the time against the ideal the rate limit
// allows (every request the undo needs, at exactly the rate). It fails on any user not back in
// its population, or moved back more than once. (Four 503s, not BenchmarkMoveAll5000's ten: the
// faults are served in order, so one user may meet them all, and ten exhaust the four retries.)
//
//	go test -run '^$' -bench Undo5000 -benchtime 1x .
func BenchmarkUndo5000(b *testing.B) {
	const users, rate = 5000, 500
	for range b.N {
		b.StopTimer()
		env := newBulkEnv(b, users, pingonetest.WithRateLimit(rate), pingonetest.WithPageSize(1000))
		journal := syntheticJournal(env.env, env.users, env.to.ID, env.from.ID)
		put := "/v1/environments/*/users/*/population"
		env.srv.Fail(pingonetest.Fault{Method: "PUT", Path: put, Status: 429, RetryAfter: 300 * time.Millisecond, Times: 3})
		env.srv.Fail(pingonetest.Fault{Method: "PUT", Path: put, Status: 503, Times: 4})
		mark := 0
		time.Sleep(1100 * time.Millisecond) // a fresh rate-limit window
		b.StartTimer()
		start := time.Now()
		undo, err := env.c.Users.Undo(context.Background(), env.env, strings.NewReader(journal), nil)
		elapsed := time.Since(start)
		b.StopTimer()
		if err != nil || undo.Moved != users || len(undo.Failed) != 0 {
			b.Fatalf("Undo: %d moved, %d failed, %v", undo.Moved, len(undo.Failed), err)
		}
		back, _ := okPuts(env.srv, mark)
		lists := 0
		for _, r := range env.srv.Requests()[mark:] {
			if r.Method == "GET" && r.Status == 200 && strings.HasSuffix(r.Path, "/users") {
				lists++
			}
		}
		for _, id := range env.users {
			if back[id] != 1 {
				b.Fatalf("user %s moved back %d times", id, back[id])
			}
		}
		for id, pop := range env.populationOf(b) {
			if pop != env.to.ID {
				b.Fatalf("user %s is not back", id)
			}
		}
		ideal := time.Duration(float64(users+lists) / rate * float64(time.Second))
		b.ReportMetric(elapsed.Seconds()/ideal.Seconds(), "x-ideal")
		b.ReportMetric(float64(users)/elapsed.Seconds(), "moves/s")
		b.ReportMetric(elapsed.Seconds(), "s")
		b.Logf("undo of %d moves at %d requests/s with 3 injected 429s and 4 injected 503s: %v (ideal %v, %.3fx)",
			users, rate, elapsed.Round(time.Millisecond), ideal.Round(time.Millisecond), elapsed.Seconds()/ideal.Seconds())
	}
}

// syntheticJournal is the journal of a job that moved users from population from to to.
func syntheticJournal(envID string, users []string, from, to string) string {
	var sb strings.Builder
	now := time.Now().UTC().Format(time.RFC3339Nano)
	fmt.Fprintf(&sb, `{"type":"header","format":1,"kind":"move-many","environment":%q,"source":"","target":%q,"filter":"","dryRun":false,"sdk":"0.1.0","time":%q}`+"\n", envID, to, now)
	for _, id := range users {
		fmt.Fprintf(&sb, `{"type":"move","user":%q,"from":%q,"to":%q,"outcome":"moved","time":%q}`+"\n", id, from, to, now)
	}
	return sb.String()
}
