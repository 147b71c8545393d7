package pingonetest_test

import (
	"encoding/json"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/seedb6d25dc8/pingone"
	"github.com/seedb6d25dc8/pingone/pingonetest"
)

// withoutID drops the error id, which is random.
func withoutID(m map[string]any) map[string]any {
	delete(m, "id")
	return m
}

const invalidMsg = "The request could not be completed. One or more validation errors were in the request."

func detail(code, target, msg string) map[string]any {
	return map[string]any{"code": "INVALID_DATA", "message": invalidMsg,
		"details": []any{map[string]any{"code": code, "target": target, "message": msg}}}
}

// TestErrorShapes: the exact 400 bodies the fake sends for what PingOne refuses.
func TestErrorShapes(t *testing.T) {
	srv, _ := setup(t)
	env := "/environments/" + srv.EnvironmentID
	tooBig := detail("OUT_OF_RANGE", "limit", "limit must be between 1 and 1000")
	tooBig["details"].([]any)[0].(map[string]any)["innerError"] = map[string]any{"rangeMinimumValue": 1.0, "rangeMaximumValue": 1000.0}
	tests := []struct {
		name, method, path, body string
		want                     map[string]any
	}{
		{"filter on an attribute PingOne does not document", "GET", env + "/users?filter=" + url.QueryEscape(`id eq "x"`), "",
			detail("INVALID_FILTER", "filter", `"id" cannot be filtered on here (at 0); supported: email (eq, sw, ew), mobilePhone (eq, sw), name.family (eq, sw, ew), name.given (eq, sw, ew), population.id (eq, sw), username (eq, sw)`)},
		{"operator PingOne does not document", "GET", env + "/populations?filter=" + url.QueryEscape(`name co "x"`), "",
			detail("INVALID_FILTER", "filter", `operator "co" is not supported for name (at 5); it takes eq, sw`)},
		{"limit above the maximum", "GET", env + "/users?limit=1001", "", tooBig},
		{"limit not a number", "GET", env + "/populations?limit=ten", "", detail("INVALID_VALUE", "limit", "limit must be an integer")},
		{"unknown member", "POST", env + "/populations", `{"name":"x","colour":"red"}`,
			detail("INVALID_VALUE", "colour", `unknown or read-only member "colour"`)},
		{"read-only member", "POST", env + "/populations", `{"name":"x","userCount":0}`,
			detail("INVALID_VALUE", "userCount", `unknown or read-only member "userCount"`)},
		{"member name in another case", "POST", env + "/populations", `{"NAME":"x"}`,
			detail("INVALID_VALUE", "NAME", `unknown or read-only member "NAME"`)},
		{"unknown member in a reference", "PUT", env + "/populations/p", `{"name":"x","theme":{"id":"t","name":"n"}}`,
			detail("INVALID_VALUE", "theme.name", `unknown or read-only member "theme.name"`)},
		{"wrong type", "POST", env + "/populations", `{"name":"x","default":"true"}`,
			detail("INVALID_VALUE", "default", "a value of the wrong type")},
		{"wrong type in a user", "POST", env + "/users", `{"username":5,"email":"e"}`,
			detail("INVALID_VALUE", "username", "a value of the wrong type")},
		{"empty theme", "POST", env + "/populations", `{"name":"x","theme":{}}`,
			detail("REQUIRED_VALUE", "theme.id", "a theme needs an id")},
		{"unknown member in a move", "PUT", env + "/users/u/population", `{"id":"p","population":{"id":"p"}}`,
			detail("INVALID_VALUE", "population", `unknown or read-only member "population"`)},
	}
	for _, tt := range tests {
		ct := ""
		if tt.body != "" {
			ct = "application/json"
		}
		resp, body := raw(t, srv, tt.method, tt.path, ct, tt.body, true)
		if resp.StatusCode != 400 {
			t.Errorf("%s: status %d, want 400", tt.name, resp.StatusCode)
		}
		if diff := cmp.Diff(tt.want, withoutID(body)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

// TestServerFills: a population created without a theme gets the environment's default theme and
// a theme link (seed-003), and language "en"; Get → change → Update of it works; a PUT that leaves
// the theme out reverts to the default theme.
func TestServerFills(t *testing.T) {
	srv, c := setup(t)
	ctx, env := t.Context(), srv.EnvironmentID
	def, _ := c.Populations.GetDefault(ctx, env)
	if def.Theme == nil || def.Theme.ID == "" {
		t.Fatalf("the default population has no theme: %+v", def)
	}
	p, err := c.Populations.Create(ctx, env, &pingone.Population{Name: "Staff"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Theme == nil || p.Theme.ID != def.Theme.ID || p.PreferredLanguage != "en" {
		t.Errorf("created without a theme: theme %+v, language %q; want the environment's theme and en", p.Theme, p.PreferredLanguage)
	}
	_, body := raw(t, srv, "GET", "/environments/"+env+"/populations/"+p.ID, "", "", true)
	links, _ := body["_links"].(map[string]any)
	theme, _ := links["theme"].(map[string]any)
	if want := srv.URL + "/environments/" + env + "/themes/" + def.Theme.ID; theme["href"] != want {
		t.Errorf("_links.theme = %v, want %s", links["theme"], want)
	}
	stampRE := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
	if s, _ := body["createdAt"].(string); !stampRE.MatchString(s) {
		t.Errorf("createdAt %q is not UTC with milliseconds", s)
	}
	got, err := c.Populations.Get(ctx, env, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	got.Description = "all staff"
	if got, err = c.Populations.Update(ctx, env, p.ID, got); err != nil || got.Description != "all staff" || got.Theme.ID != def.Theme.ID {
		t.Fatalf("Get → Update: %+v, %v", got, err)
	}
	if got, err = c.Populations.Update(ctx, env, p.ID, &pingone.Population{Name: "Staff", Theme: &pingone.Ref{ID: "other-theme"}}); err != nil || got.Theme.ID != "other-theme" {
		t.Fatalf("PUT with a theme: %+v, %v", got, err)
	}
	if got, err = c.Populations.Update(ctx, env, p.ID, &pingone.Population{Name: "Staff"}); err != nil || got.Theme.ID != def.Theme.ID {
		t.Errorf("PUT without a theme: %+v, %v; want the default theme back", got.Theme, err)
	}
}

// TestLimits: limit up to 1000 is taken (pages stay at most the page size); more is a 400.
func TestLimits(t *testing.T) {
	srv, c := setup(t, pingonetest.WithPageSize(2))
	ctx, env := t.Context(), srv.EnvironmentID
	for _, n := range []string{"a", "b", "c"} {
		if _, err := c.Populations.Create(ctx, env, &pingone.Population{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		opts *pingone.ListOptions
		want int
	}{{nil, 2}, {&pingone.ListOptions{Limit: 1}, 1}, {&pingone.ListOptions{Limit: 1000}, 2}} {
		page, err := c.Users.ListPage(ctx, env, tt.opts)
		if err != nil {
			t.Fatal(err)
		}
		pops, err := c.Populations.ListPage(ctx, env, tt.opts)
		if err != nil || len(pops.Items) != tt.want || page == nil {
			t.Errorf("limit %+v: %d items, %v; want %d", tt.opts, len(pops.Items), err, tt.want)
		}
	}
	_, err := c.Populations.ListPage(ctx, env, &pingone.ListOptions{Limit: 1001})
	if e := apiErr(t, err); e.StatusCode != 400 || !e.HasDetail("OUT_OF_RANGE") {
		t.Errorf("limit 1001: %v", err)
	}
}

// TestUserBodies: a user body's unknown members are ignored, as PingOne documents, and the
// attributes the fake models can be filtered on.
func TestUserBodies(t *testing.T) {
	srv, c := setup(t)
	ctx, env := t.Context(), srv.EnvironmentID
	u, err := c.Users.Create(ctx, env, &pingone.User{Username: "ada", Email: "ada@acme.com", Name: pingone.UserName{Given: "Ada", Family: "Lovelace"},
		Extra: map[string]json.RawMessage{"mobilePhone": json.RawMessage(`"+15550100"`), "nickname": json.RawMessage(`"countess"`)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := u.Extra["nickname"]; ok {
		t.Errorf("an unknown member was stored: %+v", u.Extra)
	}
	for _, f := range []string{`mobilePhone sw "+1555"`, `name.family ew "lace"`, `email ew "@ACME.COM"`, `username eq "ADA"`} {
		n := 0
		for _, err := range c.Users.List(ctx, env, &pingone.ListOptions{Filter: f}) {
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			n++
		}
		if n != 1 {
			t.Errorf("%s: %d users, want 1", f, n)
		}
	}
}

func TestUndefaultVariants(t *testing.T) {
	tests := []struct {
		name        string
		opt         pingonetest.Undefault
		wantErr     bool
		wantDefault bool // the population is still the default afterwards
	}{
		{"refused", pingonetest.UndefaultRefused, true, true},
		{"ignored", pingonetest.UndefaultIgnored, false, true},
		{"allowed", pingonetest.UndefaultAllowed, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c := setup(t, pingonetest.WithUndefault(tt.opt))
			ctx, env := t.Context(), srv.EnvironmentID
			def, _ := c.Populations.GetDefault(ctx, env)
			def.Default = false
			def.Description = "changed"
			_, err := c.Populations.Update(ctx, env, def.ID, def)
			if (err != nil) != tt.wantErr {
				t.Fatalf("un-default: %v, want error %v", err, tt.wantErr)
			}
			got, _ := c.Populations.Get(ctx, env, def.ID)
			if got.Default != tt.wantDefault || (got.Description == "changed") == tt.wantErr {
				t.Errorf("after: default %v, description %q", got.Default, got.Description)
			}
			_, err = c.Users.Create(ctx, env, &pingone.User{Username: "u", Email: "u@x"})
			if tt.wantDefault == (err != nil) {
				t.Errorf("user without a population: %v", err)
			}
			if !tt.wantDefault {
				if e := apiErr(t, err); !e.HasDetail("REQUIRED_VALUE") {
					t.Errorf("user without a population and no default: %v", err)
				}
				if _, err := c.Populations.GetDefault(ctx, env); !errors.Is(err, pingone.ErrNotFound) {
					t.Errorf("GetDefault with no default: %v", err)
				}
			}
		})
	}
}

func TestCaseSensitiveNames(t *testing.T) {
	for _, sensitive := range []bool{false, true} {
		var opts []pingonetest.Option
		if sensitive {
			opts = append(opts, pingonetest.WithCaseSensitiveNames())
		}
		srv, c := setup(t, opts...)
		_, err := c.Populations.Create(t.Context(), srv.EnvironmentID, &pingone.Population{Name: "DEFAULT"})
		if sensitive != (err == nil) {
			t.Errorf("case-sensitive %v: creating DEFAULT beside Default: %v", sensitive, err)
		}
		if _, err := c.Populations.Create(t.Context(), srv.EnvironmentID, &pingone.Population{Name: "Default"}); !errors.Is(err, pingone.ErrConflict) {
			t.Errorf("case-sensitive %v: an exact duplicate: %v", sensitive, err)
		}
	}
}

func TestDeleteRefusal(t *testing.T) {
	srv, c := setup(t, pingonetest.WithDeleteRefusal(409, ""))
	ctx, env := t.Context(), srv.EnvironmentID
	def, _ := c.Populations.GetDefault(ctx, env)
	_, body := raw(t, srv, "DELETE", "/environments/"+env+"/populations/"+def.ID, "", "", true)
	want := map[string]any{"code": "REQUEST_FAILED", "message": "The request could not be completed. An environment must contain at least one population."}
	if diff := cmp.Diff(want, withoutID(body)); diff != "" {
		t.Errorf("delete refused (-want +got):\n%s", diff)
	}
	p, _ := c.Populations.Create(ctx, env, &pingone.Population{Name: "P"})
	if _, err := srv.SeedUsers(p.ID, 1); err != nil {
		t.Fatal(err)
	}
	err := c.Populations.Delete(ctx, env, p.ID)
	if e := apiErr(t, err); e.StatusCode != 409 || len(e.Details) != 0 || !strings.Contains(e.Message, "contains 1 users") {
		t.Errorf("delete with users: %v", err)
	}
}

// TestFilterInCursor: next links carry no filter, the cursor does; following them, or resuming
// with the cursor alone, stays filtered. By default the cursor is only a position.
func TestFilterInCursor(t *testing.T) {
	for _, inCursor := range []bool{false, true} {
		opts := []pingonetest.Option{pingonetest.WithPageSize(2)}
		if inCursor {
			opts = append(opts, pingonetest.WithFilterInCursor())
		}
		srv, c := setup(t, opts...)
		ctx, env := t.Context(), srv.EnvironmentID
		for _, n := range []string{"a1", "b1", "a2", "b2", "a3"} {
			_, _ = c.Populations.Create(ctx, env, &pingone.Population{Name: n})
		}
		_, body := raw(t, srv, "GET", "/environments/"+env+"/populations?limit=2&filter="+url.QueryEscape(`name sw "a"`), "", "", true)
		next, _ := body["_links"].(map[string]any)["next"].(map[string]any)["href"].(string)
		u, _ := url.Parse(next)
		if u.Query().Has("filter") == inCursor || u.Query().Get("limit") != "2" || u.Query().Get("cursor") == "" {
			t.Errorf("filter in cursor %v: next link %s", inCursor, next)
		}
		var names []string
		for p, err := range c.Populations.List(ctx, env, &pingone.ListOptions{Filter: `name sw "a"`, Limit: 2}) {
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, p.Name)
		}
		if diff := cmp.Diff([]string{"a1", "a2", "a3"}, names); diff != "" {
			t.Errorf("filter in cursor %v: following next links (-want +got):\n%s", inCursor, diff)
		}
		page, err := c.Populations.ListPage(ctx, env, &pingone.ListOptions{Cursor: u.Query().Get("cursor")})
		if err != nil {
			t.Fatal(err)
		}
		first := page.Items[0].Name
		if want := map[bool]string{false: "b1", true: "a3"}[inCursor]; first != want { // offset 2 of all (Default first), or of the a's
			t.Errorf("filter in cursor %v: the cursor alone resumes at %s, want %s", inCursor, first, want)
		}
	}
}

func TestUnknownFieldsIgnored(t *testing.T) {
	srv, _ := setup(t, pingonetest.WithUnknownFieldsIgnored())
	resp, body := raw(t, srv, "POST", "/environments/"+srv.EnvironmentID+"/populations", "application/json",
		`{"name":"x","id":"mine","userCount":7,"colour":"red"}`, true)
	if resp.StatusCode != 201 || body["id"] == "mine" || body["userCount"] != 0.0 || body["colour"] != nil {
		t.Errorf("%d %v; want 201 with the members ignored", resp.StatusCode, body)
	}
}
