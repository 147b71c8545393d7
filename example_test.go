package pingone_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"os"

	"github.com/seedb6d25dc8/pingone"
	"github.com/seedb6d25dc8/pingone/pingonetest"
	"golang.org/x/oauth2/clientcredentials"
)

// Every Example runs against pingonetest, an in-memory PingOne, so its output is checked by go
// test. On a tenant, leave out the server and build the client with NewWorkerClient or
// NewClientFromEnv; the calls are the same.

func ExampleNewWorkerClient() {
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs())
	defer srv.Close()

	// Against a real tenant, the region decides the hosts and the URL options are not needed.
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

// NewClient takes any oauth2.TokenSource: here the client-credentials flow of x/oauth2, which
// NewWorkerClient otherwise runs for you.
func ExampleNewClient() {
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs())
	defer srv.Close()
	ctx := context.Background()

	cc := &clientcredentials.Config{ClientID: srv.ClientID, ClientSecret: srv.ClientSecret,
		TokenURL: srv.AuthURL + "/" + srv.EnvironmentID + "/as/token"} // on a tenant: RegionEurope.AuthURL() + …
	c, err := pingone.NewClient(pingone.RegionEurope, cc.TokenSource(ctx), pingone.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	def, err := c.Populations.GetDefault(ctx, srv.EnvironmentID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(def.Name)
	// Output: Default
}

// NewClientFromEnv reads the PINGONE_* variables a deployment sets. A misconfigured one learns
// every problem at once, each naming the variable to fix.
func ExampleNewClientFromEnv() {
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs())
	defer srv.Close()
	// Set by your deployment; here they point at the fake (PINGONE_REGION_CODE=EU would pick
	// PingOne's European hosts instead of the two URLs).
	for k, v := range map[string]string{"PINGONE_API_URL": srv.URL, "PINGONE_AUTH_URL": srv.AuthURL,
		"PINGONE_ENVIRONMENT_ID": srv.EnvironmentID, "PINGONE_CLIENT_ID": srv.ClientID, "PINGONE_CLIENT_SECRET": srv.ClientSecret} {
		os.Setenv(k, v)
	}

	c, err := pingone.NewClientFromEnv(pingone.WithUserAgent("acme-sync/1.2"))
	if err != nil {
		log.Fatal(err)
	}
	def, err := c.Populations.GetDefault(context.Background(), c.EnvironmentID())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.EnvironmentID() == srv.EnvironmentID, def.Name)

	os.Setenv("PINGONE_CLIENT_SECRET", "")
	os.Setenv("PINGONE_API_URL", "https://api.pingone.eu")
	_, err = pingone.NewClientFromEnv()
	fmt.Println(err)
	// Output:
	// true Default
	// pingone: configuration from the environment: missing PINGONE_CLIENT_SECRET; bad PINGONE_API_URL "https://api.pingone.eu": the path must end in /v1, as in https://api.pingone.eu/v1: pingone: invalid argument
}

func ExamplePopulationsService_Create() {
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs()) // an in-memory PingOne
	defer srv.Close()
	c, err := srv.Client() // on a tenant: pingone.NewWorkerClient or pingone.NewClientFromEnv
	if err != nil {
		log.Fatal(err)
	}
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
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs()) // an in-memory PingOne
	defer srv.Close()
	c, err := srv.Client() // on a tenant: pingone.NewWorkerClient or pingone.NewClientFromEnv
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	created, err := c.Populations.Create(ctx, srv.EnvironmentID, &pingone.Population{Name: "Staff"})
	if err != nil {
		log.Fatal(err)
	}

	pop, err := c.Populations.Get(ctx, srv.EnvironmentID, created.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pop.Name, pop.CreatedAt.Format("2006-01-02"))
	// Output: Staff 2026-01-01
}

func ExamplePopulationsService_GetByName() {
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs()) // an in-memory PingOne
	defer srv.Close()
	c, err := srv.Client() // on a tenant: pingone.NewWorkerClient or pingone.NewClientFromEnv
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Populations.Create(ctx, srv.EnvironmentID, &pingone.Population{Name: `Say "hi"`}); err != nil {
		log.Fatal(err)
	}

	pop, err := c.Populations.GetByName(ctx, srv.EnvironmentID, `Say "hi"`) // quoted for you
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
	// An in-memory PingOne serving two populations a page.
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs(), pingonetest.WithPageSize(2))
	defer srv.Close()
	c, err := srv.Client() // on a tenant: pingone.NewWorkerClient or pingone.NewClientFromEnv
	if err != nil {
		log.Fatal(err)
	}
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
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs()) // an in-memory PingOne
	defer srv.Close()
	c, err := srv.Client() // on a tenant: pingone.NewWorkerClient or pingone.NewClientFromEnv
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	for _, name := range []string{"Engineering", "Sales", "Support"} {
		if _, err := c.Populations.Create(ctx, srv.EnvironmentID, &pingone.Population{Name: name}); err != nil {
			log.Fatal(err)
		}
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
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs()) // an in-memory PingOne
	defer srv.Close()
	c, err := srv.Client() // on a tenant: pingone.NewWorkerClient or pingone.NewClientFromEnv
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	created, err := c.Populations.Create(ctx, srv.EnvironmentID, &pingone.Population{Name: "Staff", Description: "All staff"})
	if err != nil {
		log.Fatal(err)
	}

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

func ExamplePopulationsService_SetDefault() {
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs()) // an in-memory PingOne
	defer srv.Close()
	c, err := srv.Client() // on a tenant: pingone.NewWorkerClient or pingone.NewClientFromEnv
	if err != nil {
		log.Fatal(err)
	}
	ctx, env := context.Background(), srv.EnvironmentID
	employees, err := c.Populations.Create(ctx, env, &pingone.Population{Name: "Employees"})
	if err != nil {
		log.Fatal(err)
	}

	// New users without a population land in the default one. PingOne clears the flag on the
	// previous default.
	if _, err := c.Populations.SetDefault(ctx, env, employees.ID); err != nil {
		log.Fatal(err)
	}
	def, err := c.Populations.GetDefault(ctx, env)
	if err != nil {
		log.Fatal(err)
	}
	old, err := c.Populations.GetByName(ctx, env, "Default")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(def.Name, old.Default)
	// Output: Employees false
}

func ExamplePopulationsService_Delete() {
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs()) // an in-memory PingOne
	defer srv.Close()
	c, err := srv.Client() // on a tenant: pingone.NewWorkerClient or pingone.NewClientFromEnv
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	pop, err := c.Populations.Create(ctx, srv.EnvironmentID, &pingone.Population{Name: "Temporary"})
	if err != nil {
		log.Fatal(err)
	}

	if err := c.Populations.Delete(ctx, srv.EnvironmentID, pop.ID); err != nil {
		log.Fatal(err)
	}
	_, err = c.Populations.Get(ctx, srv.EnvironmentID, pop.ID)
	fmt.Println(errors.Is(err, pingone.ErrNotFound))
	// Output: true
}

func ExampleUsersService_Create() {
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs()) // an in-memory PingOne
	defer srv.Close()
	c, err := srv.Client() // on a tenant: pingone.NewWorkerClient or pingone.NewClientFromEnv
	if err != nil {
		log.Fatal(err)
	}
	ctx, env := context.Background(), srv.EnvironmentID
	staff, err := c.Populations.Create(ctx, env, &pingone.Population{Name: "Staff"})
	if err != nil {
		log.Fatal(err)
	}

	u, err := c.Users.Create(ctx, env, &pingone.User{
		Username:   "ada",
		Email:      "ada@example.com",
		Name:       pingone.UserName{Given: "Ada", Family: "Lovelace"},
		Population: &pingone.Ref{ID: staff.ID}, // nil: the default population
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.Username, u.Name.Family, u.Population.ID == staff.ID)

	_, err = c.Users.Create(ctx, env, &pingone.User{Username: "ADA", Email: "other@example.com"})
	fmt.Println(errors.Is(err, pingone.ErrConflict)) // usernames are unique, ignoring case
	// Output:
	// ada Lovelace true
	// true
}

// A filter built from data quotes every value with QuoteFilter, so a quote or backslash in the
// value cannot end the string literal and change the filter.
func ExampleUsersService_List() {
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs()) // an in-memory PingOne
	defer srv.Close()
	c, err := srv.Client() // on a tenant: pingone.NewWorkerClient or pingone.NewClientFromEnv
	if err != nil {
		log.Fatal(err)
	}
	ctx, env := context.Background(), srv.EnvironmentID
	staff, err := c.Populations.Create(ctx, env, &pingone.Population{Name: "Staff"})
	if err != nil {
		log.Fatal(err)
	}
	for _, name := range []string{"ada", "grace", `o"neil`} {
		u := &pingone.User{Username: name, Email: "staff@example.com", Population: &pingone.Ref{ID: staff.ID}}
		if _, err := c.Users.Create(ctx, env, u); err != nil {
			log.Fatal(err)
		}
	}

	username := `o"neil` // from a form, a file, another system
	filter := "population.id eq " + pingone.QuoteFilter(staff.ID) + " and username eq " + pingone.QuoteFilter(username)
	for u, err := range c.Users.List(ctx, env, &pingone.ListOptions{Filter: filter}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(u.Username)
	}
	// Output: o"neil
}

func ExampleUsersService_MovePopulation() {
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs()) // an in-memory PingOne
	defer srv.Close()
	c, err := srv.Client() // on a tenant: pingone.NewWorkerClient or pingone.NewClientFromEnv
	if err != nil {
		log.Fatal(err)
	}
	ctx, env := context.Background(), srv.EnvironmentID
	staff, err := c.Populations.Create(ctx, env, &pingone.Population{Name: "Staff"})
	if err != nil {
		log.Fatal(err)
	}
	u, err := c.Users.Create(ctx, env, &pingone.User{Username: "ada", Email: "ada@example.com"})
	if err != nil {
		log.Fatal(err)
	}

	if err := c.Users.MovePopulation(ctx, env, u.ID, staff.ID); err != nil {
		log.Fatal(err)
	}
	ref, err := c.Users.GetPopulation(ctx, env, u.ID)
	if err != nil {
		log.Fatal(err)
	}
	staff, err = c.Populations.Get(ctx, env, staff.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ref.ID == staff.ID, staff.UserCount)
	// Output: true 1
}

// Errors are *pingone.APIError values: errors.Is matches the kind, errors.As gives PingOne's
// code, message, details and ids.
func Example_errors() {
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs()) // an in-memory PingOne
	defer srv.Close()
	c, err := srv.Client() // on a tenant: pingone.NewWorkerClient or pingone.NewClientFromEnv
	if err != nil {
		log.Fatal(err)
	}
	ctx, env := context.Background(), srv.EnvironmentID

	_, err = c.Populations.Create(ctx, env, &pingone.Population{Name: "default"}) // names ignore case
	fmt.Println(errors.Is(err, pingone.ErrConflict))

	def, err := c.Populations.GetDefault(ctx, env)
	if err != nil {
		log.Fatal(err)
	}
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
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs()) // an in-memory PingOne
	defer srv.Close()
	c, err := srv.Client() // on a tenant: pingone.NewWorkerClient or pingone.NewClientFromEnv
	if err != nil {
		log.Fatal(err)
	}
	ctx, env := context.Background(), srv.EnvironmentID
	legacy, err := c.Populations.Create(ctx, env, &pingone.Population{Name: "Legacy"})
	if err != nil {
		log.Fatal(err)
	}
	staff, err := c.Populations.Create(ctx, env, &pingone.Population{Name: "Staff"})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := srv.SeedUsers(legacy.ID, 25); err != nil { // 25 users in Legacy, without requests
		log.Fatal(err)
	}

	res, err := c.Users.MoveAll(ctx, env, legacy.ID, staff.ID, &pingone.BulkOptions{Concurrency: 4})
	if err != nil {
		log.Fatal(err)
	}
	staff, err = c.Populations.Get(ctx, env, staff.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Moved, len(res.Failed), staff.UserCount)
	// Output: 25 0 25
}

// MoveMany skips users already in the target, so running it again after an interruption moves
// only the rest.
func ExampleUsersService_MoveMany() {
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs()) // an in-memory PingOne
	defer srv.Close()
	c, err := srv.Client() // on a tenant: pingone.NewWorkerClient or pingone.NewClientFromEnv
	if err != nil {
		log.Fatal(err)
	}
	ctx, env := context.Background(), srv.EnvironmentID
	staff, err := c.Populations.Create(ctx, env, &pingone.Population{Name: "Staff"})
	if err != nil {
		log.Fatal(err)
	}
	userIDs, err := srv.SeedUsers("", 5) // five users in the default population
	if err != nil {
		log.Fatal(err)
	}

	first, err := c.Users.MoveMany(ctx, env, userIDs[:3], staff.ID, nil)
	if err != nil {
		log.Fatal(err)
	}
	again, err := c.Users.MoveMany(ctx, env, userIDs, staff.ID, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("first:", first.Moved, "moved,", first.Skipped, "skipped")
	fmt.Println("again:", again.Moved, "moved,", again.Skipped, "skipped")
	// Output:
	// first: 3 moved, 0 skipped
	// again: 2 moved, 3 skipped
}

func ExamplePopulationsService_Ensure() {
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs()) // an in-memory PingOne
	defer srv.Close()
	c, err := srv.Client() // on a tenant: pingone.NewWorkerClient or pingone.NewClientFromEnv
	if err != nil {
		log.Fatal(err)
	}
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
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs()) // an in-memory PingOne
	defer srv.Close()
	c, err := srv.Client() // on a tenant: pingone.NewWorkerClient or pingone.NewClientFromEnv
	if err != nil {
		log.Fatal(err)
	}
	ctx, env := context.Background(), srv.EnvironmentID
	old, err := c.Populations.Create(ctx, env, &pingone.Population{Name: "Old office"})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := srv.SeedUsers(old.ID, 3); err != nil {
		log.Fatal(err)
	}

	// Move its users to the default population, then delete it.
	res, err := c.Populations.Retire(ctx, env, old.ID, "", nil)
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.Populations.Get(ctx, env, old.ID)
	fmt.Println(res.Moved, errors.Is(err, pingone.ErrNotFound))
	// Output: 3 true
}

// Update replaces the whole user, so read it first, change it and send it back: attributes the
// SDK does not model travel in Extra and are kept.
func ExampleUsersService_Update() {
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs()) // an in-memory PingOne
	defer srv.Close()
	c, err := srv.Client() // on a tenant: pingone.NewWorkerClient or pingone.NewClientFromEnv
	if err != nil {
		log.Fatal(err)
	}
	ctx, env := context.Background(), srv.EnvironmentID
	created, err := c.Users.Create(ctx, env, &pingone.User{Username: "ada", Email: "ada@example.com",
		Extra: map[string]json.RawMessage{"mobilePhone": json.RawMessage(`"+44 20 7946 0000"`)}})
	if err != nil {
		log.Fatal(err)
	}

	u, err := c.Users.Get(ctx, env, created.ID)
	if err != nil {
		log.Fatal(err)
	}
	u.Name = pingone.UserName{Given: "Ada", Family: "Lovelace"}
	u, err = c.Users.Update(ctx, env, u.ID, u)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.Name.Family, u.Email, string(u.Extra["mobilePhone"]))
	// Output: Lovelace ada@example.com "+44 20 7946 0000"
}

// Patch changes only what it is given, so nothing else is read or sent back.
func ExampleUsersService_Patch() {
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs()) // an in-memory PingOne
	defer srv.Close()
	c, err := srv.Client() // on a tenant: pingone.NewWorkerClient or pingone.NewClientFromEnv
	if err != nil {
		log.Fatal(err)
	}
	ctx, env := context.Background(), srv.EnvironmentID
	u, err := c.Users.Create(ctx, env, &pingone.User{Username: "ada", Email: "ada@example.com", ExternalID: "emp-1",
		Name: pingone.UserName{Given: "Ada"}})
	if err != nil {
		log.Fatal(err)
	}

	email, none := "ada@example.org", ""
	u, err = c.Users.Patch(ctx, env, u.ID, &pingone.UserPatch{Email: &email, ExternalID: &none})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s %s %q\n", u.Email, u.Name.Given, u.ExternalID)
	// Output: ada@example.org Ada ""
}

// Import is the only create that sets a password and a lifecycle status. The password prints as
// [REDACTED] and is sent in the import request only.
func ExampleUsersService_Import() {
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs()) // an in-memory PingOne
	defer srv.Close()
	c, err := srv.Client() // on a tenant: pingone.NewWorkerClient or pingone.NewClientFromEnv
	if err != nil {
		log.Fatal(err)
	}
	ctx, env := context.Background(), srv.EnvironmentID
	pw := &pingone.ImportPassword{Value: pingone.NewPassword("correct horse battery staple"), ForceChange: true}
	u, err := c.Users.Import(ctx, env, &pingone.User{Username: "ada", Email: "ada@example.com",
		Lifecycle: pingone.UserLifecycle{Status: pingone.LifecycleVerificationRequired}}, pw)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.Lifecycle.Status, pw.Value)
	fmt.Println(srv.CheckPassword(u.ID, "correct horse battery staple")) // the fake's test helper
	// Output:
	// VERIFICATION_REQUIRED [REDACTED]
	// true
}

// GetWithPopulation reads a user and its population in one request.
func ExampleUsersService_GetWithPopulation() {
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs()) // an in-memory PingOne
	defer srv.Close()
	c, err := srv.Client() // on a tenant: pingone.NewWorkerClient or pingone.NewClientFromEnv
	if err != nil {
		log.Fatal(err)
	}
	ctx, env := context.Background(), srv.EnvironmentID
	staff, err := c.Populations.Create(ctx, env, &pingone.Population{Name: "Staff"})
	if err != nil {
		log.Fatal(err)
	}
	u, err := c.Users.Create(ctx, env, &pingone.User{Username: "ada", Email: "ada@example.com", Population: &pingone.Ref{ID: staff.ID}})
	if err != nil {
		log.Fatal(err)
	}

	got, err := c.Users.GetWithPopulation(ctx, env, u.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(got.User.Username, "→", got.Population.Name)
	// Output: ada → Staff
}

// A population's users can sign on with an external identity provider by default; resetting
// makes PingOne the provider again.
func ExamplePopulationsService_SetDefaultIdentityProvider() {
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs()) // an in-memory PingOne
	defer srv.Close()
	c, err := srv.Client() // on a tenant: pingone.NewWorkerClient or pingone.NewClientFromEnv
	if err != nil {
		log.Fatal(err)
	}
	ctx, env := context.Background(), srv.EnvironmentID
	pop, err := c.Populations.Create(ctx, env, &pingone.Population{Name: "Partners"})
	if err != nil {
		log.Fatal(err)
	}

	const idpID = "0b8e7c9a-1d2e-4f3a-9b4c-5d6e7f8a9b0c" // an identity provider of the environment
	if _, err := c.Populations.SetDefaultIdentityProvider(ctx, env, pop.ID, idpID); err != nil {
		log.Fatal(err)
	}
	idp, err := c.Populations.GetDefaultIdentityProvider(ctx, env, pop.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(idp.ID == idpID)

	if _, err := c.Populations.ResetDefaultIdentityProvider(ctx, env, pop.ID); err != nil {
		log.Fatal(err)
	}
	idp, err = c.Populations.GetDefaultIdentityProvider(ctx, env, pop.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%q\n", idp.ID) // "": PingOne itself
	// Output:
	// true
	// ""
}

// Do reaches an endpoint the SDK does not wrap through the same token, retries, host check and
// errors, decoding into your own type.
func ExampleClient_Do() {
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs()) // an in-memory PingOne
	defer srv.Close()
	c, err := srv.Client() // on a tenant: pingone.NewWorkerClient or pingone.NewClientFromEnv
	if err != nil {
		log.Fatal(err)
	}
	ctx, env := context.Background(), srv.EnvironmentID

	var page struct {
		Embedded struct {
			Populations []struct {
				Name    string `json:"name"`
				Default bool   `json:"default"`
			} `json:"populations"`
		} `json:"_embedded"`
	}
	err = c.Do(ctx, http.MethodGet, "environments/"+url.PathEscape(env)+"/populations?limit=10", nil, &page)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(page.Embedded.Populations[0].Name, page.Embedded.Populations[0].Default)

	err = c.Do(ctx, http.MethodGet, "environments/"+url.PathEscape(env)+"/populations/no-such-id", nil, nil)
	fmt.Println(errors.Is(err, pingone.ErrNotFound))
	// Output:
	// Default true
	// true
}

// A client made with WithCorrelationIDs sends PingOne's correlation headers with each of its
// calls, so PingOne's audit events carry your transaction ID. It shares everything else with c.
func ExampleClient_WithCorrelationIDs() {
	srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs()) // an in-memory PingOne
	defer srv.Close()
	c, err := srv.Client(pingone.WithCorrelationIDs(pingone.CorrelationIDs{SessionID: "sync-worker-7"}))
	if err != nil {
		log.Fatal(err)
	}
	ctx, env := context.Background(), srv.EnvironmentID

	tc, err := c.WithCorrelationIDs(pingone.CorrelationIDs{TransactionID: "run-2026-03-23"})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := tc.Populations.GetDefault(ctx, env); err != nil {
		log.Fatal(err)
	}
	reqs := srv.Requests()
	last := reqs[len(reqs)-1].Header
	fmt.Println(last.Get("X-Ping-External-Transaction-ID"), last.Get("X-Ping-External-Session-ID"))
	// Output: run-2026-03-23 sync-worker-7
}
