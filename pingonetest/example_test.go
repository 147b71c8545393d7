package pingonetest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/seedb6d25dc8/pingone"
	"github.com/seedb6d25dc8/pingone/pingonetest"
)

// A test of your own code runs against the fake exactly as against PingOne.
func ExampleNewServer() {
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs())
	defer srv.Close()
	c, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	pop, err := c.Populations.Create(ctx, srv.EnvironmentID, &pingone.Population{Name: "Staff"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pop.ID, pop.Name)
	for _, r := range srv.Requests() {
		fmt.Println(r.Method, r.Status, r.Header.Get("Authorization"))
	}
	// Output:
	// 00000000-0000-4000-8000-000000000006 Staff
	// POST 200 Basic REDACTED
	// POST 201 Bearer REDACTED
}

// Fail makes the next matching requests fail, so a test can check how code copes.
func ExampleServer_Fail() {
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs())
	defer srv.Close()
	c, err := srv.Client(pingone.WithRetryPolicy(pingone.RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond}))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// Two 503s on reads: the client retries GETs and gets through.
	err = srv.Fail(pingonetest.Fault{Method: "GET", Path: "/v1/environments/*/populations", Status: 503, Times: 2})
	if err != nil {
		log.Fatal(err) // a fault that could never fire, such as a path without /v1
	}
	def, err := c.Populations.GetDefault(ctx, srv.EnvironmentID)
	fmt.Println(def.Name, err)

	// A 503 on a create is not retried: the first attempt may have created the population.
	if err := srv.Fail(pingonetest.Fault{Method: "POST", Path: "/v1/environments/*/populations", Status: 503}); err != nil {
		log.Fatal(err)
	}
	_, err = c.Populations.Create(ctx, srv.EnvironmentID, &pingone.Population{Name: "Staff"})
	fmt.Println(errors.Is(err, pingone.ErrServerError))
	// Output:
	// Default <nil>
	// true
}

// SeedUsers fills a population without a request per user, for tests that need many.
func ExampleServer_SeedUsers() {
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs())
	defer srv.Close()
	c, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	staff, err := c.Populations.Create(ctx, srv.EnvironmentID, &pingone.Population{Name: "Staff"})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := srv.SeedUsers(staff.ID, 1000); err != nil {
		log.Fatal(err)
	}
	staff, err = c.Populations.Get(ctx, srv.EnvironmentID, staff.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(staff.Name, staff.UserCount, len(srv.Requests()))
	// Output: Staff 1000 3
}
