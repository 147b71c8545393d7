package pingone

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"
)

// TestReadEnvReportsEveryProblem checks the whole message, since it is what a user reads to fix
// their configuration: every variable to fix is named, all at once.
func TestReadEnvReportsEveryProblem(t *testing.T) {
	complete := map[string]string{"PINGONE_REGION_CODE": "EU", "PINGONE_ENVIRONMENT_ID": testEnv,
		"PINGONE_CLIENT_ID": "client-1", "PINGONE_CLIENT_SECRET": testSecret}
	with := func(changes map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range complete {
			m[k] = v
		}
		for k, v := range changes {
			m[k] = v
		}
		return m
	}
	const prefix = "pingone: configuration from the environment: "
	const suffix = ": pingone: invalid argument"
	for _, tt := range []struct {
		name string
		env  map[string]string
		opts []Option
		want string // the error message between prefix and suffix; "" for no error
	}{
		{name: "nothing set", env: map[string]string{},
			want: "missing PINGONE_REGION_CODE, PINGONE_ENVIRONMENT_ID, PINGONE_CLIENT_ID, PINGONE_CLIENT_SECRET"},
		{name: "bad region and missing variables", env: map[string]string{"PINGONE_REGION_CODE": "mars", "PINGONE_ENVIRONMENT_ID": testEnv},
			want: `missing PINGONE_CLIENT_ID, PINGONE_CLIENT_SECRET; PINGONE_REGION_CODE "mars" is not a region: want one of NA, CA, EU, AU, SG or AP`},
		{name: "bad region by its older name", env: with(map[string]string{"PINGONE_REGION_CODE": "", "PINGONE_REGION": "XX"}),
			want: `PINGONE_REGION "XX" is not a region: want one of NA, CA, EU, AU, SG or AP`},
		{name: "API URL without /v1", env: with(map[string]string{"PINGONE_API_URL": "https://api.pingone.eu"}),
			want: `bad PINGONE_API_URL "https://api.pingone.eu": the path must end in /v1, as in https://api.pingone.eu/v1`},
		{name: "both URLs bad", env: with(map[string]string{"PINGONE_API_URL": "http://api.pingone.eu/v1", "PINGONE_AUTH_URL": "auth.pingone.eu"}),
			want: `bad PINGONE_API_URL "http://api.pingone.eu/v1": plain http is allowed only for loopback hosts; ` +
				`bad PINGONE_AUTH_URL "auth.pingone.eu": want an absolute https URL`},
		{name: "environment ID with a slash", env: with(map[string]string{"PINGONE_ENVIRONMENT_ID": "a/b"}),
			want: `bad PINGONE_ENVIRONMENT_ID "a/b": must not contain '/', '?', '#', '%' or '\'`},
		{name: "complete", env: complete},
		{name: "older region name", env: with(map[string]string{"PINGONE_REGION_CODE": "", "PINGONE_REGION": "eu"})},
		{name: "URLs instead of a region", env: with(map[string]string{"PINGONE_REGION_CODE": "",
			"PINGONE_API_URL": "http://127.0.0.1:1/v1", "PINGONE_AUTH_URL": "http://127.0.0.1:1"})},
		{name: "URLs from options instead of a region", env: with(map[string]string{"PINGONE_REGION_CODE": ""}),
			opts: []Option{WithBaseURL("http://127.0.0.1:1/v1"), WithAuthURL("http://127.0.0.1:1")}},
		{name: "one URL is not enough", env: with(map[string]string{"PINGONE_REGION_CODE": "", "PINGONE_API_URL": "http://127.0.0.1:1/v1"}),
			want: "missing PINGONE_REGION_CODE"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readEnv(func(k string) string { return tt.env[k] }, applyOptions(tt.opts))
			got := ""
			if err != nil {
				if !errors.Is(err, ErrInvalidArgument) || containsSecret(err.Error()) {
					t.Errorf("err = %v: want ErrInvalidArgument without the secret", err)
				}
				got = strings.TrimSuffix(strings.TrimPrefix(err.Error(), prefix), suffix)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewClientFromEnv(t *testing.T) {
	for _, k := range []string{"PINGONE_REGION_CODE", "PINGONE_API_URL", "PINGONE_AUTH_URL"} {
		t.Setenv(k, "")
	}
	t.Setenv("PINGONE_REGION", " eu ") // the older name, with stray spaces
	t.Setenv("PINGONE_ENVIRONMENT_ID", testEnv)
	t.Setenv("PINGONE_CLIENT_ID", "client-1")
	t.Setenv("PINGONE_CLIENT_SECRET", testSecret)
	c, err := NewClientFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	got := []string{c.base.String(), c.EnvironmentID()}
	if diff := cmp.Diff([]string{"https://api.pingone.eu/v1", testEnv}, got); diff != "" {
		t.Errorf("base URL and environment (-want +got):\n%s", diff)
	}
	t.Setenv("PINGONE_CLIENT_SECRET", "")
	if _, err := NewClientFromEnv(); err == nil || !strings.Contains(err.Error(), "missing PINGONE_CLIENT_SECRET") {
		t.Errorf("missing secret: err = %v", err)
	}
}

func TestEnvironmentID(t *testing.T) {
	w, err := NewWorkerClient(RegionEurope, testEnv, "client-1", testSecret)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(RegionEurope, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: testToken}))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{testEnv, ""}, []string{w.EnvironmentID(), c.EnvironmentID()}); diff != "" {
		t.Errorf("EnvironmentID of a worker client and of a token-source client (-want +got):\n%s", diff)
	}
}

// TestBaseURLNeedsV1 checks that a base URL every call would 404 on is refused up front, with
// the option to fix named.
func TestBaseURLNeedsV1(t *testing.T) {
	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: testToken})
	for _, tt := range []struct {
		url, wantErr string
	}{
		{"https://api.pingone.eu/v1", ""},
		{"https://proxy.example.com/pingone/v1/", ""},
		{"https://api.pingone.eu", `pingone: bad base URL (WithBaseURL) "https://api.pingone.eu": the path must end in /v1, as in https://api.pingone.eu/v1: pingone: invalid argument`},
		{"https://api.pingone.eu/v2", `pingone: bad base URL (WithBaseURL) "https://api.pingone.eu/v2": the path must end in /v1, as in https://api.pingone.eu/v1: pingone: invalid argument`},
	} {
		_, err := NewClient(RegionEurope, ts, WithBaseURL(tt.url))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if diff := cmp.Diff(tt.wantErr, got); diff != "" {
			t.Errorf("WithBaseURL(%q) (-want +got):\n%s", tt.url, diff)
		}
	}
}
