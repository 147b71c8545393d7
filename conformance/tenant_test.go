//go:build tenant

package conformance_test

import (
	"cmp"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/seedb6d25dc8/pingone"
	"golang.org/x/oauth2/clientcredentials"
)

// targets is the tenant the PINGONE_* variables name (the same ones pingone.NewClientFromEnv
// reads), working in PINGONE_TARGET_ENVIRONMENT_ID when set, else in PINGONE_ENVIRONMENT_ID.
func targets(t *testing.T) []*target {
	get := func(k string) string { return strings.TrimSpace(os.Getenv(k)) }
	region := get("PINGONE_REGION_CODE")
	if region == "" {
		region = get("PINGONE_REGION")
	}
	apiURL, authURL := get("PINGONE_API_URL"), get("PINGONE_AUTH_URL")
	if (region == "" && (apiURL == "" || authURL == "")) || get("PINGONE_ENVIRONMENT_ID") == "" ||
		get("PINGONE_CLIENT_ID") == "" || get("PINGONE_CLIENT_SECRET") == "" {
		t.Skip("the tenant run needs PINGONE_REGION_CODE (or PINGONE_API_URL and PINGONE_AUTH_URL), PINGONE_ENVIRONMENT_ID, PINGONE_CLIENT_ID and PINGONE_CLIENT_SECRET")
	}
	if region != "" {
		r, err := pingone.ParseRegion(region)
		if err != nil {
			t.Fatal(err)
		}
		apiURL, authURL = cmp.Or(apiURL, r.APIURL()), cmp.Or(authURL, r.AuthURL())
	}
	newClient := func() (*pingone.Client, error) {
		return pingone.NewClientFromEnv(pingone.WithUserAgent("pingone-conformance"))
	}
	c, err := newClient()
	if err != nil {
		t.Fatal(err)
	}
	cc := clientcredentials.Config{ClientID: get("PINGONE_CLIENT_ID"), ClientSecret: get("PINGONE_CLIENT_SECRET"),
		TokenURL: strings.TrimRight(authURL, "/") + "/" + get("PINGONE_ENVIRONMENT_ID") + "/as/token"}
	return []*target{{
		name: "tenant", c: c, newClient: newClient, env: cmp.Or(get("PINGONE_TARGET_ENVIRONMENT_ID"), get("PINGONE_ENVIRONMENT_ID")),
		apiURL: strings.TrimRight(apiURL, "/"), http: cc.Client(t.Context()),
		settle: 30 * time.Second, // the longest window PingOne's own client waits out (§9 of the reference)
	}}
}
