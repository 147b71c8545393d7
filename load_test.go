package pingone_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seedb6d25dc8/pingone"
	"github.com/seedb6d25dc8/pingone/pingonetest"
	"go.uber.org/goleak"
)

// TestLoad runs 64 goroutines sharing one client through PINGONE_LOAD_OPS (default 10,000) mixed
// operations against one rate-limited pingonetest server, then checks the server's state is
// exactly what the operations say it should be, that tokens were fetched once per lifetime, and
// that no goroutine is left behind. Raise PINGONE_LOAD_OPS for a soak run.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	total := 10_000
	if v, err := strconv.Atoi(os.Getenv("PINGONE_LOAD_OPS")); err == nil && v > 0 {
		total = v
	}
	const workers, usersEach = 64, 3
	const lifetime = 3 * time.Second
	srv := pingonetest.NewServer(pingonetest.WithRateLimit(1500), pingonetest.WithTokenLifetime(lifetime), pingonetest.WithPageSize(50))
	defer srv.Close()
	c, err := srv.Client(pingone.WithRetryPolicy(pingone.RetryPolicy{MaxRetries: 20, MinWait: 5 * time.Millisecond, MaxWait: 2 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	env := srv.EnvironmentID

	type state struct {
		pops  [2]*pingone.Population
		desc  [2]string
		users []string
		where map[string]int // user → index into pops
	}
	states := make([]*state, workers)
	var ops, moves atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for g := range workers {
		wg.Go(func() {
			st := &state{where: map[string]int{}}
			states[g] = st
			fail := func(err error) { errs <- fmt.Errorf("worker %d: %w", g, err) }
			for i := range 2 {
				p, err := c.Populations.Create(ctx, env, &pingone.Population{Name: fmt.Sprintf("load-%d-%d", g, i)})
				if err != nil {
					fail(err)
					return
				}
				st.pops[i] = p
			}
			for i := range usersEach {
				u, err := c.Users.Create(ctx, env, &pingone.User{Username: fmt.Sprintf("load-%d-u%d", g, i), Email: "x@example.com", Population: &pingone.Ref{ID: st.pops[0].ID}})
				if err != nil {
					fail(err)
					return
				}
				st.users = append(st.users, u.ID)
				st.where[u.ID] = 0
			}
			r := rand.New(rand.NewPCG(uint64(g), 1))
			for ops.Add(1) <= int64(total) {
				var err error
				switch k := r.IntN(10); {
				case k < 4: // move a user to its other population
					u := st.users[r.IntN(len(st.users))]
					to := 1 - st.where[u]
					if err = c.Users.MovePopulation(ctx, env, u, st.pops[to].ID); err == nil {
						st.where[u] = to
						moves.Add(1)
					}
				case k < 6:
					var p *pingone.Population
					i := r.IntN(2)
					if p, err = c.Populations.Get(ctx, env, st.pops[i].ID); err == nil && p.Description != st.desc[i] {
						err = fmt.Errorf("population %s has description %q, want %q", p.ID, p.Description, st.desc[i])
					}
				case k < 7:
					i := r.IntN(2)
					d := fmt.Sprintf("rev %d", r.IntN(1e6))
					p := *st.pops[i]
					p.Description = d
					if _, err = c.Populations.Update(ctx, env, p.ID, &p); err == nil {
						st.desc[i] = d
					}
				case k < 8: // the users listed in population 0 are exactly those we put there
					n, want := 0, 0
					for _, w := range st.where {
						if w == 0 {
							want++
						}
					}
					for _, lerr := range c.Users.List(ctx, env, &pingone.ListOptions{Filter: `population.id eq "` + st.pops[0].ID + `"`, Limit: 2}) {
						if lerr != nil {
							err = lerr
							break
						}
						n++
					}
					if err == nil && n != want {
						err = fmt.Errorf("listed %d users in %s, want %d", n, st.pops[0].ID, want)
					}
				case k < 9: // create and delete a scratch population
					var p *pingone.Population
					if p, err = c.Populations.Create(ctx, env, &pingone.Population{Name: fmt.Sprintf("scratch-%d-%d", g, r.Uint64())}); err == nil {
						err = c.Populations.Delete(ctx, env, p.ID)
					}
				default:
					var p *pingone.Population
					if p, err = c.Populations.GetByName(ctx, env, st.pops[1].Name); err == nil && p.ID != st.pops[1].ID {
						err = errors.New("GetByName found another population")
					}
				}
				if err != nil {
					fail(err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	elapsed := time.Since(start)

	// The server's state is what the operations say it is.
	wantPops := map[string]string{} // id → description
	wantUsers := map[string]string{}
	for _, st := range states {
		for i, p := range st.pops {
			wantPops[p.ID] = st.desc[i]
		}
		for u, w := range st.where {
			wantUsers[u] = st.pops[w].ID
		}
	}
	counts := map[string]int{}
	for u, err := range c.Users.List(ctx, env, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if wantUsers[u.ID] != u.Population.ID {
			t.Errorf("user %s is in %s, want %s (a lost move)", u.ID, u.Population.ID, wantUsers[u.ID])
		}
		counts[u.Population.ID]++
		delete(wantUsers, u.ID)
	}
	if len(wantUsers) != 0 {
		t.Errorf("%d users missing", len(wantUsers))
	}
	seen := 0
	for p, err := range c.Populations.List(ctx, env, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if p.Default {
			continue
		}
		d, ok := wantPops[p.ID]
		switch {
		case !ok:
			t.Errorf("unexpected population %q (a duplicate or a scratch left behind)", p.Name)
		case p.Description != d || p.UserCount != counts[p.ID]:
			t.Errorf("population %s: description %q userCount %d; want %q, %d", p.Name, p.Description, p.UserCount, d, counts[p.ID])
		}
		seen++
	}
	if seen != len(wantPops) {
		t.Errorf("%d populations, want %d", seen, len(wantPops))
	}
	// One token per lifetime: the client refreshes at 90% of it.
	maxTokens := int(math.Ceil(elapsed.Seconds()/(0.9*lifetime.Seconds()))) + 1
	if n := srv.TokenRequests(); n < 1 || n > maxTokens {
		t.Errorf("token requests = %d in %v, want 1..%d", n, elapsed, maxTokens)
	}
	t.Logf("%d operations (%d moves) by %d goroutines in %v: %.0f ops/s, %d token requests",
		total, moves.Load(), workers, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(), srv.TokenRequests())
}
