//go:build !tenant

package conformance_test

import (
	"maps"
	"testing"

	"github.com/seedb6d25dc8/pingone"
	"github.com/seedb6d25dc8/pingone/pingonetest"
	"golang.org/x/oauth2/clientcredentials"
)

// targets are fakes: one with pingonetest's default rules, one with the other side of every rule
// it chose (a third for the third way of un-defaulting). Each rules map is what pingonetest/README.md says the fake answers, so the suite
// checks the README against the fake while it checks the fake against PingOne's documentation.
func targets(t *testing.T) []*target {
	filtersRefused := map[string]string{}
	for _, f := range []string{`/populations name ne "x"`, `/populations name co "x"`, `/populations name ew "x"`,
		`/populations id sw "x"`, `/populations not (name eq "x")`, `/users id eq "<id>"`, `/users externalId eq "x"`,
		`/users username co "x"`, `/users username ew "x"`, `/users username pr`} {
		filtersRefused["filter "+f] = "refused: 400 INVALID_DATA [filter: INVALID_FILTER]"
	}
	common := map[string]string{
		"theme of a population created without one":         "in the create response",
		"PUT without description":                           "cleared",
		"PUT without alternativeIdentifiers":                "cleared",
		"PUT without preferredLanguage":                     `reset to "en"`,
		"PUT without theme":                                 "the theme it was created with",
		"name eq ignores case":                              "yes",
		"next link repeats the limit":                       "yes",
		"next link host":                                    "the API host",
		"limit=1000 on /populations":                        "accepted",
		"limit=1000 on /users":                              "accepted",
		"limit=1001 on /populations":                        "refused: 400 INVALID_DATA [limit: OUT_OF_RANGE]",
		"limit=1001 on /users":                              "refused: 400 INVALID_DATA [limit: OUT_OF_RANGE]",
		"userCount right after a move":                      "exact at once",
		"move a user to the population it is in":            "accepted",
		"move a user to a population that does not exist":   "refused: 400 INVALID_DATA [id: INVALID_VALUE]",
		"create a user in a population that does not exist": "refused: 400 INVALID_DATA [population.id: INVALID_VALUE]",
		"create with a name of 1,000+ characters":           "accepted",
		"Location header on create":                         "absent",
		"X-Ping-External-Transaction-ID echoed":             "no",
	}
	defaults := map[string]string{
		"duplicate population name":                     "refused: 409 INVALID_DATA [name: UNIQUENESS_VIOLATION]",
		"duplicate population name in another case":     "refused: 409 INVALID_DATA [name: UNIQUENESS_VIOLATION]",
		"PUT default false on the default population":   "refused: 400 INVALID_DATA [default: INVALID_VALUE]",
		"PUT without default on the default population": "refused: 400 INVALID_DATA [default: INVALID_VALUE]",
		"delete a population with users":                "refused: 400 INVALID_DATA [population: CONSTRAINT_VIOLATION]",
		"delete the default population":                 "refused: 400 INVALID_DATA [population: CONSTRAINT_VIOLATION]",
		"next link repeats the filter":                  "yes",
		"create with a read-only member (userCount)":    "refused: 400 INVALID_DATA [userCount: INVALID_VALUE]",
		"create with an unknown member":                 "refused: 400 INVALID_DATA [colour: INVALID_VALUE]",
	}
	others := map[string]string{
		"duplicate population name":                     "refused: 400 INVALID_DATA [name: UNIQUENESS_VIOLATION]",
		"duplicate population name in another case":     "accepted",
		"PUT default false on the default population":   "accepted: no default population left",
		"PUT without default on the default population": "accepted: no default population left",
		"delete a population with users":                "refused: 409 REQUEST_FAILED",
		"delete the default population":                 "refused: 409 REQUEST_FAILED",
		"next link repeats the filter":                  "no",
		"create with a read-only member (userCount)":    "accepted",
		"create with an unknown member":                 "accepted",
	}
	for _, m := range []map[string]string{defaults, others} {
		maps.Copy(m, common)
		maps.Copy(m, filtersRefused)
	}
	ignoring := maps.Clone(defaults)
	ignoring["PUT default false on the default population"] = "accepted, ignored: still the default"
	ignoring["PUT without default on the default population"] = "accepted, ignored: still the default"
	return []*target{
		fake(t, "pingonetest", defaults),
		fake(t, "pingonetest with the other rules", others,
			pingonetest.WithConflictStatus(400), pingonetest.WithCaseSensitiveNames(),
			pingonetest.WithUndefault(pingonetest.UndefaultAllowed), pingonetest.WithDeleteRefusal(409, ""),
			pingonetest.WithFilterInCursor(), pingonetest.WithUnknownFieldsIgnored()),
		fake(t, "pingonetest ignoring un-defaults", ignoring, pingonetest.WithUndefault(pingonetest.UndefaultIgnored)),
	}
}

func fake(t *testing.T, name string, rules map[string]string, opts ...pingonetest.Option) *target {
	srv := pingonetest.NewServer(append([]pingonetest.Option{pingonetest.WithPageSize(3)}, opts...)...)
	t.Cleanup(srv.Close)
	newClient := func() (*pingone.Client, error) { return srv.Client() }
	c, err := newClient()
	if err != nil {
		t.Fatal(err)
	}
	cc := clientcredentials.Config{ClientID: srv.ClientID, ClientSecret: srv.ClientSecret, TokenURL: srv.AuthURL + "/" + srv.EnvironmentID + "/as/token"}
	return &target{name: name, c: c, newClient: newClient, env: srv.EnvironmentID, apiURL: srv.URL,
		http: cc.Client(t.Context()), rules: rules}
}
