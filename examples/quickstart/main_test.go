package main

import (
	"testing"

	"github.com/seedb6d25dc8/pingone/pingonetest"
)

func clearEnv(t *testing.T) {
	for _, k := range []string{"PINGONE_REGION_CODE", "PINGONE_REGION", "PINGONE_ENVIRONMENT_ID", "PINGONE_CLIENT_ID",
		"PINGONE_CLIENT_SECRET", "PINGONE_API_URL", "PINGONE_AUTH_URL", "PINGONE_TARGET_ENVIRONMENT_ID"} {
		t.Setenv(k, "")
	}
}

// TestQuickstartInProcess runs the demo as a newcomer does: no PINGONE_* variables.
func TestQuickstartInProcess(t *testing.T) {
	clearEnv(t)
	if err := run(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// TestQuickstartConfigured runs the demo the way it runs against a tenant, configured only by
// PINGONE_* variables (pointing at a fake here), and checks it leaves nothing behind.
func TestQuickstartConfigured(t *testing.T) {
	clearEnv(t)
	srv := pingonetest.NewServer()
	defer srv.Close()
	t.Setenv("PINGONE_API_URL", srv.URL)
	t.Setenv("PINGONE_AUTH_URL", srv.AuthURL)
	t.Setenv("PINGONE_ENVIRONMENT_ID", srv.EnvironmentID)
	t.Setenv("PINGONE_CLIENT_ID", srv.ClientID)
	t.Setenv("PINGONE_CLIENT_SECRET", srv.ClientSecret)
	if err := run(t.Context()); err != nil {
		t.Fatal(err)
	}
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for p, err := range c.Populations.List(t.Context(), srv.EnvironmentID, nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if p.Name != "Default" || !p.Default {
			t.Errorf("left behind or changed: %+v", p)
		}
	}
	for range c.Users.List(t.Context(), srv.EnvironmentID, nil) {
		t.Errorf("a user was left behind")
	}
	if n != 1 {
		t.Errorf("%d populations after the demo, want 1", n)
	}
}
