package pingone_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/seedb6d25dc8/pingone"
	"github.com/seedb6d25dc8/pingone/pingonetest"
)

// bulkEnv is a tenant with users in a source population (from) and a target (to).
type bulkEnv struct {
	*tenant
	from, to *pingone.Population
}

func newBulkEnv(t testing.TB, users int, opts ...pingonetest.Option) *bulkEnv {
	t.Helper()
	// Four retries, not FastRetry's three: the fault tests inject four non-429 faults, served in
	// order, and one user may meet them all.
	four := pingone.WithRetryPolicy(pingone.RetryPolicy{MaxRetries: 4, MinWait: time.Millisecond, MaxWait: 2 * time.Second})
	tn := newTenant(t, seed{populations: []string{"Legacy", "Employees"}, users: users, client: []pingone.Option{four}}, opts...)
	return &bulkEnv{tenant: tn, from: tn.pops[0], to: tn.pops[1]}
}

// populationOf returns, for every user, the population it is in now.
func (b *bulkEnv) populationOf(t testing.TB) map[string]string {
	t.Helper()
	m := map[string]string{}
	for u, err := range b.c.Users.List(context.Background(), b.env, &pingone.ListOptions{Limit: 1000}) {
		if err != nil {
			t.Fatal(err)
		}
		m[u.ID] = u.Population.ID
	}
	return m
}

func (b *bulkEnv) puts() int {
	n := 0
	for _, r := range b.srv.Requests() {
		if r.Method == "PUT" && strings.HasSuffix(r.Path, "/population") {
			n++
		}
	}
	return n
}

// TestMoveAllShrinkingSource: with many small pages, every user is moved, although the source
// shrinks while the job runs (paging through it while moving would skip half).
func TestMoveAllShrinkingSource(t *testing.T) {
	b := newBulkEnv(t, 537, pingonetest.WithPageSize(10))
	res, err := b.c.Users.MoveAll(t.Context(), b.env, b.from.ID, b.to.ID, &pingone.BulkOptions{Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	if res.Moved != 537 || len(res.Failed) != 0 || res.Skipped != 0 {
		t.Errorf("result %+v, want 537 moved", res)
	}
	for id, pop := range b.populationOf(t) {
		if pop != b.to.ID {
			t.Errorf("user %s is still in %s", id, pop)
		}
	}
	if n := b.puts(); n != 537 {
		t.Errorf("PUTs = %d, want exactly 537 (no duplicated move)", n)
	}
	p, _ := b.c.Populations.Get(t.Context(), b.env, b.from.ID)
	if p.UserCount != 0 {
		t.Errorf("source userCount = %d", p.UserCount)
	}
}

func TestMoveAllFilterAndDryRun(t *testing.T) {
	b := newBulkEnv(t, 30, pingonetest.WithPageSize(7))
	filter := `username sw "seed-1"` // seed-1, seed-10..seed-19: 11 users
	res, err := b.c.Users.MoveAll(t.Context(), b.env, b.from.ID, b.to.ID, &pingone.BulkOptions{Filter: filter, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.WouldMove) != 11 || res.Moved != 0 || b.puts() != 0 {
		t.Fatalf("dry run: %d would move, %d moved, %d PUTs; want 11, 0, 0", len(res.WouldMove), res.Moved, b.puts())
	}
	res, err = b.c.Users.MoveAll(t.Context(), b.env, b.from.ID, b.to.ID, &pingone.BulkOptions{Filter: filter})
	if err != nil || res.Moved != 11 {
		t.Fatalf("filtered move: %+v, %v", res, err)
	}
	moved := 0
	for _, pop := range b.populationOf(t) {
		if pop == b.to.ID {
			moved++
		}
	}
	if moved != 11 {
		t.Errorf("%d users in the target, want 11", moved)
	}
}

// TestMoveAllResumes: a job cancelled halfway, re-run, moves exactly the rest; MoveMany counts
// users already in the target as skipped.
func TestMoveAllResumes(t *testing.T) {
	b := newBulkEnv(t, 400, pingonetest.WithPageSize(50), pingonetest.WithRateLimit(200))
	ctx, cancel := context.WithCancel(t.Context())
	var once sync.Once
	res1, err := b.c.Users.MoveAll(ctx, b.env, b.from.ID, b.to.ID, &pingone.BulkOptions{Concurrency: 2, Progress: func(p pingone.BulkProgress) {
		if p.Moved > 0 {
			once.Do(cancel)
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	cancel()
	if res1.Moved == 0 || res1.Moved == 400 {
		t.Skipf("the cancel landed at %d of 400; nothing to resume", res1.Moved)
	}
	res2, err := b.c.Users.MoveAll(t.Context(), b.env, b.from.ID, b.to.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	inTarget := 0
	for _, pop := range b.populationOf(t) {
		if pop == b.to.ID {
			inTarget++
		}
	}
	// Moves in flight at the cancel may have landed without being counted; never more than
	// the concurrency.
	if inTarget != 400 || res1.Moved+res2.Moved < 398 || res1.Moved+res2.Moved > 400 {
		t.Errorf("moved %d + %d, %d in target; want all 400 moved once", res1.Moved, res2.Moved, inTarget)
	}
	res3, err := b.c.Users.MoveMany(t.Context(), b.env, b.users[:120], b.to.ID, nil)
	if err != nil || res3.Skipped != 120 || res3.Moved != 0 {
		t.Errorf("MoveMany of users already there: %+v, %v; want 120 skipped", res3, err)
	}
}

func TestMoveManyPartialFailure(t *testing.T) {
	b := newBulkEnv(t, 20)
	ids := append([]string{"../bad", "00000000-0000-4000-8000-00000000dead"}, b.users[:10]...)
	ids = append(ids, b.users[0]) // a duplicate is moved once
	res, err := b.c.Users.MoveMany(t.Context(), b.env, ids, b.to.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Moved != 10 || len(res.Failed) != 2 {
		t.Fatalf("result %+v, want 10 moved and 2 failed", res)
	}
	if !errors.Is(res.Failed[0].Err, pingone.ErrInvalidArgument) && !errors.Is(res.Failed[1].Err, pingone.ErrInvalidArgument) {
		t.Errorf("the invalid id should fail with ErrInvalidArgument: %+v", res.Failed)
	}
}

// TestBulk429PausesEveryWorker: after a 429 with Retry-After, no worker sends a move until the
// pause is over, and the concurrency is halved, then recovers.
func TestBulk429PausesEveryWorker(t *testing.T) {
	b := newBulkEnv(t, 300)
	b.srv.Fail(pingonetest.Fault{Method: "PUT", Path: "/v1/environments/*/users/*/population", Status: 429, RetryAfter: time.Second, Times: 1})
	var mu sync.Mutex
	var conc []int
	res, err := b.c.Users.MoveAll(t.Context(), b.env, b.from.ID, b.to.ID, &pingone.BulkOptions{Concurrency: 8, Progress: func(p pingone.BulkProgress) {
		mu.Lock()
		conc = append(conc, p.Concurrency)
		mu.Unlock()
	}})
	if err != nil || res.Moved != 300 {
		t.Fatalf("%+v, %v", res, err)
	}
	var throttledAt time.Time
	var after []time.Time
	for _, r := range b.srv.Requests() {
		if r.Method != "PUT" {
			continue
		}
		if throttledAt.IsZero() {
			throttledAt = r.Time // the first PUT met the fault
			continue
		}
		after = append(after, r.Time)
	}
	early := 0
	for _, at := range after {
		// Moves already in flight when the 429 arrived may land just after it.
		if d := at.Sub(throttledAt); d > 300*time.Millisecond && d < 800*time.Millisecond {
			early++
		}
	}
	if early > 0 {
		t.Errorf("%d moves were sent during the Retry-After pause", early)
	}
	mu.Lock()
	defer mu.Unlock()
	minC := 8
	for _, c := range conc {
		minC = min(minC, c)
	}
	if minC > 4 || conc[len(conc)-1] <= minC {
		t.Errorf("concurrency over time %v: want it halved after the 429 and recovering", conc)
	}
}

func TestRetire(t *testing.T) {
	b := newBulkEnv(t, 25)
	ctx := t.Context()
	def, _ := b.c.Populations.GetDefault(ctx, b.env)
	if _, err := b.c.Populations.Retire(ctx, b.env, def.ID, "", nil); !errors.Is(err, pingone.ErrDefaultPopulation) {
		t.Errorf("retiring the default: %v", err)
	}
	if n := b.puts(); n != 0 {
		t.Errorf("%d moves before refusing", n)
	}
	// A failure leaves the population in place.
	b.srv.Fail(pingonetest.Fault{Method: "PUT", Path: "/v1/environments/*/users/*/population", Status: 400, Code: "INVALID_DATA", Times: 1})
	res, err := b.c.Populations.Retire(ctx, b.env, b.from.ID, b.to.ID, nil)
	if err == nil || len(res.Failed) != 1 {
		t.Fatalf("retire with a failing move: %+v, %v", res, err)
	}
	if _, err := b.c.Populations.Get(ctx, b.env, b.from.ID); err != nil {
		t.Fatalf("the population was deleted despite a failed move: %v", err)
	}
	// Retried, it finishes the job: the remaining user moves to the default population.
	res, err = b.c.Populations.Retire(ctx, b.env, b.from.ID, "", nil)
	if err != nil || res.Moved != 1 {
		t.Fatalf("retire: %+v, %v", res, err)
	}
	if _, err := b.c.Populations.Get(ctx, b.env, b.from.ID); !errors.Is(err, pingone.ErrNotFound) {
		t.Errorf("population still there: %v", err)
	}
	d, _ := b.c.Populations.Get(ctx, b.env, def.ID)
	e, _ := b.c.Populations.Get(ctx, b.env, b.to.ID)
	if d.UserCount != 1 || e.UserCount != 24 {
		t.Errorf("userCounts default %d, target %d; want 1 and 24", d.UserCount, e.UserCount)
	}
}

func TestEnsure(t *testing.T) {
	srv := pingonetest.NewServer()
	defer srv.Close()
	c, _ := srv.Client(pingone.WithRetryPolicy(pingone.RetryPolicy{MaxRetries: 0}))
	ctx, env := t.Context(), srv.EnvironmentID
	p, created, err := c.Populations.Ensure(ctx, env, &pingone.Population{Name: "Contractors"})
	if err != nil || !created {
		t.Fatalf("first Ensure: %v, %v", created, err)
	}
	again, created, err := c.Populations.Ensure(ctx, env, &pingone.Population{Name: "contractors"})
	if err != nil || created || again.ID != p.ID {
		t.Fatalf("second Ensure: %+v, %v, %v", again, created, err)
	}
	// The create succeeds on the server but the client sees a 502: Ensure finds it.
	for _, f := range []pingonetest.Fault{
		{Method: "POST", Status: 502, Body: "<html>bad gateway</html>", Apply: true},
		{Method: "POST", Status: 500, Apply: true},
		{Method: "POST", Truncate: true},
	} {
		name := fmt.Sprintf("Ambiguous %d %v", f.Status, f.Truncate)
		srv.Fail(f)
		p, created, err := c.Populations.Ensure(ctx, env, &pingone.Population{Name: name})
		if err != nil || !created || p.Name != name {
			t.Errorf("%s: %+v, %v, %v; want the population the failed-looking create made", name, p, created, err)
		}
		n := 0
		for q, err := range c.Populations.List(ctx, env, &pingone.ListOptions{Filter: `name eq "` + name + `"`}) {
			if err == nil && q.Name == name {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: %d populations, want 1", name, n)
		}
	}
	// A 5xx where nothing was created is reported.
	srv.Fail(pingonetest.Fault{Method: "POST", Status: 503})
	if _, _, err := c.Populations.Ensure(ctx, env, &pingone.Population{Name: "Never"}); !errors.Is(err, pingone.ErrServerError) {
		t.Errorf("Ensure with a failed create: %v", err)
	}
	// A definite 400 is reported without a lookup.
	srv.Fail(pingonetest.Fault{Method: "POST", Status: 400, Code: "INVALID_DATA"})
	if _, _, err := c.Populations.Ensure(ctx, env, &pingone.Population{Name: "Bad"}); !errors.Is(err, pingone.ErrBadRequest) {
		t.Errorf("Ensure with a 400: %v", err)
	}
}

func TestSetDefaultKeepsFields(t *testing.T) {
	srv := pingonetest.NewServer()
	defer srv.Close()
	c, _ := srv.Client()
	ctx, env := t.Context(), srv.EnvironmentID
	old, _ := c.Populations.GetDefault(ctx, env)
	p, _ := c.Populations.Create(ctx, env, &pingone.Population{Name: "Staff", Description: "all staff", PreferredLanguage: "fr",
		AlternativeIdentifiers: []string{"s"}, Theme: &pingone.Ref{ID: "t1"}})
	got, err := c.Populations.SetDefault(ctx, env, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := *p
	want.Default = true
	if diff := cmp.Diff(&want, got, cmpIgnoreUpdated()); diff != "" {
		t.Errorf("SetDefault changed more than default (-want +got):\n%s", diff)
	}
	if o, _ := c.Populations.Get(ctx, env, old.ID); o.Default {
		t.Errorf("old default still default")
	}
	var put *pingonetest.Request
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPut {
			put = &r
		}
	}
	if put == nil || !strings.Contains(put.Body, `"description":"all staff"`) || !strings.Contains(put.Body, `"default":true`) {
		t.Errorf("SetDefault sent %+v", put)
	}
}

func cmpIgnoreUpdated() cmp.Option {
	return cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".UpdatedAt" }, cmp.Ignore())
}

// lateArrival seeds one user into a population just before the first DELETE of it goes out, as
// another admin might, so that Retire has to sweep again.
type lateArrival struct {
	srv  *pingonetest.Server
	pop  string
	once sync.Once
}

func (l *lateArrival) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodDelete {
		l.once.Do(func() { _, _ = l.srv.SeedUsers(l.pop, 1) })
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestRetireIsOneJob: a Retire that sweeps up a late arrival reports one progress that never goes
// backwards, ending with one final report equal to the result.
func TestRetireIsOneJob(t *testing.T) {
	b := newBulkEnv(t, 300)
	c, err := b.srv.Client(pingone.WithHTTPClient(&http.Client{Transport: &lateArrival{srv: b.srv, pop: b.from.ID}}),
		pingone.WithRetryPolicy(pingone.FastRetry()))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var reports []pingone.BulkProgress
	res, err := c.Populations.Retire(t.Context(), b.env, b.from.ID, b.to.ID, &pingone.BulkOptions{Progress: func(p pingone.BulkProgress) {
		mu.Lock()
		reports = append(reports, p)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Moved != 301 {
		t.Errorf("moved %d, want 301 (300 and the late arrival)", res.Moved)
	}
	mu.Lock()
	defer mu.Unlock()
	for i := 1; i < len(reports); i++ {
		if reports[i].Done < reports[i-1].Done || reports[i].Total < reports[i-1].Total {
			t.Fatalf("progress went backwards: %+v then %+v", reports[i-1], reports[i])
		}
	}
	last := reports[len(reports)-1]
	if last.Done != 301 || last.Total != 301 || last.Moved != res.Moved {
		t.Errorf("final report %+v, result %+v", last, res)
	}
	if _, err := c.Populations.Get(t.Context(), b.env, b.from.ID); !errors.Is(err, pingone.ErrNotFound) {
		t.Errorf("population still there: %v", err)
	}
}
