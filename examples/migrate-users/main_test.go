package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/seedb6d25dc8/pingone"
	"github.com/seedb6d25dc8/pingone/pingonetest"
)

func clearEnv(t *testing.T) {
	for _, k := range []string{"PINGONE_REGION_CODE", "PINGONE_REGION", "PINGONE_ENVIRONMENT_ID", "PINGONE_CLIENT_ID",
		"PINGONE_CLIENT_SECRET", "PINGONE_API_URL", "PINGONE_AUTH_URL", "PINGONE_TARGET_ENVIRONMENT_ID"} {
		t.Setenv(k, "")
	}
}

// tenant points the PINGONE_* variables at a fake holding "Old" with n users and an empty "New",
// so the tool runs its tenant path.
func tenant(t *testing.T, n int) (*pingonetest.Server, *pingone.Client, *pingone.Population) {
	t.Helper()
	clearEnv(t)
	t.Chdir(t.TempDir()) // where the run writes its journal
	srv := pingonetest.NewServer()
	t.Cleanup(srv.Close)
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	from, err := c.Populations.Create(t.Context(), srv.EnvironmentID, &pingone.Population{Name: "Old"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Populations.Create(t.Context(), srv.EnvironmentID, &pingone.Population{Name: "New"}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.SeedUsers(from.ID, n); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PINGONE_API_URL", srv.URL)
	t.Setenv("PINGONE_AUTH_URL", srv.AuthURL)
	t.Setenv("PINGONE_ENVIRONMENT_ID", srv.EnvironmentID)
	t.Setenv("PINGONE_CLIENT_ID", srv.ClientID)
	t.Setenv("PINGONE_CLIENT_SECRET", srv.ClientSecret)
	srv.Reset() // forget the set-up requests
	return srv, c, from
}

func TestDemo(t *testing.T) {
	clearEnv(t)
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"-demo", "-demo-users", "300", "-demo-rate", "5000"}, []string{"Demo (-demo): in-memory PingOne, 300 users", "Legacy  Employees  300", "moved back 300, failed 0", "the counts match the start"}},
		{[]string{"-demo", "-demo-users", "50", "-demo-rate", "5000", "-dry-run"}, []string{"would move", "dry run: 50 users would move; nothing was changed"}},
		{[]string{"-demo", "-demo-users", "50", "-demo-rate", "5000", "-retire"}, []string{`population "Legacy" was emptied and deleted`}},
		{[]string{"-demo", "-demo-users", "50", "-demo-rate", "5000", "-filter", `username sw "seed-1"`}, []string{"Legacy  Employees  11 "}},
	} {
		var out, errOut bytes.Buffer
		if code := run(t.Context(), tt.args, &out, &errOut); code != exitOK {
			t.Fatalf("%v: exit %d\n%s\n%s", tt.args, code, out.String(), errOut.String())
		}
		for _, w := range tt.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%v: output lacks %q:\n%s", tt.args, w, out.String())
			}
		}
	}
}

func TestDryRunSummary(t *testing.T) {
	clearEnv(t)
	var out bytes.Buffer
	if code := run(t.Context(), []string{"-demo", "-demo-users", "20", "-demo-rate", "5000", "-dry-run"}, &out, io.Discard); code != exitOK {
		t.Fatalf("exit %d\n%s", code, out.String())
	}
	table := out.String()[strings.Index(out.String(), "\nfrom"):]
	if strings.Contains(table, "moved") || strings.Contains(table, "/s") {
		t.Errorf("a dry run's summary says moved or shows a rate:\n%s", table)
	}
}

// TestRefusedBeforeAnythingRuns checks each bad command line exits 2 with one line on stderr,
// and that nothing reached the tenant.
func TestRefusedBeforeAnythingRuns(t *testing.T) {
	srv, _, _ := tenant(t, 3)
	for _, tt := range []struct {
		args []string
		want string // stderr
	}{
		{[]string{"-from", "Old", "-to", "New", "stray"}, `migrate-users: unexpected argument "stray": migrate-users takes only flags (see -h)`},
		{[]string{"-from", "Old", "stray", "-to", "New"}, `migrate-users: unexpected argument "stray": migrate-users takes only flags (see -h)`},
		{[]string{"-from", "Old", "-to", "New", "-concurrency", "0"}, "migrate-users: -concurrency must be at least 1, not 0 (see -h)"},
		{[]string{"-from", "Old", "-to", "New", "-concurrency", "-4"}, "migrate-users: -concurrency must be at least 1, not -4 (see -h)"},
		{[]string{"-demo", "-demo-users", "-3"}, "migrate-users: -demo-users must be at least 1, not -3 (see -h)"},
		{[]string{"-demo", "-demo-users", "0"}, "migrate-users: -demo-users must be at least 1, not 0 (see -h)"},
		{[]string{"-demo", "-demo-rate", "0"}, "migrate-users: -demo-rate must be at least 1 request a second, not 0 (see -h)"},
		{[]string{"-demo", "-demo-rate", "-1"}, "migrate-users: -demo-rate must be at least 1 request a second, not -1 (see -h)"},
		{[]string{"-from", "Old", "-to", "New", "-demo-users", "10"}, "migrate-users: -demo-users and -demo-rate need -demo (see -h)"},
		{[]string{"-from", "Old", "-to", "old"}, `migrate-users: -from and -to are both "Old": nothing to move (see -h)`},
		{[]string{"-demo", "-to", "Legacy"}, `migrate-users: -from and -to are both "Legacy": nothing to move (see -h)`},
		{[]string{"-from", "Old"}, "migrate-users: -from and -to are required (or use -demo to try it on an in-memory PingOne)"},
		{[]string{"-from", "Old", "-to", "New", "-retire", "-filter", `username eq "a"`}, "migrate-users: -retire moves every user, so it cannot be combined with -filter (see -h)"},
		{[]string{"-undo", "j.jsonl", "-from", "Old"}, "migrate-users: -undo takes its populations from the journal: not with -from, -to, -filter, -retire or -demo (see -h)"},
		{[]string{"-undo", "j.jsonl", "-demo"}, "migrate-users: -undo takes its populations from the journal: not with -from, -to, -filter, -retire or -demo (see -h)"},
		{[]string{"-from", "Old", "-to", "New", "-colour"}, "migrate-users: flag provided but not defined: -colour (see -h)"},
		{[]string{"-from", "Old", "-to", "New", "-concurrency", "many"}, `migrate-users: invalid value "many" for flag -concurrency: parse error (see -h)`},
	} {
		var out, errOut bytes.Buffer
		code := run(t.Context(), tt.args, &out, &errOut)
		if diff := cmp.Diff(fmt.Sprintf("exit %d\n%s\n", exitUsage, tt.want), fmt.Sprintf("exit %d\n%s", code, errOut.String())); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tt.args, diff)
		}
		if out.Len() > 0 {
			t.Errorf("%q: printed %q", tt.args, out.String())
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("the refused command lines sent %d requests", n)
	}
}

func TestNoTenantConfiguredNeedsDemo(t *testing.T) {
	clearEnv(t)
	var out, errOut bytes.Buffer
	code := run(t.Context(), nil, &out, &errOut)
	want := "migrate-users: -from and -to are required; pingone: configuration from the environment: missing PINGONE_REGION_CODE, " +
		"PINGONE_ENVIRONMENT_ID, PINGONE_CLIENT_ID, PINGONE_CLIENT_SECRET: pingone: invalid argument (or use -demo to try it on an in-memory PingOne)\n"
	if diff := cmp.Diff(fmt.Sprintf("exit %d\n%s", exitUsage, want), fmt.Sprintf("exit %d\n%s", code, errOut.String())); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if out.Len() > 0 {
		t.Errorf("printed %q", out.String())
	}
}

func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "-help", "--help"} {
		var out, errOut bytes.Buffer
		if code := run(t.Context(), []string{arg}, &out, &errOut); code != exitOK || errOut.Len() > 0 {
			t.Errorf("%s: exit %d, stderr %q", arg, code, errOut.String())
		}
		for _, want := range []string{"Usage:\n  migrate-users -from POPULATION -to POPULATION", "PINGONE_REGION_CODE", "PINGONE_CLIENT_SECRET",
			"-demo\n", "-demo-users int", "Exit status:"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%s: usage lacks %q:\n%s", arg, want, out.String())
			}
		}
	}
}

// TestBadFilter checks a filter error points into the user's own text: "username eq" is missing
// its value at offset 11, not at an offset into the filter the job builds around it.
func TestBadFilter(t *testing.T) {
	srv, _, _ := tenant(t, 3)
	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{"-from", "Old", "-to", "New", "-filter", "username eq"}, &out, &errOut)
	want := `migrate-users: -filter "username eq" is not valid: expected a quoted value at 11` + "\n"
	if diff := cmp.Diff(fmt.Sprintf("exit %d\n%s", exitUsage, want), fmt.Sprintf("exit %d\n%s", code, errOut.String())); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, r := range srv.Requests() {
		if r.Method == "PUT" {
			t.Errorf("moved a user despite the bad filter: %s %s", r.Method, r.Path)
		}
	}
}

// TestTenantModeFailureExitsNonZero runs the tool as it runs on a tenant (configured only by
// PINGONE_* variables, here pointing at a fake that refuses one move).
func TestTenantModeFailureExitsNonZero(t *testing.T) {
	srv, c, from := tenant(t, 40)
	if err := srv.Fail(pingonetest.Fault{Method: "PUT", Path: "/v1/environments/*/users/*/population", Status: 400, Code: "INVALID_DATA"}); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{"-from", "Old", "-to", "New", "-retire"}, &out, &errOut)
	if code != exitFailed || !strings.Contains(out.String(), "failed: user") || !strings.Contains(out.String(), `"Old" was NOT deleted`) {
		t.Fatalf("exit %d, want 1 with the failure listed:\n%s\n%s", code, out.String(), errOut.String())
	}
	if !strings.HasPrefix(out.String(), "Tenant: pingone.Client{"+srv.URL+"}, environment "+srv.EnvironmentID+".\n") {
		t.Errorf("the first line does not name the tenant:\n%s", out.String())
	}
	if _, err := c.Populations.Get(t.Context(), srv.EnvironmentID, from.ID); err != nil {
		t.Errorf("the source was deleted: %v", err)
	}
}

// TestInterruptedRunResumes stops a run the way Ctrl-C does, as the job starts, then runs the
// same command again, which moves the rest.
func TestInterruptedRunResumes(t *testing.T) {
	srv, c, from := tenant(t, 30)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out bytes.Buffer
	w := &cancelOn{w: &out, marker: "Moving users from", cancel: cancel}
	args := []string{"-from", "Old", "-to", "New"}
	if code := run(ctx, args, w, io.Discard); code != exitInterrupted {
		t.Fatalf("exit %d, want %d:\n%s", code, exitInterrupted, out.String())
	}
	if want := "interrupted: 0 users moved; run the same command again to move the rest\n"; !strings.Contains(out.String(), want) {
		t.Errorf("the summary lacks %q:\n%s", want, out.String())
	}
	out.Reset()
	if code := run(t.Context(), args, &out, io.Discard); code != exitOK {
		t.Fatalf("re-run: exit %d:\n%s", code, out.String())
	}
	if p, err := c.Populations.Get(t.Context(), srv.EnvironmentID, from.ID); err != nil || p.UserCount != 0 {
		t.Errorf("after the re-run the source holds %+v, %v; want no user", p, err)
	}
}

// cancelOn cancels a context when the output reaches marker, as a Ctrl-C at that point would.
type cancelOn struct {
	mu     sync.Mutex
	w      io.Writer
	marker string
	cancel context.CancelFunc
}

func (c *cancelOn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if strings.Contains(string(p), c.marker) {
		c.cancel()
	}
	return c.w.Write(p)
}

// TestProgressRate feeds the updates of a job limited to 500 users a second, which moves in
// bursts: each second's quota at once, then nothing until the next second. The rate shown must
// be the 500/s the job sustains (the progress bar's own average said 3,289/s), and none while
// the first burst is all there is.
func TestProgressRate(t *testing.T) {
	p := newProgress(io.Discard)
	got := map[time.Duration]string{}
	for tick := 1; tick <= 40; tick++ { // four updates a second for ten seconds
		elapsed := time.Duration(tick) * 250 * time.Millisecond
		done := min(5000, 500*(1+tick/4)) // a burst of 500 at the start of every second
		got[elapsed] = p.status(pingone.BulkProgress{Total: 5000, Done: done, Elapsed: elapsed})
	}
	want := map[time.Duration]string{
		250 * time.Millisecond:  "…/s  ETA …",
		1750 * time.Millisecond: "…/s  ETA …",
		2 * time.Second:         "750/s  ETA 5s", // 1,500 in 2 s, the first burst included
		5250 * time.Millisecond: "500/s  ETA 4s",
		8 * time.Second:         "500/s  ETA 1s",
		9 * time.Second:         "500/s  ETA 0s",
	}
	for at, w := range want {
		if got[at] != w {
			t.Errorf("at %v: status %q, want %q", at, got[at], w)
		}
	}
	if got, want := p.status(pingone.BulkProgress{Total: 5000, Done: 5000, Failed: 3, Elapsed: 11 * time.Second}), "  3 failed"; !strings.HasSuffix(got, want) {
		t.Errorf("status with failures = %q, want it to end in %q", got, want)
	}
}

// TestBarFitsTheTerminal checks the widest bar line, with the longest status, in 80 columns.
func TestBarFitsTheTerminal(t *testing.T) {
	for _, total := range []int{9, 5000, 1_000_000} {
		w := barWidth(80, total)
		line := fmt.Sprintf("%4d%% |%s| (%d/%d) %s ", 100, strings.Repeat("█", w), total, total, "12345/s  ETA 59m59s  99999 failed")
		if n := len([]rune(line)); n > 79 {
			t.Errorf("total %d: bar width %d makes a %d-column line:\n%s", total, w, n, line)
		}
		if w < 10 {
			t.Errorf("total %d: bar width %d", total, w)
		}
	}
}

func TestFormatETA(t *testing.T) {
	var got []string
	for _, d := range []time.Duration{0, 7400 * time.Millisecond, 4*time.Minute + 5*time.Second, 2*time.Hour + 10*time.Minute + 30*time.Second} {
		got = append(got, formatETA(d))
	}
	if diff := cmp.Diff([]string{"0s", "7s", "4m05s", "2h10m"}, got); diff != "" {
		t.Errorf("formatETA (-want +got):\n%s", diff)
	}
}
