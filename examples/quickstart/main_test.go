package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/seedb6d25dc8/pingone"
	"github.com/seedb6d25dc8/pingone/pingonetest"
)

func clearEnv(t *testing.T) {
	for _, k := range []string{"PINGONE_REGION_CODE", "PINGONE_REGION", "PINGONE_ENVIRONMENT_ID", "PINGONE_CLIENT_ID",
		"PINGONE_CLIENT_SECRET", "PINGONE_API_URL", "PINGONE_AUTH_URL", "PINGONE_TARGET_ENVIRONMENT_ID"} {
		t.Setenv(k, "")
	}
}

// configure points the PINGONE_* variables at srv, so the quickstart runs its tenant path.
func configure(t *testing.T, srv *pingonetest.Server) {
	clearEnv(t)
	t.Setenv("PINGONE_API_URL", srv.URL)
	t.Setenv("PINGONE_AUTH_URL", srv.AuthURL)
	t.Setenv("PINGONE_ENVIRONMENT_ID", srv.EnvironmentID)
	t.Setenv("PINGONE_CLIENT_ID", srv.ClientID)
	t.Setenv("PINGONE_CLIENT_SECRET", srv.ClientSecret)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// TestQuickstartInProcess runs the demo as a newcomer does: no PINGONE_* variables.
func TestQuickstartInProcess(t *testing.T) {
	clearEnv(t)
	var out bytes.Buffer
	if err := run(t.Context(), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if got, want := firstLine(out.String()), "Target: pingonetest, an in-memory PingOne in this process (no PINGONE_* variable is set)."; got != want {
		t.Errorf("first line = %q, want %q", got, want)
	}
	if !strings.Contains(out.String(), `SetDefault: the default is now "Quickstart Engineering`) {
		t.Errorf("the demo does not show SetDefault:\n%s", out.String())
	}
}

// TestQuickstartConfigured runs the demo the way it runs against a tenant, configured only by
// PINGONE_* variables (pointing at a fake here), and checks it leaves nothing behind and never
// touches the default population.
func TestQuickstartConfigured(t *testing.T) {
	srv := pingonetest.NewServer()
	defer srv.Close()
	configure(t, srv)
	var out bytes.Buffer
	if err := run(t.Context(), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if got, want := firstLine(out.String()), "Target: the PingOne tenant pingone.Client{"+srv.URL+"}, environment "+srv.EnvironmentID+" (from the PINGONE_* variables)."; got != want {
		t.Errorf("first line = %q, want %q", got, want)
	}
	for _, r := range srv.Requests() {
		if r.Method == "PUT" && strings.Contains(r.Body, `"default":true`) {
			t.Errorf("the tenant path changed the default population: %s %s %s", r.Method, r.Path, r.Body)
		}
	}
	assertClean(t, srv)
}

// TestQuickstartCleansUpAfterInterrupt stops the run the way Ctrl-C does, once the populations
// exist, and checks the cleanup still deletes them.
func TestQuickstartCleansUpAfterInterrupt(t *testing.T) {
	srv := pingonetest.NewServer()
	defer srv.Close()
	configure(t, srv)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	w := &cancelOn{w: io.Discard, marker: "2. List populations", cancel: cancel}
	if err := run(ctx, w); err == nil {
		t.Fatal("run after an interrupt: no error")
	}
	assertClean(t, srv)
}

// cancelOn cancels a context when the output reaches marker, as a Ctrl-C at that step would.
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

// assertClean checks the environment holds only its Default population, still the default, and
// no user.
func assertClean(t *testing.T, srv *pingonetest.Server) {
	t.Helper()
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for p, err := range c.Populations.List(t.Context(), srv.EnvironmentID, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != "Default" || !p.Default {
			left = append(left, p.Name)
		}
	}
	for u, err := range c.Users.List(t.Context(), srv.EnvironmentID, &pingone.ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		left = append(left, "user "+u.Username)
	}
	if len(left) > 0 {
		t.Errorf("left behind or changed: %q", left)
	}
}

func TestTenantConfigErrorNamesTheVariables(t *testing.T) {
	clearEnv(t)
	t.Setenv("PINGONE_CLIENT_ID", "someone")
	var out bytes.Buffer
	err := run(t.Context(), &out)
	if err == nil || !strings.Contains(err.Error(), "missing PINGONE_REGION_CODE, PINGONE_ENVIRONMENT_ID, PINGONE_CLIENT_SECRET") {
		t.Errorf("one variable set: err = %v; want the tenant path's error naming the missing variables", err)
	}
	if out.Len() != 0 {
		t.Errorf("printed %q before failing", out.String())
	}
}
