// Command quickstart walks through the whole populations API and prints a transcript.
//
// With no PINGONE_* variables it starts pingonetest, an in-memory PingOne, in-process. With
// PINGONE_REGION_CODE, PINGONE_ENVIRONMENT_ID, PINGONE_CLIENT_ID and PINGONE_CLIENT_SECRET set it
// runs against that tenant, in PINGONE_TARGET_ENVIRONMENT_ID (default: PINGONE_ENVIRONMENT_ID),
// and deletes everything it created.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/seedb6d25dc8/pingone"
	"github.com/seedb6d25dc8/pingone/pingonetest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart failed:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	c, envID, closeFn, err := connect()
	if err != nil {
		return err
	}
	defer closeFn()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()

	var cleanup []func()
	defer func() {
		for i := len(cleanup) - 1; i >= 0; i-- {
			cleanup[i]()
		}
	}()
	suffix := randomSuffix()
	names := []string{"Quickstart Engineering " + suffix, "Quickstart Contractors " + suffix}

	step("1. Create two populations")
	var pops []*pingone.Population
	for i, name := range names {
		p, err := c.Populations.Create(ctx, envID, &pingone.Population{Name: name, Description: fmt.Sprintf("quickstart population %d", i+1)})
		if err != nil {
			return fmt.Errorf("create %q: %w", name, err)
		}
		pops = append(pops, p)
		cleanup = append(cleanup, func() {
			// PingOne may count a user that was just deleted for a moment, so retry briefly.
			err := eventually(context.WithoutCancel(ctx), func(ctx context.Context) error {
				err := c.Populations.Delete(ctx, envID, p.ID)
				if errors.Is(err, pingone.ErrNotFound) {
					return nil
				}
				return err
			})
			if err != nil {
				fmt.Fprintf(os.Stderr, "cleanup: delete population %s: %v\n", p.ID, err)
			}
		})
		fmt.Printf("   created %q id=%s language=%s users=%d\n", p.Name, p.ID, p.PreferredLanguage, p.UserCount)
	}

	step("2. List populations, one per page, following the cursor")
	opts := &pingone.ListOptions{Limit: 1, Filter: `name sw "Quickstart "`}
	for n := 1; ; n++ {
		page, err := c.Populations.ListPage(ctx, envID, opts)
		if err != nil {
			return fmt.Errorf("list page %d: %w", n, err)
		}
		for _, p := range page.Items {
			fmt.Printf("   page %d: %s\n", n, p.Name)
		}
		if page.NextCursor == "" {
			break
		}
		opts.Cursor = page.NextCursor
	}
	total := 0
	for _, err := range c.Populations.List(ctx, envID, nil) {
		if err != nil {
			return fmt.Errorf("list: %w", err)
		}
		total++
	}
	fmt.Printf("   ranging over List: %d populations in the environment\n", total)

	step("3. Get by name")
	var byName *pingone.Population
	err = eventually(ctx, func(ctx context.Context) (err error) {
		byName, err = c.Populations.GetByName(ctx, envID, names[1])
		return err
	})
	if err != nil {
		return fmt.Errorf("get by name: %w", err)
	}
	fmt.Printf("   %q is %s\n", byName.Name, byName.ID)

	step("4. Update: Get → change → Update (PUT replaces the whole population)")
	p, err := c.Populations.Get(ctx, envID, pops[0].ID)
	if err != nil {
		return err
	}
	p.Description = "Engineers, renamed by the quickstart"
	p.Name += " (renamed)"
	if p, err = c.Populations.Update(ctx, envID, p.ID, p); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	pops[0] = p
	fmt.Printf("   now %q: %q\n", p.Name, p.Description)

	step("5. Make one default, then restore the old default")
	oldDefault, err := c.Populations.GetDefault(ctx, envID)
	if err != nil {
		return fmt.Errorf("get default: %w", err)
	}
	fmt.Printf("   default is %q\n", oldDefault.Name)
	restore := func() error {
		d, err := c.Populations.Get(context.WithoutCancel(ctx), envID, oldDefault.ID)
		if err != nil {
			return err
		}
		d.Default = true
		_, err = c.Populations.Update(context.WithoutCancel(ctx), envID, d.ID, d)
		return err
	}
	cleanup = append(cleanup, func() {
		if err := restore(); err != nil {
			fmt.Fprintf(os.Stderr, "cleanup: restore default population %s: %v\n", oldDefault.ID, err)
		}
	})
	p.Default = true
	if p, err = c.Populations.Update(ctx, envID, p.ID, p); err != nil {
		return fmt.Errorf("make default: %w", err)
	}
	pops[0] = p
	fmt.Printf("   default is now %q\n", p.Name)
	if err := restore(); err != nil {
		return fmt.Errorf("restore default: %w", err)
	}
	fmt.Printf("   restored %q as the default\n", oldDefault.Name)

	step("6. Create a user and move it between populations")
	u, err := c.Users.Create(ctx, envID, &pingone.User{
		Username: "quickstart-" + suffix, Email: "quickstart-" + suffix + "@example.com",
		Name: pingone.UserName{Given: "Quick", Family: "Start"}, Population: &pingone.Ref{ID: pops[0].ID},
	})
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	cleanup = append(cleanup, func() {
		if err := c.Users.Delete(context.WithoutCancel(ctx), envID, u.ID); err != nil && !errors.Is(err, pingone.ErrNotFound) {
			fmt.Fprintf(os.Stderr, "cleanup: delete user %s: %v\n", u.ID, err)
		}
	})
	fmt.Printf("   created user %q in %q\n", u.Username, pops[0].Name)
	if err := showCounts(ctx, c, envID, pops, 1, 0); err != nil {
		return err
	}
	if err := c.Users.MovePopulation(ctx, envID, u.ID, pops[1].ID); err != nil {
		return fmt.Errorf("move user: %w", err)
	}
	ref, err := c.Users.GetPopulation(ctx, envID, u.ID)
	if err != nil {
		return err
	}
	fmt.Printf("   moved; the user's population is now %s\n", ref.ID)
	if err := showCounts(ctx, c, envID, pops, 0, 1); err != nil {
		return err
	}

	step("7. Typed errors")
	_, err = c.Populations.Create(ctx, envID, &pingone.Population{Name: names[1]})
	fmt.Printf("   duplicate name: errors.Is(err, pingone.ErrConflict) = %v\n", errors.Is(err, pingone.ErrConflict))
	if !errors.Is(err, pingone.ErrConflict) {
		return fmt.Errorf("duplicate name: want ErrConflict, got %v", err)
	}
	err = c.Populations.Delete(ctx, envID, pops[1].ID)
	var apiErr *pingone.APIError
	if !errors.As(err, &apiErr) {
		return fmt.Errorf("delete a population with users: want an *APIError, got %v", err)
	}
	fmt.Printf("   delete a population with users: %d %s: %s\n", apiErr.StatusCode, apiErr.Code, apiErr.Message)
	for _, d := range apiErr.Details {
		fmt.Printf("     detail %s: %s\n", d.Code, d.Message)
	}

	step("8. Clean up")
	for i := len(cleanup) - 1; i >= 0; i-- {
		cleanup[i]()
	}
	cleanup = nil
	for _, p := range pops {
		err := eventually(ctx, func(ctx context.Context) error {
			if _, err := c.Populations.Get(ctx, envID, p.ID); !errors.Is(err, pingone.ErrNotFound) {
				return fmt.Errorf("population %s still there after cleanup: %v", p.ID, err)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	fmt.Println("   deleted the user and both populations; done")
	return nil
}

// connect returns a client on a real tenant when PINGONE_* is set, else on an in-process fake.
func connect() (*pingone.Client, string, func(), error) {
	configured := false
	for _, k := range []string{"PINGONE_REGION_CODE", "PINGONE_REGION", "PINGONE_ENVIRONMENT_ID", "PINGONE_CLIENT_ID", "PINGONE_CLIENT_SECRET"} {
		configured = configured || os.Getenv(k) != ""
	}
	if !configured {
		srv := pingonetest.NewServer()
		fmt.Println("No PINGONE_* variables set: running against pingonetest, an in-memory PingOne, in this process.")
		c, err := srv.Client(pingone.WithUserAgent("pingone-quickstart"))
		return c, srv.EnvironmentID, srv.Close, err
	}
	c, err := pingone.NewClientFromEnv(pingone.WithUserAgent("pingone-quickstart"))
	if err != nil {
		return nil, "", nil, err
	}
	env := os.Getenv("PINGONE_TARGET_ENVIRONMENT_ID")
	if env == "" {
		env = os.Getenv("PINGONE_ENVIRONMENT_ID")
	}
	fmt.Printf("Running against PingOne (%s), environment %s.\n", c, env)
	return c, env, func() {}, nil
}

// showCounts prints both populations' userCount, polling briefly since PingOne may update it a
// moment after a change.
func showCounts(ctx context.Context, c *pingone.Client, envID string, pops []*pingone.Population, want0, want1 int) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		a, err := c.Populations.Get(ctx, envID, pops[0].ID)
		if err != nil {
			return err
		}
		b, err := c.Populations.Get(ctx, envID, pops[1].ID)
		if err != nil {
			return err
		}
		if (a.UserCount == want0 && b.UserCount == want1) || time.Now().After(deadline) {
			fmt.Printf("   userCount: %q=%d, %q=%d\n", a.Name, a.UserCount, b.Name, b.UserCount)
			return nil
		}
		time.Sleep(time.Second)
	}
}

func step(s string) { fmt.Println(s) }

// eventually retries fn for up to 15 seconds: PingOne is eventually consistent, so a read right
// after a write may not see it yet. The fake is consistent, so there fn succeeds at once.
func eventually(ctx context.Context, fn func(context.Context) error) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := fn(ctx)
		if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Second):
		}
	}
}

func randomSuffix() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
