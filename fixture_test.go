package pingone_test

import (
	"context"
	"testing"

	"github.com/seedb6d25dc8/pingone"
	"github.com/seedb6d25dc8/pingone/pingonetest"
)

// tenant is the one fixture of the tests outside the package: a pingonetest server, a client on
// it, and what the test seeded.
type tenant struct {
	srv   *pingonetest.Server
	c     *pingone.Client
	env   string
	pops  []*pingone.Population // seed.populations, created in that order
	users []string              // the IDs of the seeded users
}

// seed is what newTenant puts in a fresh server.
type seed struct {
	populations []string         // created through the client, in this order
	users       int              // seeded directly (no requests) into usersIn
	usersIn     int              // the index in populations of the users' population; -1: the default one
	client      []pingone.Option // added after the fast retry policy (pingone.FastRetry)
}

// newTenant starts a server with opts and a client on it, seeds it, and makes the server forget
// the setup requests, so that a test sees only its own.
func newTenant(t testing.TB, s seed, opts ...pingonetest.Option) *tenant {
	t.Helper()
	srv := pingonetest.NewServer(opts...)
	t.Cleanup(srv.Close)
	c, err := srv.Client(append([]pingone.Option{pingone.WithRetryPolicy(pingone.FastRetry())}, s.client...)...)
	if err != nil {
		t.Fatal(err)
	}
	tn := &tenant{srv: srv, c: c, env: srv.EnvironmentID}
	for _, name := range s.populations {
		p, err := c.Populations.Create(context.Background(), srv.EnvironmentID, &pingone.Population{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		tn.pops = append(tn.pops, p)
	}
	if s.users > 0 {
		into := ""
		if s.usersIn >= 0 {
			into = tn.pops[s.usersIn].ID
		}
		if tn.users, err = srv.SeedUsers(into, s.users); err != nil {
			t.Fatal(err)
		}
	}
	srv.Reset()
	return tn
}
