package pingone_test

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/seedb6d25dc8/pingone"
	"github.com/seedb6d25dc8/pingone/pingonetest"
)

// The SDK against both sides of each rule pingonetest had to choose because PingOne does not
// document it (pingonetest/README.md lists them): whatever PingOne turns out to do, these hold.

func variantClient(t *testing.T, opts ...pingonetest.Option) (*pingonetest.Server, *pingone.Client) {
	t.Helper()
	tn := newTenant(t, seed{}, opts...)
	return tn.srv, tn.c
}

// TestEnsureUnderNameRules: duplicates are 409 or 400, names unique ignoring case or not; Ensure
// finds an existing population by any case, and recovers from a create that conflicts because
// the lookup before it missed (a listing that lags).
func TestEnsureUnderNameRules(t *testing.T) {
	variants := map[string][]pingonetest.Option{
		"409":            nil,
		"400":            {pingonetest.WithConflictStatus(400)},
		"case-sensitive": {pingonetest.WithCaseSensitiveNames()},
	}
	for name, opts := range variants {
		t.Run(name, func(t *testing.T) {
			srv, c := variantClient(t, opts...)
			ctx, env := t.Context(), srv.EnvironmentID
			p, created, err := c.Populations.Ensure(ctx, env, &pingone.Population{Name: "Contractors"})
			if err != nil || !created {
				t.Fatalf("first Ensure: %v, %v", created, err)
			}
			again, created, err := c.Populations.Ensure(ctx, env, &pingone.Population{Name: "CONTRACTORS"})
			if err != nil || created || again.ID != p.ID {
				t.Errorf("Ensure in another case: %+v, %v, %v; want the existing population", again, created, err)
			}
			if _, err := c.Populations.Create(ctx, env, &pingone.Population{Name: "Contractors"}); !errors.Is(err, pingone.ErrConflict) {
				t.Errorf("an exact duplicate: %v, want ErrConflict", err)
			}
			// The lookup misses once (an empty page), the create conflicts, the second lookup finds it.
			srv.Fail(pingonetest.Fault{Method: "GET", Path: "/v1/environments/*/populations", Status: 200,
				Body: `{"_embedded":{"populations":[]},"count":0,"size":0}`})
			found, created, err := c.Populations.Ensure(ctx, env, &pingone.Population{Name: "Contractors"})
			if err != nil || created || found.ID != p.ID {
				t.Errorf("Ensure after a lagging lookup: %+v, %v, %v; want the existing population", found, created, err)
			}
		})
	}
}

// TestDefaultUnderUndefaultRules: SetDefault switches and switches back however PingOne treats a
// PUT that un-defaults the default; with no default at all, GetDefault and Retire say so and
// change nothing.
func TestDefaultUnderUndefaultRules(t *testing.T) {
	for _, rule := range []pingonetest.Undefault{pingonetest.UndefaultRefused, pingonetest.UndefaultIgnored, pingonetest.UndefaultAllowed} {
		srv, c := variantClient(t, pingonetest.WithUndefault(rule))
		ctx, env := t.Context(), srv.EnvironmentID
		old, _ := c.Populations.GetDefault(ctx, env)
		p, _ := c.Populations.Create(ctx, env, &pingone.Population{Name: "Staff"})
		for _, want := range []*pingone.Population{p, old, p} {
			got, err := c.Populations.SetDefault(ctx, env, want.ID)
			if err != nil || !got.Default {
				t.Fatalf("rule %d: SetDefault(%s): %+v, %v", rule, want.Name, got, err)
			}
			def, err := c.Populations.GetDefault(ctx, env)
			if err != nil || def.ID != want.ID {
				t.Errorf("rule %d: default after SetDefault(%s) = %+v, %v", rule, want.Name, def, err)
			}
		}
		if rule != pingonetest.UndefaultAllowed {
			continue
		}
		p.Default = false
		if _, err := c.Populations.Update(ctx, env, p.ID, p); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Populations.GetDefault(ctx, env); !errors.Is(err, pingone.ErrNotFound) {
			t.Errorf("GetDefault with no default: %v", err)
		}
		if _, err := srv.SeedUsers(old.ID, 2); err != nil {
			t.Fatal(err)
		}
		srv.Reset()
		if _, err := c.Populations.Retire(ctx, env, old.ID, "", nil); !errors.Is(err, pingone.ErrNotFound) {
			t.Errorf("Retire to the default with no default: %v", err)
		}
		for _, r := range srv.Requests() {
			if r.Method != http.MethodGet {
				t.Errorf("Retire sent %s %s", r.Method, r.Path)
			}
		}
	}
}

// arrival makes one user arrive in a population just before the first DELETE of it, as when
// someone adds a user while Retire runs.
type arrival struct {
	srv  *pingonetest.Server
	pop  string
	once sync.Once
}

func (a *arrival) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodDelete && strings.HasSuffix(r.URL.Path, "/populations/"+a.pop) {
		a.once.Do(func() { _, _ = a.srv.SeedUsers(a.pop, 1) })
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestRetireUnderDeleteRefusals: a user arriving while Retire runs makes the delete fail. With
// the refusal the fake assumes (400 and a CONSTRAINT_VIOLATION detail), Retire moves the late
// user and deletes; with a refusal shaped otherwise it stops, deletes nothing and says so; a
// second Retire then finishes. Either way no user is lost.
func TestRetireUnderDeleteRefusals(t *testing.T) {
	variants := []struct {
		name     string
		opts     []pingonetest.Option
		recovers bool
	}{
		{"400 CONSTRAINT_VIOLATION", nil, true},
		{"409 without details", []pingonetest.Option{pingonetest.WithDeleteRefusal(409, "")}, false},
		{"400 INVALID_VALUE", []pingonetest.Option{pingonetest.WithDeleteRefusal(400, "INVALID_VALUE")}, false},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			b := newBulkEnv(t, 5, v.opts...)
			c, err := b.srv.Client(pingone.WithHTTPClient(&http.Client{Transport: &arrival{srv: b.srv, pop: b.from.ID}}),
				pingone.WithRetryPolicy(pingone.RetryPolicy{MaxRetries: 0}))
			if err != nil {
				t.Fatal(err)
			}
			ctx := t.Context()
			res, err := c.Populations.Retire(ctx, b.env, b.from.ID, b.to.ID, nil)
			if v.recovers {
				if err != nil || res.Moved != 6 {
					t.Fatalf("Retire: %+v, %v; want 6 moved and the population deleted", res, err)
				}
			} else {
				if err == nil || res.Moved != 5 {
					t.Fatalf("Retire: %+v, %v; want 5 moved and the delete's error", res, err)
				}
				if _, err := c.Populations.Get(ctx, b.env, b.from.ID); err != nil {
					t.Fatalf("the population is gone after a refused delete: %v", err)
				}
				if res, err = c.Populations.Retire(ctx, b.env, b.from.ID, b.to.ID, nil); err != nil || res.Moved != 1 {
					t.Fatalf("second Retire: %+v, %v", res, err)
				}
			}
			if _, err := c.Populations.Get(ctx, b.env, b.from.ID); !errors.Is(err, pingone.ErrNotFound) {
				t.Errorf("population still there: %v", err)
			}
			to, _ := c.Populations.Get(ctx, b.env, b.to.ID)
			if to.UserCount != 6 {
				t.Errorf("%d users in the target, want 6", to.UserCount)
			}
		})
	}
}

// TestListingUnderNextLinkRules: whether next links repeat the filter or the cursor holds it,
// List, MoveAll and resuming a ListPage (with the same options and the cursor) see the same
// filtered users.
func TestListingUnderNextLinkRules(t *testing.T) {
	for _, inCursor := range []bool{false, true} {
		opts := []pingonetest.Option{pingonetest.WithPageSize(3)}
		if inCursor {
			opts = append(opts, pingonetest.WithFilterInCursor())
		}
		b := newBulkEnv(t, 20, opts...)
		ctx := t.Context()
		filter := `username sw "seed-1"` // seed-1, seed-10..seed-19
		var listed []string
		for u, err := range b.c.Users.List(ctx, b.env, &pingone.ListOptions{Filter: filter, Limit: 2}) {
			if err != nil {
				t.Fatal(err)
			}
			listed = append(listed, u.Username)
		}
		var paged []string
		lo := &pingone.ListOptions{Filter: filter, Limit: 2}
		for {
			page, err := b.c.Users.ListPage(ctx, b.env, lo)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range page.Items {
				paged = append(paged, u.Username)
			}
			if page.NextCursor == "" {
				break
			}
			lo.Cursor = page.NextCursor
		}
		if len(listed) != 11 {
			t.Errorf("filter in cursor %v: List found %d users, want 11", inCursor, len(listed))
		}
		if diff := cmp.Diff(listed, paged); diff != "" {
			t.Errorf("filter in cursor %v: ListPage resumed differently from List (-List +ListPage):\n%s", inCursor, diff)
		}
		res, err := b.c.Users.MoveAll(ctx, b.env, b.from.ID, b.to.ID, &pingone.BulkOptions{Filter: filter})
		if err != nil || res.Moved != 11 {
			t.Errorf("filter in cursor %v: MoveAll %+v, %v; want 11 moved", inCursor, res, err)
		}
	}
}
