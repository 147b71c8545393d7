// Command quickstart walks through the populations API and prints a transcript.
//
// With PINGONE_REGION_CODE, PINGONE_ENVIRONMENT_ID, PINGONE_CLIENT_ID and PINGONE_CLIENT_SECRET
// set it runs against that tenant, in PINGONE_TARGET_ENVIRONMENT_ID (default:
// PINGONE_ENVIRONMENT_ID), deletes everything it created (within a minute, even after Ctrl-C), and
// leaves the default population alone. With no PINGONE_* variable set it runs on pingonetest, an
// in-memory PingOne, in this process (demo.go). The first line says which.
//
//	go run ./examples/quickstart
//
// To copy the tenant path into a program, take connect and the steps from this file: demo.go is
// the only file that imports pingonetest.
package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/seedb6d25dc8/pingone"
)

const (
	runTimeout     = 2 * time.Minute
	cleanupTimeout = time.Minute      // cleanup runs even after Ctrl-C, but not for ever
	settleTimeout  = 15 * time.Second // how long to wait for PingOne to show a change
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // the first Ctrl-C starts the cleanup; a second one quits at once
	}()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart failed:", err)
		os.Exit(1)
	}
}

// tenantConfigured reports whether any variable that configures a tenant is set. Then the
// quickstart runs on the tenant, never on the fake: a missing variable is an error that names it,
// not a silent demo.
func tenantConfigured() bool {
	for _, k := range []string{"PINGONE_REGION_CODE", "PINGONE_REGION", "PINGONE_ENVIRONMENT_ID", "PINGONE_CLIENT_ID",
		"PINGONE_CLIENT_SECRET", "PINGONE_API_URL", "PINGONE_AUTH_URL", "PINGONE_TARGET_ENVIRONMENT_ID"} {
		if os.Getenv(k) != "" {
			return true
		}
	}
	return false
}

// connect returns a client for the tenant the PINGONE_* variables name and the environment to
// work in: PINGONE_TARGET_ENVIRONMENT_ID, else the worker app's own environment.
func connect() (*pingone.Client, string, error) {
	c, err := pingone.NewClientFromEnv(pingone.WithUserAgent("pingone-quickstart"))
	if err != nil {
		return nil, "", err
	}
	return c, cmp.Or(os.Getenv("PINGONE_TARGET_ENVIRONMENT_ID"), c.EnvironmentID()), nil
}

func run(ctx context.Context, w io.Writer) error {
	var (
		c     *pingone.Client
		envID string
		demo  = !tenantConfigured()
		err   error
	)
	if demo {
		var stopDemo func()
		if c, envID, stopDemo, err = startDemo(); err != nil {
			return err
		}
		defer stopDemo()
		fmt.Fprintln(w, "Target: pingonetest, an in-memory PingOne in this process (no PINGONE_* variable is set).")
	} else {
		if c, envID, err = connect(); err != nil {
			return err
		}
		fmt.Fprintf(w, "Target: the PingOne tenant %s, environment %s (from the PINGONE_* variables).\n", c, envID)
	}
	ctx, cancel := context.WithTimeout(ctx, runTimeout)
	defer cancel()

	// Everything created is deleted at the end, and also when a step fails or Ctrl-C stops the
	// run: then ctx is done, so the cleanup gets a context of its own, with its own deadline.
	var cleanup []func(context.Context)
	cleanUp := func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		for i := len(cleanup) - 1; i >= 0; i-- {
			cleanup[i](ctx)
		}
		cleanup = nil
	}
	defer cleanUp()

	suffix := randomSuffix()
	names := []string{"Quickstart Engineering " + suffix, "Quickstart Contractors " + suffix}

	fmt.Fprintln(w, "1. Create two populations")
	var pops []*pingone.Population
	for i, name := range names {
		p, err := c.Populations.Create(ctx, envID, &pingone.Population{Name: name, Description: fmt.Sprintf("quickstart population %d", i+1)})
		if err != nil {
			return fmt.Errorf("create %q: %w", name, err)
		}
		pops = append(pops, p)
		cleanup = append(cleanup, func(ctx context.Context) {
			// PingOne may count a user that was just deleted for a moment, so retry briefly.
			err := eventually(ctx, func(ctx context.Context) error {
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
		fmt.Fprintf(w, "   created %q id=%s language=%s users=%d\n", p.Name, p.ID, p.PreferredLanguage, p.UserCount)
	}

	fmt.Fprintln(w, "2. List populations, one per page, following the cursor")
	opts := &pingone.ListOptions{Limit: 1, Filter: "name sw " + pingone.QuoteFilter("Quickstart ")}
	for n := 1; ; n++ {
		page, err := c.Populations.ListPage(ctx, envID, opts)
		if err != nil {
			return fmt.Errorf("list page %d: %w", n, err)
		}
		for _, p := range page.Items {
			fmt.Fprintf(w, "   page %d: %s\n", n, p.Name)
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
	fmt.Fprintf(w, "   ranging over List: %d populations in the environment\n", total)

	fmt.Fprintln(w, "3. Get by name")
	var byName *pingone.Population
	err = eventually(ctx, func(ctx context.Context) (err error) {
		byName, err = c.Populations.GetByName(ctx, envID, names[1])
		return err
	})
	if err != nil {
		return fmt.Errorf("get by name: %w", err)
	}
	fmt.Fprintf(w, "   %q is %s\n", byName.Name, byName.ID)

	fmt.Fprintln(w, "4. Update: Get → change → Update (PUT replaces the whole population)")
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
	fmt.Fprintf(w, "   now %q: %q\n", p.Name, p.Description)

	fmt.Fprintln(w, "5. The default population")
	def, err := c.Populations.GetDefault(ctx, envID)
	if err != nil {
		return fmt.Errorf("get default: %w", err)
	}
	fmt.Fprintf(w, "   default is %q\n", def.Name)
	if demo {
		if err := showSetDefault(ctx, w, c, envID, pops[0].ID, def.ID); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(w, "   left as it is: switching it on a tenant and being stopped before switching back would leave")
		fmt.Fprintln(w, "   a throwaway population as the default, which then cannot be deleted")
	}

	fmt.Fprintln(w, "6. Create a user and move it between populations")
	u, err := c.Users.Create(ctx, envID, &pingone.User{
		Username: "quickstart-" + suffix, Email: "quickstart-" + suffix + "@example.com",
		Name: pingone.UserName{Given: "Quick", Family: "Start"}, Population: &pingone.Ref{ID: pops[0].ID},
	})
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	cleanup = append(cleanup, func(ctx context.Context) {
		if err := c.Users.Delete(ctx, envID, u.ID); err != nil && !errors.Is(err, pingone.ErrNotFound) {
			fmt.Fprintf(os.Stderr, "cleanup: delete user %s: %v\n", u.ID, err)
		}
	})
	fmt.Fprintf(w, "   created user %q in %q\n", u.Username, pops[0].Name)
	if err := showCounts(ctx, w, c, envID, pops, 1, 0); err != nil {
		return err
	}
	if err := c.Users.MovePopulation(ctx, envID, u.ID, pops[1].ID); err != nil {
		return fmt.Errorf("move user: %w", err)
	}
	ref, err := c.Users.GetPopulation(ctx, envID, u.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "   moved; the user's population is now %s\n", ref.ID)
	if err := showCounts(ctx, w, c, envID, pops, 0, 1); err != nil {
		return err
	}

	fmt.Fprintln(w, "7. Typed errors")
	_, err = c.Populations.Create(ctx, envID, &pingone.Population{Name: names[1]})
	fmt.Fprintf(w, "   duplicate name: errors.Is(err, pingone.ErrConflict) = %v\n", errors.Is(err, pingone.ErrConflict))
	if !errors.Is(err, pingone.ErrConflict) {
		return fmt.Errorf("duplicate name: want ErrConflict, got %v", err)
	}
	err = c.Populations.Delete(ctx, envID, pops[1].ID)
	var apiErr *pingone.APIError
	if !errors.As(err, &apiErr) {
		return fmt.Errorf("delete a population with users: want an *APIError, got %v", err)
	}
	fmt.Fprintf(w, "   delete a population with users: %d %s: %s\n", apiErr.StatusCode, apiErr.Code, apiErr.Message)
	for _, d := range apiErr.Details {
		fmt.Fprintf(w, "     detail %s: %s\n", d.Code, d.Message)
	}

	fmt.Fprintln(w, "8. Clean up")
	cleanUp()
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
	fmt.Fprintln(w, "   deleted the user and both populations; done")
	return nil
}

// showCounts prints both populations' userCount once they show the expected values (PingOne may
// update them a moment after a change), or what they show after settleTimeout.
func showCounts(ctx context.Context, w io.Writer, c *pingone.Client, envID string, pops []*pingone.Population, want0, want1 int) error {
	var a, b *pingone.Population
	errStale := errors.New("counts not updated yet")
	err := eventually(ctx, func(ctx context.Context) (err error) {
		if a, err = c.Populations.Get(ctx, envID, pops[0].ID); err != nil {
			return err
		}
		if b, err = c.Populations.Get(ctx, envID, pops[1].ID); err != nil {
			return err
		}
		if a.UserCount != want0 || b.UserCount != want1 {
			return errStale
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStale) {
		return err
	}
	fmt.Fprintf(w, "   userCount: %q=%d, %q=%d\n", a.Name, a.UserCount, b.Name, b.UserCount)
	return nil
}

// eventually retries fn once a second until it succeeds, settleTimeout passes or ctx is done,
// and returns fn's last error: PingOne is eventually consistent, so a read right after a write
// may not see it yet. The fake is consistent, so there fn succeeds at once.
func eventually(ctx context.Context, fn func(context.Context) error) error {
	giveUp := time.NewTimer(settleTimeout)
	defer giveUp.Stop()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		err := fn(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-giveUp.C:
			return err
		case <-tick.C:
		}
	}
}

// showSetDefault makes population id the default and then restores oldDefault, with SetDefault
// (a GET and a PUT that keeps every other field). Only the demo does this.
func showSetDefault(ctx context.Context, w io.Writer, c *pingone.Client, envID, id, oldDefault string) error {
	p, err := c.Populations.SetDefault(ctx, envID, id)
	if err != nil {
		return fmt.Errorf("set default: %w", err)
	}
	fmt.Fprintf(w, "   SetDefault: the default is now %q\n", p.Name)
	if p, err = c.Populations.SetDefault(ctx, envID, oldDefault); err != nil {
		return fmt.Errorf("restore default: %w", err)
	}
	fmt.Fprintf(w, "   SetDefault: %q is the default again\n", p.Name)
	return nil
}

func randomSuffix() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
