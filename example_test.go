package pingone_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/seedb6d25dc8/pingone"
	"github.com/seedb6d25dc8/pingone/pingonetest"
)

// newExampleServer starts a fake PingOne with predictable ids, so the examples' output is stable.
func newExampleServer() (*pingonetest.Server, *pingone.Client) {
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs(), pingonetest.WithPageSize(2))
	c, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	return srv, c
}

func ExampleNewWorkerClient() {
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs())
	defer srv.Close()

	// Against a real tenant, the region decides the hosts and the options are not needed.
	c, err := pingone.NewWorkerClient(pingone.RegionEurope, srv.EnvironmentID, srv.ClientID, srv.ClientSecret,
		pingone.WithBaseURL(srv.URL), pingone.WithAuthURL(srv.AuthURL), pingone.WithUserAgent("acme-sync/1.2"))
	if err != nil {
		log.Fatal(err)
	}
	def, err := c.Populations.GetDefault(context.Background(), srv.EnvironmentID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(def.Name, def.Default)
	// Output: Default true
}

func ExamplePopulationsService_Create() {
	srv, c := newExampleServer()
	defer srv.Close()
	ctx := context.Background()

	pop, err := c.Populations.Create(ctx, srv.EnvironmentID, &pingone.Population{
		Name:        "Contractors",
		Description: "Temporary staff",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pop.ID, pop.Name, pop.PreferredLanguage, pop.UserCount)
	// Output: 00000000-0000-4000-8000-000000000006 Contractors en 0
}

func ExamplePopulationsService_Get() {
	srv, c := newExampleServer()
	defer srv.Close()
	ctx := context.Background()

	created, _ := c.Populations.Create(ctx, srv.EnvironmentID, &pingone.Population{Name: "Staff"})
	pop, err := c.Populations.Get(ctx, srv.EnvironmentID, created.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pop.Name, pop.CreatedAt.Format("2006-01-02"))
	// Output: Staff 2026-01-01
}

func ExamplePopulationsService_GetByName() {
	srv, c := newExampleServer()
	defer srv.Close()
	ctx := context.Background()

	_, _ = c.Populations.Create(ctx, srv.EnvironmentID, &pingone.Population{Name: `Say "hi"`})
	pop, err := c.Populations.GetByName(ctx, srv.EnvironmentID, `Say "hi"`)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pop.Name)

	_, err = c.Populations.GetByName(ctx, srv.EnvironmentID, "Nobody")
	fmt.Println(errors.Is(err, pingone.ErrNotFound))
	// Output:
	// Say "hi"
	// true
}

func ExamplePopulationsService_List() {
	srv, c := newExampleServer() // two populations per page
	defer srv.Close()
	ctx := context.Background()

	for _, name := range []string{"Engineering", "Sales", "Support"} {
		if _, err := c.Populations.Create(ctx, srv.EnvironmentID, &pingone.Population{Name: name}); err != nil {
			log.Fatal(err)
		}
	}
	// List fetches the next page only when the loop gets there.
	for pop, err := range c.Populations.List(ctx, srv.EnvironmentID, nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(pop.Name)
	}
	// Output:
	// Default
	// Engineering
	// Sales
	// Support
}

func ExamplePopulationsService_ListPage() {
	srv, c := newExampleServer()
	defer srv.Close()
	ctx := context.Background()

	for _, name := range []string{"Engineering", "Sales", "Support"} {
		_, _ = c.Populations.Create(ctx, srv.EnvironmentID, &pingone.Population{Name: name})
	}
	opts := &pingone.ListOptions{Limit: 2}
	for {
		page, err := c.Populations.ListPage(ctx, srv.EnvironmentID, opts)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(len(page.Items), "of", page.Count)
		if page.NextCursor == "" {
			break
		}
		opts.Cursor = page.NextCursor // store it to resume later, even in another process
	}
	// Output:
	// 2 of 4
	// 2 of 4
}

func ExamplePopulationsService_Update() {
	srv, c := newExampleServer()
	defer srv.Close()
	ctx := context.Background()
	created, _ := c.Populations.Create(ctx, srv.EnvironmentID, &pingone.Population{Name: "Staff", Description: "All staff"})

	// Update is a PUT: it replaces the whole population. Read it, change it, write it back.
	pop, err := c.Populations.Get(ctx, srv.EnvironmentID, created.ID)
	if err != nil {
		log.Fatal(err)
	}
	pop.Name = "Employees"
	pop, err = c.Populations.Update(ctx, srv.EnvironmentID, pop.ID, pop)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pop.Name, "/", pop.Description)
	// Output: Employees / All staff
}

func ExamplePopulationsService_Delete() {
	srv, c := newExampleServer()
	defer srv.Close()
	ctx := context.Background()
	pop, _ := c.Populations.Create(ctx, srv.EnvironmentID, &pingone.Population{Name: "Temporary"})

	if err := c.Populations.Delete(ctx, srv.EnvironmentID, pop.ID); err != nil {
		log.Fatal(err)
	}
	_, err := c.Populations.Get(ctx, srv.EnvironmentID, pop.ID)
	fmt.Println(errors.Is(err, pingone.ErrNotFound))
	// Output: true
}

func ExampleUsersService_MovePopulation() {
	srv, c := newExampleServer()
	defer srv.Close()
	ctx := context.Background()
	env := srv.EnvironmentID

	staff, _ := c.Populations.Create(ctx, env, &pingone.Population{Name: "Staff"})
	u, err := c.Users.Create(ctx, env, &pingone.User{Username: "ada", Email: "ada@example.com"})
	if err != nil {
		log.Fatal(err)
	}
	if err := c.Users.MovePopulation(ctx, env, u.ID, staff.ID); err != nil {
		log.Fatal(err)
	}
	ref, _ := c.Users.GetPopulation(ctx, env, u.ID)
	staff, _ = c.Populations.Get(ctx, env, staff.ID)
	fmt.Println(ref.ID == staff.ID, staff.UserCount)
	// Output: true 1
}

// Errors are *pingone.APIError values: errors.Is matches the kind, errors.As gives PingOne's
// code, message, details and ids.
func Example_errors() {
	srv, c := newExampleServer()
	defer srv.Close()
	ctx := context.Background()
	env := srv.EnvironmentID

	_, err := c.Populations.Create(ctx, env, &pingone.Population{Name: "default"}) // names ignore case
	fmt.Println(errors.Is(err, pingone.ErrConflict))

	def, _ := c.Populations.GetDefault(ctx, env)
	err = c.Populations.Delete(ctx, env, def.ID)
	var apiErr *pingone.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code, apiErr.HasDetail("CONSTRAINT_VIOLATION"))
	}

	_, err = c.Populations.Get(ctx, env, "../users")
	fmt.Println(errors.Is(err, pingone.ErrInvalidArgument))
	// Output:
	// true
	// 400 INVALID_DATA true
	// true
}

func ExampleUsersService_MoveAll() {
	srv, c := newExampleServer()
	defer srv.Close()
	ctx := context.Background()
	env := srv.EnvironmentID

	legacy, _ := c.Populations.Create(ctx, env, &pingone.Population{Name: "Legacy"})
	staff, _ := c.Populations.Create(ctx, env, &pingone.Population{Name: "Staff"})
	if _, err := srv.SeedUsers(legacy.ID, 25); err != nil {
		log.Fatal(err)
	}
	res, err := c.Users.MoveAll(ctx, env, legacy.ID, staff.ID, &pingone.BulkOptions{Concurrency: 4})
	if err != nil {
		log.Fatal(err)
	}
	staff, _ = c.Populations.Get(ctx, env, staff.ID)
	fmt.Println(res.Moved, len(res.Failed), staff.UserCount)
	// Output: 25 0 25
}

func ExamplePopulationsService_Ensure() {
	srv, c := newExampleServer()
	defer srv.Close()
	ctx := context.Background()

	// Safe to run again and again: the second call finds what the first created.
	for range 2 {
		pop, created, err := c.Populations.Ensure(ctx, srv.EnvironmentID, &pingone.Population{Name: "Contractors"})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(pop.Name, created)
	}
	// Output:
	// Contractors true
	// Contractors false
}

func ExamplePopulationsService_Retire() {
	srv, c := newExampleServer()
	defer srv.Close()
	ctx := context.Background()
	env := srv.EnvironmentID

	old, _ := c.Populations.Create(ctx, env, &pingone.Population{Name: "Old office"})
	_, _ = srv.SeedUsers(old.ID, 3)
	// Move its users to the default population, then delete it.
	res, err := c.Populations.Retire(ctx, env, old.ID, "", nil)
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.Populations.Get(ctx, env, old.ID)
	fmt.Println(res.Moved, errors.Is(err, pingone.ErrNotFound))
	// Output: 3 true
}
