package pingone

import (
	"fmt"
	"net/url"
	"os"
	"strings"
)

// The environment variables NewClientFromEnv reads.
const (
	envRegion       = "PINGONE_REGION_CODE"
	envRegionAlias  = "PINGONE_REGION" // older name, read when PINGONE_REGION_CODE is unset
	envEnvironment  = "PINGONE_ENVIRONMENT_ID"
	envClientID     = "PINGONE_CLIENT_ID"
	envClientSecret = "PINGONE_CLIENT_SECRET"
	envAPIURL       = "PINGONE_API_URL"
	envAuthURL      = "PINGONE_AUTH_URL"
)

// NewClientFromEnv returns a worker client configured by environment variables:
//
//	PINGONE_REGION_CODE     NA, CA, EU, AU, SG or AP (PINGONE_REGION is read when it is unset)
//	PINGONE_ENVIRONMENT_ID  the environment holding the worker app
//	PINGONE_CLIENT_ID       the worker app's client ID
//	PINGONE_CLIENT_SECRET   the worker app's client secret
//	PINGONE_API_URL         optional: the API base, such as https://api.pingone.eu/v1
//	PINGONE_AUTH_URL        optional: the authorization server, such as https://auth.pingone.eu
//
// The region may be left out when both URLs are set (by variable or by WithBaseURL and
// WithAuthURL). Every problem is reported at once, in one ErrInvalidArgument error that names
// each variable to fix: missing variables, an unknown region, a URL that is not https or whose
// path does not end in /v1. opts are applied after the environment, so they win.
// Client.EnvironmentID returns the PINGONE_ENVIRONMENT_ID the client was configured with.
func NewClientFromEnv(opts ...Option) (*Client, error) {
	e, err := readEnv(os.Getenv, applyOptions(opts))
	if err != nil {
		return nil, err
	}
	var envOpts []Option
	if e.apiURL != "" {
		envOpts = append(envOpts, WithBaseURL(e.apiURL))
	}
	if e.authURL != "" {
		envOpts = append(envOpts, WithAuthURL(e.authURL))
	}
	return NewWorkerClient(e.region, e.environmentID, e.clientID, e.clientSecret, append(envOpts, opts...)...)
}

// EnvironmentID returns the environment the client authenticates in: the environmentID given to
// NewWorkerClient, or PINGONE_ENVIRONMENT_ID for NewClientFromEnv. It is "" for a client made by
// NewClient, whose token source says nothing about an environment. The populations and users a
// program manages often live in this environment, but may be in any other the worker app has
// roles in.
func (c *Client) EnvironmentID() string { return c.environmentID }

// envConfig is what the PINGONE_* variables say.
type envConfig struct {
	region                                Region
	environmentID, clientID, clientSecret string
	apiURL, authURL                       string
}

// readEnv reads and checks the PINGONE_* variables through getenv, collecting every problem so
// one run tells the user everything to fix. s holds the caller's options, which may supply the
// URLs the region would otherwise decide.
func readEnv(getenv func(string) string, s *settings) (*envConfig, error) {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	e := &envConfig{environmentID: get(envEnvironment), clientID: get(envClientID), clientSecret: get(envClientSecret),
		apiURL: get(envAPIURL), authURL: get(envAuthURL)}
	regionVar, regionName := envRegion, get(envRegion)
	if regionName == "" {
		regionVar, regionName = envRegionAlias, get(envRegionAlias)
	}

	var missing, problems []string
	urlsGiven := (e.apiURL != "" || s.baseURL != "") && (e.authURL != "" || s.authURL != "" || s.tokenURL != "")
	if regionName == "" && !urlsGiven {
		missing = append(missing, envRegion)
	}
	for _, v := range []struct{ name, value string }{
		{envEnvironment, e.environmentID}, {envClientID, e.clientID}, {envClientSecret, e.clientSecret},
	} {
		if v.value == "" {
			missing = append(missing, v.name)
		}
	}
	if len(missing) > 0 {
		problems = append(problems, "missing "+strings.Join(missing, ", "))
	}
	if regionName != "" {
		r, err := ParseRegion(regionName)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s %q is not a region: want one of %s", regionVar, regionName, regionCodes()))
		}
		e.region = r
	}
	if e.environmentID != "" {
		if err := checkSegment(envEnvironment, e.environmentID); err != nil {
			problems = append(problems, reason(err))
		}
	}
	if e.apiURL != "" {
		if _, err := parseAPIURL(envAPIURL, e.apiURL); err != nil {
			problems = append(problems, reason(err))
		}
	}
	if e.authURL != "" {
		if _, err := parseServiceURL(envAuthURL, e.authURL); err != nil {
			problems = append(problems, reason(err))
		}
	}
	if len(problems) > 0 {
		return nil, invalidArgf("configuration from the environment: %s", strings.Join(problems, "; "))
	}
	return e, nil
}

// regionCodes lists the valid region codes, such as "NA, CA, EU, AU, SG or AP".
func regionCodes() string {
	rs := regions()
	codes := make([]string, len(rs))
	for i, r := range rs {
		codes[i] = string(r)
	}
	return strings.Join(codes[:len(codes)-1], ", ") + " or " + codes[len(codes)-1]
}

// reason strips the "pingone: " prefix and the ": invalid argument" suffix from an invalidArgf
// error, so several reasons read as one sentence.
func reason(err error) string {
	s := strings.TrimPrefix(err.Error(), "pingone: ")
	return strings.TrimSuffix(s, ": "+ErrInvalidArgument.Error())
}

// parseAPIURL is parseServiceURL for the API base, whose path must end in /v1: every endpoint is
// under it, and without it every call would be a 404.
func parseAPIURL(what, raw string) (*url.URL, error) {
	u, err := parseServiceURL(what, raw)
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(u.Path, "/v1") {
		return nil, invalidArgf("bad %s %q: the path must end in /v1, as in https://api.pingone.eu/v1", what, u.Redacted())
	}
	return u, nil
}
