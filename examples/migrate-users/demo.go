package main

import (
	"context"
	"fmt"

	"github.com/seedb6d25dc8/pingone"
	"github.com/seedb6d25dc8/pingone/pingonetest"
)

// The demo's populations: -from and -to default to these with -demo.
const demoSource, demoTarget = "Legacy", "Employees"

// startDemo starts pingonetest, an in-memory PingOne, in this process: users users in a
// population named demoSource, an empty demoTarget, and a rate limit of rate requests a second,
// so the job meets 429s as it would on a tenant. It returns a client, the environment and a
// function that stops the server. This file is the demo path; the tenant path (connect in
// main.go) needs none of it.
func startDemo(users, rate int) (*pingone.Client, string, func(), error) {
	srv := pingonetest.NewServer(pingonetest.WithRateLimit(rate), pingonetest.WithPageSize(1000))
	c, err := srv.Client(pingone.WithUserAgent("pingone-migrate-users"))
	if err == nil {
		err = seedDemo(context.Background(), srv, c, users)
	}
	if err != nil {
		srv.Close()
		return nil, "", nil, err
	}
	return c, srv.EnvironmentID, srv.Close, nil
}

func seedDemo(ctx context.Context, srv *pingonetest.Server, c *pingone.Client, users int) error {
	source, err := c.Populations.Create(ctx, srv.EnvironmentID, &pingone.Population{Name: demoSource, Description: "users to migrate"})
	if err != nil {
		return fmt.Errorf("create %q: %w", demoSource, err)
	}
	if _, err := c.Populations.Create(ctx, srv.EnvironmentID, &pingone.Population{Name: demoTarget}); err != nil {
		return fmt.Errorf("create %q: %w", demoTarget, err)
	}
	_, err = srv.SeedUsers(source.ID, users)
	return err
}
