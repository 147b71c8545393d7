// Command migrate-users moves every user of one population to another, safely and at the rate
// PingOne allows, and can retire (delete) the emptied population.
//
//	go run ./examples/migrate-users -from Legacy -to Employees [-filter '…'] [-concurrency 8] [-dry-run] [-retire]
//
// -from and -to take a population name or id. With PINGONE_REGION_CODE, PINGONE_ENVIRONMENT_ID,
// PINGONE_CLIENT_ID and PINGONE_CLIENT_SECRET set it works on that tenant (in
// PINGONE_TARGET_ENVIRONMENT_ID when set); without them it runs on pingonetest, seeded with
// -demo-users users behind a rate limit of -demo-rate requests a second, so anyone can watch it.
// It exits 1 when any user could not be moved, 2 on bad usage or setup errors.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/seedb6d25dc8/pingone"
	"github.com/seedb6d25dc8/pingone/pingonetest"
	"golang.org/x/term"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

type config struct {
	from, to, filter    string
	concurrency         int
	dryRun, retire      bool
	demoUsers, demoRate int
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var cfg config
	fs := flag.NewFlagSet("migrate-users", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.from, "from", "", "source population (name or id); default in demo mode: Legacy")
	fs.StringVar(&cfg.to, "to", "", "target population (name or id); default in demo mode: Employees")
	fs.StringVar(&cfg.filter, "filter", "", `move only users matching this SCIM filter, e.g. 'email ew "@acme.com"'`)
	fs.IntVar(&cfg.concurrency, "concurrency", 8, "most moves in flight")
	fs.BoolVar(&cfg.dryRun, "dry-run", false, "list what would move; change nothing")
	fs.BoolVar(&cfg.retire, "retire", false, "delete the source population once it is empty")
	fs.IntVar(&cfg.demoUsers, "demo-users", 5000, "demo mode: users to seed in the source population")
	fs.IntVar(&cfg.demoRate, "demo-rate", 500, "demo mode: the fake's rate limit, requests per second")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if cfg.retire && cfg.filter != "" {
		fmt.Fprintln(stderr, "migrate-users: -retire moves every user; it cannot be combined with -filter")
		return 2
	}
	c, envID, closeFn, err := connect(stdout, &cfg)
	if err != nil {
		fmt.Fprintln(stderr, "migrate-users:", err)
		return 2
	}
	defer closeFn()
	from, err := resolve(ctx, c, envID, cfg.from)
	if err != nil {
		fmt.Fprintf(stderr, "migrate-users: -from %q: %v\n", cfg.from, err)
		return 2
	}
	to, err := resolve(ctx, c, envID, cfg.to)
	if err != nil {
		fmt.Fprintf(stderr, "migrate-users: -to %q: %v\n", cfg.to, err)
		return 2
	}
	fmt.Fprintf(stdout, "Moving users of %q (%d users) to %q%s%s\n", from.Name, from.UserCount, to.Name,
		map[bool]string{true: ", dry run"}[cfg.dryRun], map[bool]string{true: ", then deleting the source"}[cfg.retire])

	prog := newProgress(stderr)
	opts := &pingone.BulkOptions{Concurrency: cfg.concurrency, Filter: cfg.filter, DryRun: cfg.dryRun, Progress: prog.update}
	start := time.Now()
	var res *pingone.BulkResult
	if cfg.retire {
		res, err = c.Populations.Retire(ctx, envID, from.ID, to.ID, opts)
	} else {
		res, err = c.Users.MoveAll(ctx, envID, from.ID, to.ID, opts)
	}
	prog.close()
	if res == nil {
		res = &pingone.BulkResult{}
	}
	summary(stdout, from, to, res, time.Since(start), cfg, err)
	switch {
	case len(res.Failed) > 0:
		return 1
	case err != nil:
		return 1
	}
	return 0
}

// connect returns a client on the tenant the PINGONE_* variables name, or on a seeded fake.
func connect(stdout io.Writer, cfg *config) (*pingone.Client, string, func(), error) {
	for _, k := range []string{"PINGONE_REGION_CODE", "PINGONE_REGION", "PINGONE_ENVIRONMENT_ID", "PINGONE_CLIENT_ID", "PINGONE_CLIENT_SECRET"} {
		if os.Getenv(k) == "" {
			continue
		}
		if cfg.from == "" || cfg.to == "" {
			return nil, "", nil, errors.New("-from and -to are required")
		}
		c, err := pingone.NewClientFromEnv(pingone.WithUserAgent("pingone-migrate-users"))
		env := os.Getenv("PINGONE_TARGET_ENVIRONMENT_ID")
		if env == "" {
			env = os.Getenv("PINGONE_ENVIRONMENT_ID")
		}
		return c, env, func() {}, err
	}
	srv := pingonetest.NewServer(pingonetest.WithRateLimit(cfg.demoRate), pingonetest.WithPageSize(1000))
	fmt.Fprintf(stdout, "No PINGONE_* variables set: running on pingonetest (in-memory PingOne) with %d demo users and a rate limit of %d requests/s.\n",
		cfg.demoUsers, cfg.demoRate)
	c, err := srv.Client(pingone.WithUserAgent("pingone-migrate-users"))
	if err != nil {
		srv.Close()
		return nil, "", nil, err
	}
	ctx := context.Background()
	legacy, err := c.Populations.Create(ctx, srv.EnvironmentID, &pingone.Population{Name: "Legacy", Description: "users to migrate"})
	if err == nil {
		_, err = c.Populations.Create(ctx, srv.EnvironmentID, &pingone.Population{Name: "Employees"})
	}
	if err == nil {
		_, err = srv.SeedUsers(legacy.ID, cfg.demoUsers)
	}
	if cfg.from == "" {
		cfg.from = "Legacy"
	}
	if cfg.to == "" {
		cfg.to = "Employees"
	}
	return c, srv.EnvironmentID, srv.Close, err
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// resolve finds a population by id (when it looks like one) or by name.
func resolve(ctx context.Context, c *pingone.Client, envID, nameOrID string) (*pingone.Population, error) {
	if nameOrID == "" {
		return nil, errors.New("a population name or id is required")
	}
	if uuidRE.MatchString(nameOrID) {
		if p, err := c.Populations.Get(ctx, envID, nameOrID); !errors.Is(err, pingone.ErrNotFound) {
			return p, err
		}
	}
	return c.Populations.GetByName(ctx, envID, nameOrID)
}

// progress draws a bar on a terminal and prints a line every two seconds otherwise.
type progress struct {
	w        io.Writer
	bar      *progressbar.ProgressBar
	lastLine time.Time
	last     pingone.BulkProgress
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions(-1, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("moving users"),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("users"),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	return p
}

func (p *progress) update(bp pingone.BulkProgress) {
	p.last = bp
	if p.bar != nil {
		if p.bar.GetMax() != bp.Total {
			p.bar.ChangeMax(bp.Total)
		}
		_ = p.bar.Set(bp.Done)
		p.bar.Describe(fmt.Sprintf("moving users (%d failed, concurrency %d)", bp.Failed, bp.Concurrency))
		return
	}
	if time.Since(p.lastLine) >= 2*time.Second {
		p.lastLine = time.Now()
		fmt.Fprintf(p.w, "%6.1fs  %d/%d done  %d failed  %.0f users/s  concurrency %d\n",
			bp.Elapsed.Seconds(), bp.Done, bp.Total, bp.Failed, bp.Rate, bp.Concurrency)
	}
}

func (p *progress) close() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

func summary(w io.Writer, from, to *pingone.Population, res *pingone.BulkResult, elapsed time.Duration, cfg config, err error) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nfrom\tto\tmoved\tskipped\tfailed\ttime\tusers/s")
	moved := res.Moved
	if cfg.dryRun {
		moved = len(res.WouldMove)
	}
	rate := 0.0
	if elapsed > 0 {
		rate = float64(moved) / elapsed.Seconds()
	}
	fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\t%.0f\n", from.Name, to.Name, moved, res.Skipped, len(res.Failed), elapsed.Round(time.Millisecond), rate)
	_ = tw.Flush()
	switch {
	case cfg.dryRun:
		fmt.Fprintf(w, "dry run: %d users would move; nothing was changed\n", len(res.WouldMove))
	case cfg.retire && err == nil && len(res.Failed) == 0:
		fmt.Fprintf(w, "population %q was emptied and deleted\n", from.Name)
	case cfg.retire:
		fmt.Fprintf(w, "population %q was NOT deleted\n", from.Name)
	}
	for i, f := range res.Failed {
		if i == 20 {
			fmt.Fprintf(w, "… and %d more\n", len(res.Failed)-20)
			break
		}
		fmt.Fprintf(w, "failed: user %s: %v\n", f.UserID, f.Err)
	}
	if err != nil {
		fmt.Fprintln(w, "error:", err)
	}
}
