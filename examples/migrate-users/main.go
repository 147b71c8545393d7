// Command migrate-users moves every user of one population to another, safely and at the rate
// PingOne allows, and can retire (delete) the emptied population.
//
//	migrate-users -from Legacy -to Employees [-filter '…'] [-concurrency 8] [-dry-run] [-retire] [-journal FILE]
//	migrate-users -undo FILE [-concurrency 8] [-dry-run] [-journal FILE]
//	migrate-users -demo [-demo-users 5000] [-demo-rate 500] [flags above]
//
// Every run that changes a tenant writes a journal of the moves the server confirmed (to
// -journal FILE, by default to a new migrate-users-<time>.jsonl in the working directory) and
// prints its path; -undo FILE moves those users back (see pingone.UsersService.Undo), and writes
// a journal of its own. Before -retire deletes a population, a snapshot of it and its members
// goes next to the journal (<journal>.snapshot.jsonl). -demo moves, then undoes the move from its
// journal and shows that the counts match the start.
//
// It works on the tenant that PINGONE_REGION_CODE, PINGONE_ENVIRONMENT_ID, PINGONE_CLIENT_ID and
// PINGONE_CLIENT_SECRET name, in PINGONE_TARGET_ENVIRONMENT_ID when set; a missing variable is
// an error that names it. Only -demo runs it on pingonetest, an in-memory PingOne seeded with
// -demo-users users behind a rate limit of -demo-rate requests a second (demo.go).
//
// Exit status: 0 when every user was moved, 1 when some were not or the job failed, 2 on bad
// usage or configuration (nothing was changed), 130 when interrupted (re-running resumes).
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/seedb6d25dc8/pingone"
)

const (
	exitOK          = 0
	exitFailed      = 1   // some users were not moved, or the job failed
	exitUsage       = 2   // bad flags or configuration; nothing was changed
	exitInterrupted = 130 // 128 + SIGINT, as shells report it
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // the first Ctrl-C stops the job cleanly; a second one quits at once
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

type config struct {
	from, to, filter    string
	concurrency         int
	dryRun, retire      bool
	journal, undo       string
	demo                bool
	demoUsers, demoRate int
}

const usageText = `Usage:
  migrate-users -from POPULATION -to POPULATION [-filter SCIM] [-concurrency N]
                [-dry-run] [-retire]
  migrate-users -undo JOURNAL [-concurrency N] [-dry-run] [-journal FILE]
  migrate-users -demo [-demo-users N] [-demo-rate N] [any flag above]

Moves every user of one PingOne population to another (by name or id) at the
rate PingOne allows; with -retire, then deletes the emptied population. When
interrupted, run it again: it moves only the users still in the source.
A run that changes the tenant writes a journal of every move (by default
migrate-users-<time>.jsonl here); -undo JOURNAL moves those users back, except
any moved elsewhere since. -retire first writes a snapshot of the population.

Environment (required unless -demo):
  PINGONE_REGION_CODE     NA, CA, EU, AU, SG or AP
  PINGONE_ENVIRONMENT_ID  the environment of the worker app
  PINGONE_CLIENT_ID       the worker app's client ID
  PINGONE_CLIENT_SECRET   the worker app's client secret
  PINGONE_TARGET_ENVIRONMENT_ID
                          the environment to work in (default: the worker's)
  PINGONE_API_URL, PINGONE_AUTH_URL
                          other hosts than the region's (optional)

Flags:
`

const usageExit = `
Exit status: 0 every user moved; 1 some users not moved, or the job failed;
2 bad usage or configuration (nothing changed); 130 interrupted (run it again).
`

// parseFlags reads and checks the command line. Every refusal is one line, and comes before
// anything is sent. -h writes the usage to stdout and returns flag.ErrHelp.
func parseFlags(args []string, stdout io.Writer) (*config, error) {
	cfg := &config{}
	fs := flag.NewFlagSet("migrate-users", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // run reports a parse error in one line, not with the whole usage
	fs.Usage = func() {}
	fs.StringVar(&cfg.from, "from", "", "source population, by name or id (with -demo: Legacy)")
	fs.StringVar(&cfg.to, "to", "", "target population, by name or id (with -demo: Employees)")
	fs.StringVar(&cfg.filter, "filter", "", `move only users matching this SCIM filter, e.g. 'email ew "@acme.com"'`)
	fs.IntVar(&cfg.concurrency, "concurrency", 8, "most moves in flight; halved on a 429, then grown back")
	fs.BoolVar(&cfg.dryRun, "dry-run", false, "count the users that would move; change nothing")
	fs.BoolVar(&cfg.retire, "retire", false, "delete the source population once it is empty (not with -filter)")
	fs.StringVar(&cfg.journal, "journal", "", "write the journal to this new file (default when changing a tenant: migrate-users-<time>.jsonl)")
	fs.StringVar(&cfg.undo, "undo", "", "move the users this journal moved back where they came from")
	fs.BoolVar(&cfg.demo, "demo", false, "run on an in-memory PingOne (pingonetest) instead of a tenant")
	fs.IntVar(&cfg.demoUsers, "demo-users", 5000, "with -demo: users to seed in the source population")
	fs.IntVar(&cfg.demoRate, "demo-rate", 500, "with -demo: the fake's rate limit, in requests per second")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usageText)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			fmt.Fprint(stdout, usageExit)
		}
		return nil, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if cfg.demo && cfg.undo == "" {
		cfg.from, cfg.to = cmp.Or(cfg.from, demoSource), cmp.Or(cfg.to, demoTarget)
	}
	cfg.filter = strings.TrimSpace(cfg.filter)
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected argument %q: migrate-users takes only flags", fs.Arg(0))
	case cfg.concurrency < 1:
		return nil, fmt.Errorf("-concurrency must be at least 1, not %d", cfg.concurrency)
	case cfg.demoUsers < 1:
		return nil, fmt.Errorf("-demo-users must be at least 1, not %d", cfg.demoUsers)
	case cfg.demoRate < 1:
		return nil, fmt.Errorf("-demo-rate must be at least 1 request a second, not %d", cfg.demoRate)
	case !cfg.demo && (set["demo-users"] || set["demo-rate"]):
		return nil, errors.New("-demo-users and -demo-rate need -demo")
	case cfg.from != "" && strings.EqualFold(strings.TrimSpace(cfg.from), strings.TrimSpace(cfg.to)):
		return nil, fmt.Errorf("-from and -to are both %q: nothing to move", cfg.from)
	case cfg.undo != "" && (set["from"] || set["to"] || set["filter"] || cfg.retire || cfg.demo):
		return nil, errors.New("-undo takes its populations from the journal: not with -from, -to, -filter, -retire or -demo")
	case cfg.retire && cfg.filter != "":
		return nil, errors.New("-retire moves every user, so it cannot be combined with -filter")
	}
	return cfg, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "migrate-users: "+format+"\n", a...)
		return exitUsage
	}
	cfg, err := parseFlags(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		return usageErr("%v (see -h)", err)
	}

	var c *pingone.Client
	var envID string
	if cfg.demo {
		var stopDemo func()
		if c, envID, stopDemo, err = startDemo(cfg.demoUsers, cfg.demoRate); err != nil {
			return usageErr("starting the demo: %v", err)
		}
		defer stopDemo()
		fmt.Fprintf(stdout, "Demo (-demo): in-memory PingOne, %d users in %q, limit %d requests/s.\n", cfg.demoUsers, demoSource, cfg.demoRate)
	} else {
		// Both problems at once: a first run usually has neither the flags nor the variables.
		var problems []string
		if (cfg.from == "" || cfg.to == "") && cfg.undo == "" {
			problems = append(problems, "-from and -to are required")
		}
		if c, envID, err = connect(); err != nil {
			problems = append(problems, err.Error())
		}
		if len(problems) > 0 {
			return usageErr("%s (or use -demo to try it on an in-memory PingOne)", strings.Join(problems, "; "))
		}
		fmt.Fprintf(stdout, "Tenant: %s, environment %s.\n", c, envID)
	}

	if cfg.undo != "" {
		return runUndo(ctx, c, envID, cfg, stdout, stderr)
	}
	if err := checkFilter(ctx, c, envID, cfg.filter); err != nil {
		return usageErr("%v", err)
	}
	from, err := resolve(ctx, c, envID, cfg.from)
	if err != nil {
		return usageErr("-from %q: %v", cfg.from, err)
	}
	to, err := resolve(ctx, c, envID, cfg.to)
	if err != nil {
		return usageErr("-to %q: %v", cfg.to, err)
	}
	if from.ID == to.ID {
		return usageErr("-from %q and -to %q are the same population (%s): nothing to move", cfg.from, cfg.to, from.ID)
	}
	var mode []string
	if cfg.filter != "" {
		mode = append(mode, "only those matching "+cfg.filter)
	}
	if cfg.dryRun {
		mode = append(mode, "dry run")
	}
	if cfg.retire {
		mode = append(mode, "then deleting it")
	}
	fmt.Fprintf(stdout, "Moving users from %q (%d users) to %q", from.Name, from.UserCount, to.Name)
	if len(mode) > 0 {
		fmt.Fprintf(stdout, " (%s)", strings.Join(mode, "; "))
	}
	fmt.Fprintln(stdout)

	start := time.Now()
	rec, err := openRecords(cfg, start, false)
	if err != nil {
		return usageErr("%v", err)
	}
	prog := newProgress(stderr)
	opts := &pingone.BulkOptions{Concurrency: cfg.concurrency, Filter: cfg.filter, DryRun: cfg.dryRun, Progress: prog.update,
		Journal: rec.journal, Snapshot: rec.snapshot}
	var res *pingone.BulkResult
	if cfg.retire {
		res, err = c.Populations.Retire(ctx, envID, from.ID, to.ID, opts)
	} else {
		res, err = c.Users.MoveAll(ctx, envID, from.ID, to.ID, opts)
	}
	prog.close()
	err = cmp.Or(err, rec.close())
	interrupted := ctx.Err() != nil
	summary(stdout, from, to, cmp.Or(res, &pingone.BulkResult{}), time.Since(start), cfg, err, interrupted)
	rec.printPaths(stdout)
	if cfg.demo && !cfg.dryRun && !interrupted && err == nil {
		if err := demoUndo(ctx, c, envID, rec, from, to, stdout); err != nil {
			fmt.Fprintln(stdout, "error:", err)
			return exitFailed
		}
	}
	switch {
	case interrupted:
		return exitInterrupted
	case err != nil || (res != nil && len(res.Failed) > 0):
		return exitFailed
	}
	return exitOK
}

// connect returns a client for the tenant the PINGONE_* variables name, and the environment to
// work in: PINGONE_TARGET_ENVIRONMENT_ID, else the worker app's own environment.
func connect() (*pingone.Client, string, error) {
	c, err := pingone.NewClientFromEnv(pingone.WithUserAgent("pingone-migrate-users"))
	if err != nil {
		return nil, "", err
	}
	return c, cmp.Or(strings.TrimSpace(os.Getenv("PINGONE_TARGET_ENVIRONMENT_ID")), c.EnvironmentID()), nil
}

// checkFilter runs the user's filter on its own before the job. The job combines it with the
// source population's filter, so an error from there would point at positions in a filter the
// user never wrote; asked alone, PingOne's answer is about the user's own text.
func checkFilter(ctx context.Context, c *pingone.Client, envID, filter string) error {
	if filter == "" {
		return nil
	}
	_, err := c.Users.ListPage(ctx, envID, &pingone.ListOptions{Filter: filter, Limit: 1})
	var apiErr *pingone.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest {
		return err
	}
	why := apiErr.Message
	for _, d := range apiErr.Details {
		if d.Code == "INVALID_FILTER" || d.Target == "filter" {
			why = d.Message
		}
	}
	return fmt.Errorf("-filter %q is not valid: %s", filter, why)
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// resolve finds a population by id (when it looks like one) or by name.
func resolve(ctx context.Context, c *pingone.Client, envID, nameOrID string) (*pingone.Population, error) {
	if uuidRE.MatchString(nameOrID) {
		if p, err := c.Populations.Get(ctx, envID, nameOrID); !errors.Is(err, pingone.ErrNotFound) {
			return p, err
		}
	}
	return c.Populations.GetByName(ctx, envID, nameOrID)
}

func summary(w io.Writer, from, to *pingone.Population, res *pingone.BulkResult, elapsed time.Duration, cfg *config, err error, interrupted bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	took := elapsed.Round(time.Millisecond)
	if cfg.dryRun {
		fmt.Fprintln(tw, "\nfrom\tto\twould move\ttime")
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", from.Name, to.Name, len(res.WouldMove), took)
	} else {
		rate := 0.0
		if elapsed > 0 {
			rate = float64(res.Moved) / elapsed.Seconds()
		}
		fmt.Fprintln(tw, "\nfrom\tto\tmoved\tskipped\tfailed\ttime\tusers/s")
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\t%.0f\n", from.Name, to.Name, res.Moved, res.Skipped, len(res.Failed), took, rate)
	}
	_ = tw.Flush()
	for i, f := range res.Failed {
		if i == 20 {
			fmt.Fprintf(w, "… and %d more\n", len(res.Failed)-20)
			break
		}
		fmt.Fprintf(w, "failed: user %s: %v\n", f.UserID, f.Err)
	}
	switch {
	case interrupted && cfg.dryRun:
		fmt.Fprintln(w, "interrupted: nothing was changed")
	case interrupted:
		fmt.Fprintf(w, "interrupted: %d users moved; run the same command again to move the rest\n", res.Moved)
	case cfg.dryRun:
		fmt.Fprintf(w, "dry run: %d users would move; nothing was changed\n", len(res.WouldMove))
	case cfg.retire && err == nil && len(res.Failed) == 0:
		fmt.Fprintf(w, "population %q was emptied and deleted\n", from.Name)
	case cfg.retire:
		fmt.Fprintf(w, "population %q was NOT deleted\n", from.Name)
	}
	if err != nil && !interrupted {
		fmt.Fprintln(w, "error:", err)
	}
}
