package main

import (
	"bytes"
	"context"
	"strings"
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

func TestDemo(t *testing.T) {
	clearEnv(t)
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"-demo-users", "300", "-demo-rate", "5000"}, []string{"Legacy  Employees  300", "failed"}},
		{[]string{"-demo-users", "50", "-demo-rate", "5000", "-dry-run"}, []string{"dry run: 50 users would move"}},
		{[]string{"-demo-users", "50", "-demo-rate", "5000", "-retire"}, []string{`population "Legacy" was emptied and deleted`}},
		{[]string{"-demo-users", "50", "-demo-rate", "5000", "-filter", `username sw "seed-1"`}, []string{"Legacy  Employees  11 "}},
	} {
		var out, errOut bytes.Buffer
		if code := run(t.Context(), tt.args, &out, &errOut); code != 0 {
			t.Fatalf("%v: exit %d\n%s\n%s", tt.args, code, out.String(), errOut.String())
		}
		for _, w := range tt.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%v: output lacks %q:\n%s", tt.args, w, out.String())
			}
		}
	}
}

// TestTenantModeFailureExitsNonZero runs the tool as it runs on a tenant (configured only by
// PINGONE_* variables, here pointing at a fake that refuses one move).
func TestTenantModeFailureExitsNonZero(t *testing.T) {
	clearEnv(t)
	srv := pingonetest.NewServer()
	defer srv.Close()
	c, _ := srv.Client()
	ctx := context.Background()
	from, _ := c.Populations.Create(ctx, srv.EnvironmentID, &pingone.Population{Name: "Old"})
	to, _ := c.Populations.Create(ctx, srv.EnvironmentID, &pingone.Population{Name: "New"})
	if _, err := srv.SeedUsers(from.ID, 40); err != nil {
		t.Fatal(err)
	}
	srv.Fail(pingonetest.Fault{Method: "PUT", Path: "/v1/environments/*/users/*/population", Status: 400, Code: "INVALID_DATA"})
	t.Setenv("PINGONE_API_URL", srv.URL)
	t.Setenv("PINGONE_AUTH_URL", srv.AuthURL)
	t.Setenv("PINGONE_ENVIRONMENT_ID", srv.EnvironmentID)
	t.Setenv("PINGONE_CLIENT_ID", srv.ClientID)
	t.Setenv("PINGONE_CLIENT_SECRET", srv.ClientSecret)
	var out, errOut bytes.Buffer
	code := run(ctx, []string{"-from", "Old", "-to", to.ID, "-retire"}, &out, &errOut)
	if code != 1 || !strings.Contains(out.String(), "failed: user") || !strings.Contains(out.String(), `"Old" was NOT deleted`) {
		t.Fatalf("exit %d, want 1 with the failure listed:\n%s\n%s", code, out.String(), errOut.String())
	}
	if _, err := c.Populations.Get(ctx, srv.EnvironmentID, from.ID); err != nil {
		t.Errorf("the source was deleted: %v", err)
	}
	if code := run(ctx, []string{"-from", "Old"}, &out, &errOut); code != 2 {
		t.Errorf("missing -to: exit %d, want 2", code)
	}
}
