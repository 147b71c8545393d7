package pingonetest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/seedb6d25dc8/pingone"
	"github.com/seedb6d25dc8/pingone/pingonetest"
)

func fast() pingone.Option {
	return pingone.WithRetryPolicy(pingone.RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: 10 * time.Millisecond})
}

func setup(t *testing.T, opts ...pingonetest.Option) (*pingonetest.Server, *pingone.Client) {
	t.Helper()
	srv := pingonetest.NewServer(opts...)
	t.Cleanup(srv.Close)
	c, err := srv.Client(fast())
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// fail queues a fault the test relies on.
func fail(t *testing.T, srv *pingonetest.Server, f pingonetest.Fault) {
	t.Helper()
	if err := srv.Fail(f); err != nil {
		t.Fatal(err)
	}
}

func apiErr(t *testing.T, err error) *pingone.APIError {
	t.Helper()
	var e *pingone.APIError
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want an *APIError", err)
	}
	return e
}

func TestStartState(t *testing.T) {
	srv, c := setup(t)
	if !strings.HasSuffix(srv.URL, "/v1") || srv.EnvironmentID == "" || srv.ClientID == "" || srv.ClientSecret == "" {
		t.Fatalf("server fields: %+v", srv)
	}
	def, err := c.Populations.GetDefault(t.Context(), srv.EnvironmentID)
	if err != nil || def.Name != "Default" || !def.Default {
		t.Fatalf("default population = %+v, %v", def, err)
	}
}

func TestTokenEndpoint(t *testing.T) {
	srv, _ := setup(t)
	bad, err := pingone.NewWorkerClient("", srv.EnvironmentID, srv.ClientID, "wrong", pingone.WithBaseURL(srv.URL), pingone.WithAuthURL(srv.AuthURL))
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Populations.GetDefault(t.Context(), srv.EnvironmentID)
	if e := apiErr(t, err); e.StatusCode != 401 || e.Code != "invalid_client" {
		t.Errorf("wrong secret: %v", err)
	}
	// client_secret_post works as well as Basic.
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {srv.ClientID}, "client_secret": {srv.ClientSecret}}
	resp, err := http.PostForm(srv.AuthURL+"/"+srv.EnvironmentID+"/as/token", form)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if resp.StatusCode != 200 || tok.AccessToken == "" || tok.TokenType != "Bearer" || tok.ExpiresIn != 3600 {
		t.Errorf("post auth: %d %+v", resp.StatusCode, tok)
	}
	for _, r := range srv.Requests() {
		if strings.Contains(r.Body, srv.ClientSecret) || strings.Contains(r.Header.Get("Authorization"), srv.ClientSecret) {
			t.Errorf("recorded request leaks the secret: %+v", r)
		}
	}
	form.Set("grant_type", "password")
	resp, _ = http.PostForm(srv.AuthURL+"/"+srv.EnvironmentID+"/as/token", form)
	if resp.StatusCode != 400 {
		t.Errorf("unsupported grant: %d", resp.StatusCode)
	}
	resp.Body.Close()
}

func TestTokenExpiryAndRevocation(t *testing.T) {
	srv, c := setup(t, pingonetest.WithTokenLifetime(time.Second))
	env := srv.EnvironmentID
	if _, err := c.Populations.GetDefault(t.Context(), env); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	if _, err := c.Populations.GetDefault(t.Context(), env); err != nil {
		t.Fatal(err)
	}
	if n := srv.TokenRequests(); n != 2 {
		t.Errorf("token requests after expiry = %d, want 2", n)
	}
	srv.RevokeTokens()
	if _, err := c.Populations.GetDefault(t.Context(), env); err != nil {
		t.Fatalf("after revocation the client should refresh once: %v", err)
	}
	if n := srv.TokenRequests(); n != 3 {
		t.Errorf("token requests after revocation = %d, want 3", n)
	}
}

// TestDeterministicTokens: WithDeterministicIDs issues predictable tokens, the same sequence on
// every server (nothing random in them), and never issues again a token RevokeTokens revoked.
func TestDeterministicTokens(t *testing.T) {
	issue := func(t *testing.T, srv *pingonetest.Server) string {
		t.Helper()
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {srv.ClientID}, "client_secret": {srv.ClientSecret}}
		resp, err := http.PostForm(srv.AuthURL+"/"+srv.EnvironmentID+"/as/token", form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("token: %d %v", resp.StatusCode, err)
		}
		return tok.AccessToken
	}
	want := []string{"pingonetest-token-1", "pingonetest-token-2", "pingonetest-token-3"}
	for i := range 2 {
		srv := pingonetest.NewServer(pingonetest.WithDeterministicIDs())
		t.Cleanup(srv.Close)
		got := []string{issue(t, srv), issue(t, srv)}
		srv.RevokeTokens()
		got = append(got, issue(t, srv))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("server %d: tokens (-want +got):\n%s", i, diff)
		}
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/environments/"+srv.EnvironmentID+"/populations", nil)
		req.Header.Set("Authorization", "Bearer "+got[0])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("server %d: a revoked token answered %d, want 401", i, resp.StatusCode)
		}
	}
}

func TestPopulationRules(t *testing.T) {
	srv, c := setup(t)
	ctx, env := t.Context(), srv.EnvironmentID

	p, err := c.Populations.Create(ctx, env, &pingone.Population{Name: "Staff", Description: "d", AlternativeIdentifiers: []string{"s"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.ID == "" || p.Environment == nil || p.Environment.ID != env || p.PreferredLanguage != "en" || p.CreatedAt.IsZero() || p.UpdatedAt.IsZero() || p.UserCount != 0 {
		t.Errorf("server-filled fields missing: %+v", p)
	}
	// Names are unique ignoring case: 409 with a UNIQUENESS_VIOLATION detail.
	_, err = c.Populations.Create(ctx, env, &pingone.Population{Name: "STAFF"})
	if e := apiErr(t, err); e.StatusCode != 409 || !e.HasDetail("UNIQUENESS_VIOLATION") || !errors.Is(err, pingone.ErrConflict) {
		t.Errorf("duplicate: %v", err)
	}
	other, _ := c.Populations.Create(ctx, env, &pingone.Population{Name: "Other"})
	p.Name = "other"
	if _, err = c.Populations.Update(ctx, env, p.ID, p); !errors.Is(err, pingone.ErrConflict) {
		t.Errorf("rename onto another name: %v", err)
	}

	// PUT replaces: omitted optional fields are cleared.
	p, err = c.Populations.Update(ctx, env, p.ID, &pingone.Population{Name: "Staff 2"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Description != "" || p.AlternativeIdentifiers != nil || p.Name != "Staff 2" {
		t.Errorf("PUT did not replace: %+v", p)
	}

	// Exactly one default: defaulting one clears the others.
	oldDef, _ := c.Populations.GetDefault(ctx, env)
	p.Default = true
	if p, err = c.Populations.Update(ctx, env, p.ID, p); err != nil || !p.Default {
		t.Fatalf("make default: %+v, %v", p, err)
	}
	if d, _ := c.Populations.Get(ctx, env, oldDef.ID); d.Default {
		t.Errorf("old default still default")
	}
	// Un-defaulting the default is refused.
	p.Default = false
	_, err = c.Populations.Update(ctx, env, p.ID, p)
	if e := apiErr(t, err); e.StatusCode != 400 || e.Code != "INVALID_DATA" {
		t.Errorf("un-default: %v", err)
	}
	// Creating with default true moves the default too.
	d2, _ := c.Populations.Create(ctx, env, &pingone.Population{Name: "New default", Default: true})
	if cur, _ := c.Populations.GetDefault(ctx, env); cur.ID != d2.ID {
		t.Errorf("default after create = %s, want %s", cur.ID, d2.ID)
	}

	// Delete: not the default, not one with users.
	err = c.Populations.Delete(ctx, env, d2.ID)
	if e := apiErr(t, err); e.StatusCode != 400 || !e.HasDetail("CONSTRAINT_VIOLATION") || !strings.Contains(e.Details[0].Message, "default") {
		t.Errorf("delete default: %v", err)
	}
	u, err := c.Users.Create(ctx, env, &pingone.User{Username: "u1", Email: "u1@example.com", Population: &pingone.Ref{ID: other.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := c.Populations.Get(ctx, env, other.ID); o.UserCount != 1 {
		t.Errorf("userCount = %d, want 1", o.UserCount)
	}
	err = c.Populations.Delete(ctx, env, other.ID)
	if e := apiErr(t, err); !e.HasDetail("CONSTRAINT_VIOLATION") || !strings.Contains(e.Details[0].Message, "contains 1 users") {
		t.Errorf("delete with users: %v", err)
	}
	if err := c.Users.Delete(ctx, env, u.ID); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{other.ID, p.ID, oldDef.ID} {
		if err := c.Populations.Delete(ctx, env, id); err != nil {
			t.Fatalf("delete %s: %v", id, err)
		}
	}
	// Not the last population.
	err = c.Populations.Delete(ctx, env, d2.ID)
	if e := apiErr(t, err); !e.HasDetail("CONSTRAINT_VIOLATION") {
		t.Errorf("delete last: %v", err)
	}
	if _, err := c.Populations.Get(ctx, env, other.ID); !errors.Is(err, pingone.ErrNotFound) {
		t.Errorf("get deleted: %v", err)
	}
}

func TestConflictStatus400(t *testing.T) {
	srv, c := setup(t, pingonetest.WithConflictStatus(400))
	_, err := c.Populations.Create(t.Context(), srv.EnvironmentID, &pingone.Population{Name: "default"})
	if e := apiErr(t, err); e.StatusCode != 400 || !errors.Is(err, pingone.ErrConflict) {
		t.Errorf("duplicate with 400: %v", err)
	}
}

func TestUserRules(t *testing.T) {
	srv, c := setup(t)
	ctx, env := t.Context(), srv.EnvironmentID
	def, _ := c.Populations.GetDefault(ctx, env)
	staff, _ := c.Populations.Create(ctx, env, &pingone.Population{Name: "Staff"})

	u, err := c.Users.Create(ctx, env, &pingone.User{Username: "ada", Email: "ada@example.com", Name: pingone.UserName{Given: "Ada"}})
	if err != nil {
		t.Fatal(err)
	}
	if u.Population == nil || u.Population.ID != def.ID || !u.Enabled || u.Name.Given != "Ada" {
		t.Errorf("created user: %+v", u)
	}
	_, err = c.Users.Create(ctx, env, &pingone.User{Username: "ADA", Email: "x@example.com"})
	if e := apiErr(t, err); !e.HasDetail("UNIQUENESS_VIOLATION") || e.Details[0].Target != "username" {
		t.Errorf("duplicate username: %v", err)
	}
	_, err = c.Users.Create(ctx, env, &pingone.User{Username: "bob", Email: "b@example.com", Population: &pingone.Ref{ID: "00000000-0000-4000-8000-00000000dead"}})
	if e := apiErr(t, err); e.StatusCode != 400 {
		t.Errorf("unknown population on create: %v", err)
	}
	got, err := c.Users.Get(ctx, env, u.ID)
	if err != nil || got.Username != "ada" {
		t.Errorf("get: %+v %v", got, err)
	}
	if err := c.Users.MovePopulation(ctx, env, u.ID, staff.ID); err != nil {
		t.Fatal(err)
	}
	ref, err := c.Users.GetPopulation(ctx, env, u.ID)
	if err != nil || ref.ID != staff.ID {
		t.Errorf("population after move: %v %v", ref, err)
	}
	err = c.Users.MovePopulation(ctx, env, u.ID, "00000000-0000-4000-8000-00000000dead")
	if e := apiErr(t, err); e.StatusCode != 400 || e.Code != "INVALID_DATA" {
		t.Errorf("move to unknown population: %v", err)
	}
	if err := c.Users.Delete(ctx, env, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Users.Get(ctx, env, u.ID); !errors.Is(err, pingone.ErrNotFound) {
		t.Errorf("get deleted user: %v", err)
	}
}

func TestListsPagingAndFilters(t *testing.T) {
	srv, c := setup(t, pingonetest.WithPageSize(3))
	ctx, env := t.Context(), srv.EnvironmentID
	def, _ := c.Populations.GetDefault(ctx, env)
	names := []string{`Eng "core"`, `Eng \ tools`, "Engineering", "Sales", "Support", "Ünïcode 人"}
	for _, n := range names {
		if _, err := c.Populations.Create(ctx, env, &pingone.Population{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	page, err := c.Populations.ListPage(ctx, env, &pingone.ListOptions{Limit: 2})
	if err != nil || len(page.Items) != 2 || page.Count != 7 || page.NextCursor == "" {
		t.Fatalf("first page: %+v %v", page, err)
	}
	page, err = c.Populations.ListPage(ctx, env, &pingone.ListOptions{Limit: 100}) // capped at the page size
	if err != nil || len(page.Items) != 3 {
		t.Fatalf("capped page: %d items, %v", len(page.Items), err)
	}
	var all []string
	for p, err := range c.Populations.List(ctx, env, nil) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Name)
	}
	if diff := cmp.Diff(append([]string{"Default"}, names...), all); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
	filters := []struct {
		filter string
		want   []string
	}{
		{`name sw "eng"`, []string{`Eng "core"`, `Eng \ tools`, "Engineering"}},
		{`name eq "ENGINEERING"`, []string{"Engineering"}},
		{`name eq "Eng \"core\""`, []string{`Eng "core"`}},
		{`name eq "Eng \\ tools"`, []string{`Eng \ tools`}},
		{`name eq "Ünïcode 人"`, []string{"Ünïcode 人"}},
		{`name sw "S" and name sw "su"`, []string{"Support"}},
		{`(name eq "Sales" or name eq "Support") and name sw "Su"`, []string{"Support"}},
		{`name eq "Sales" OR name eq "Default"`, []string{"Default", "Sales"}},
		{`name eq "Sales" or name eq "Support" and name eq "Default"`, []string{"Sales"}}, // and binds tighter
		{`id eq "` + def.ID + `"`, []string{"Default"}},
	}
	for _, f := range filters {
		var got []string
		for p, err := range c.Populations.List(ctx, env, &pingone.ListOptions{Filter: f.filter, Limit: 1}) {
			if err != nil {
				t.Fatalf("%s: %v", f.filter, err)
			}
			got = append(got, p.Name)
		}
		if diff := cmp.Diff(f.want, got); diff != "" {
			t.Errorf("filter %s (-want +got):\n%s", f.filter, diff)
		}
	}
	// Only what PingOne documents: anything else is its 400 for a bad filter.
	for _, bad := range []string{`name eq`, `name eq Sales`, `(name eq "a"`, `username eq "a"`, `name gt "a"`, `name eq "a" junk`,
		`name ne "a"`, `name co "a"`, `name ew "a"`, `name pr`, `not (name eq "a")`, `id sw "a"`, `description eq "a"`} {
		_, err := c.Populations.ListPage(ctx, env, &pingone.ListOptions{Filter: bad})
		if e := apiErr(t, err); e.StatusCode != 400 || !e.HasDetail("INVALID_FILTER") {
			t.Errorf("filter %s: %v", bad, err)
		}
	}
	// Users by population.
	staff, _ := c.Populations.GetByName(ctx, env, "Sales")
	for i := range 5 {
		pop := &pingone.Ref{ID: staff.ID}
		if i%2 == 1 {
			pop = nil
		}
		if _, err := c.Users.Create(ctx, env, &pingone.User{Username: fmt.Sprintf("u%d", i), Email: fmt.Sprintf("u%d@x", i), Population: pop}); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for _, err := range c.Users.List(ctx, env, &pingone.ListOptions{Filter: `population.id eq "` + staff.ID + `"`}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 3 {
		t.Errorf("users in Sales = %d, want 3", n)
	}
}

// raw sends a request the SDK would refuse or shape differently.
func raw(t *testing.T, srv *pingonetest.Server, method, path, contentType, body string, auth bool) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if auth {
		form := url.Values{"grant_type": {"client_credentials"}}
		treq, _ := http.NewRequest("POST", srv.AuthURL+"/"+srv.EnvironmentID+"/as/token", strings.NewReader(form.Encode()))
		treq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		treq.SetBasicAuth(srv.ClientID, srv.ClientSecret)
		tresp, err := http.DefaultClient.Do(treq)
		if err != nil {
			t.Fatal(err)
		}
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		_ = json.NewDecoder(tresp.Body).Decode(&tok)
		tresp.Body.Close()
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &m)
	return resp, m
}

func TestRawHTTPErrors(t *testing.T) {
	srv, _ := setup(t)
	env := "/environments/" + srv.EnvironmentID
	tests := []struct {
		name, method, path, ctype, body string
		auth                            bool
		status                          int
		code                            string
	}{
		{"no token", "GET", env + "/populations", "", "", false, 401, "ACCESS_FAILED"},
		{"unknown environment", "GET", "/environments/00000000-0000-4000-8000-0000000000ff/populations", "", "", true, 404, "NOT_FOUND"},
		{"malformed JSON", "POST", env + "/populations", "application/json", `{"name":`, true, 400, "INVALID_DATA"},
		{"wrong content type", "POST", env + "/populations", "text/plain", `{"name":"x"}`, true, 415, "INVALID_REQUEST"},
		{"empty name", "POST", env + "/populations", "application/json", `{"name":""}`, true, 400, "INVALID_DATA"},
		{"unknown path", "GET", env + "/widgets", "", "", true, 404, "NOT_FOUND"},
		{"wrong method", "PATCH", env + "/populations", "application/json", `{}`, true, 405, "INVALID_REQUEST"},
		{"bad limit", "GET", env + "/populations?limit=0", "", "", true, 400, "INVALID_DATA"},
		{"bad cursor", "GET", env + "/populations?cursor=%21%21", "", "", true, 400, "INVALID_DATA"},
		{"move without id", "PUT", env + "/users/x/population", "application/json", `{}`, true, 404, "NOT_FOUND"},
	}
	for _, tt := range tests {
		resp, body := raw(t, srv, tt.method, tt.path, tt.ctype, tt.body, tt.auth)
		if resp.StatusCode != tt.status || body["code"] != tt.code || body["id"] == "" || body["message"] == "" {
			t.Errorf("%s: %d %v; want %d %s with id and message", tt.name, resp.StatusCode, body, tt.status, tt.code)
		}
		if resp.Header.Get("Correlation-Id") == "" {
			t.Errorf("%s: no Correlation-Id", tt.name)
		}
	}
}

func TestFaults(t *testing.T) {
	srv, c := setup(t)
	ctx, env := t.Context(), srv.EnvironmentID
	popsPath := "/v1/environments/*/populations"

	// Status faults answer without touching state, for Times requests.
	fail(t, srv, pingonetest.Fault{Method: "POST", Path: popsPath, Status: 503, Times: 1})
	_, err := c.Populations.Create(ctx, env, &pingone.Population{Name: "X"})
	if !errors.Is(err, pingone.ErrServerError) {
		t.Errorf("503 fault on POST: %v", err)
	}
	if _, err := c.Populations.GetByName(ctx, env, "X"); !errors.Is(err, pingone.ErrNotFound) {
		t.Errorf("the faulted create changed state: %v", err)
	}
	fail(t, srv, pingonetest.Fault{Method: "GET", Status: 429, RetryAfter: time.Millisecond, Times: 2})
	srv.Reset() // Reset also drops queued faults
	if _, err := c.Populations.GetDefault(ctx, env); err != nil {
		t.Errorf("after Reset: %v", err)
	}
	fail(t, srv, pingonetest.Fault{Method: "GET", Status: 503, Times: 2})
	if _, err := c.Populations.GetDefault(ctx, env); err != nil {
		t.Errorf("GET after two 503s: %v", err)
	}
	if n := len(srv.Requests()); n != 4 {
		t.Errorf("requests = %d, want 4 (1 before, 2 faulted, 1 served)", n)
	}
	fail(t, srv, pingonetest.Fault{Status: 502, Body: "<html><body>Bad Gateway</body></html>"})
	_, err = c.Populations.Create(ctx, env, &pingone.Population{Name: "Y"})
	if e := apiErr(t, err); e.StatusCode != 502 || !strings.Contains(e.Body, "Bad Gateway") {
		t.Errorf("HTML 502: %v", err)
	}
	fail(t, srv, pingonetest.Fault{Method: "POST", CloseConnection: true})
	if _, err = c.Populations.Create(ctx, env, &pingone.Population{Name: "Z"}); err == nil {
		t.Errorf("closed connection: no error")
	}
	fail(t, srv, pingonetest.Fault{Method: "GET", Truncate: true, Times: 10})
	p, err := c.Populations.GetDefault(ctx, env)
	if err == nil || p != nil {
		t.Errorf("truncated body: got %v, %v", p, err)
	}
	srv.Reset()
	fail(t, srv, pingonetest.Fault{Method: "GET", Delay: time.Second})
	dctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := c.Populations.GetDefault(dctx, env); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("delay beyond deadline: %v", err)
	}
}

func TestFailRefusesFaultsThatCannotFire(t *testing.T) {
	srv, _ := setup(t)
	const pops = "/v1/environments/*/populations"
	for _, tt := range []struct {
		fault pingonetest.Fault
		want  string // the error; "" when the fault is queued
	}{
		{pingonetest.Fault{Method: "put", Path: pops, Status: 503}, ""}, // any case matches
		{pingonetest.Fault{Path: "/*/as/token", Delay: time.Millisecond}, ""},
		{pingonetest.Fault{Status: 200, Body: "{}"}, ""},
		{pingonetest.Fault{Method: "FETCH", Status: 503}, `pingonetest: fault on "FETCH" "": unknown method "FETCH"`},
		{pingonetest.Fault{Path: "/environments/*/populations", Status: 503},
			`pingonetest: fault on "" "/environments/*/populations": path "/environments/*/populations" never matches: API paths start with /v1/, as in /v1/environments/*/populations, and the token endpoint is /*/as/token`},
		{pingonetest.Fault{Path: "/v1/environments/[", Status: 503}, `pingonetest: fault on "" "/v1/environments/[": path "/v1/environments/[" is not a path.Match pattern`},
		{pingonetest.Fault{Status: 99}, `pingonetest: fault on "" "": status 99 is not between 200 and 599`},
		{pingonetest.Fault{Status: 503, Truncate: true}, `pingonetest: fault on "" "": set only one of Status, CloseConnection and Truncate`},
		{pingonetest.Fault{Method: "GET"}, `pingonetest: fault on "GET" "": does nothing: set Status, Delay, CloseConnection or Truncate`},
		{pingonetest.Fault{Delay: time.Second, RetryAfter: time.Second}, `pingonetest: fault on "" "": Body, Code, RetryAfter, RetryAfterHTTPDate and Apply need a Status`},
		{pingonetest.Fault{Status: 503, Times: -1}, `pingonetest: fault on "" "": Times, Delay and RetryAfter must not be negative`},
	} {
		got := ""
		if err := srv.Fail(tt.fault); err != nil {
			got = err.Error()
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Fail(%+v) (-want +got):\n%s", tt.fault, diff)
		}
	}
	// Only the three good faults were queued, in order, each with the Times it has left.
	want := []pingonetest.Fault{
		{Method: "put", Path: pops, Status: 503, Times: 1},
		{Path: "/*/as/token", Delay: time.Millisecond, Times: 1},
		{Status: 200, Body: "{}", Times: 1},
	}
	if diff := cmp.Diff(want, srv.Faults()); diff != "" {
		t.Errorf("Faults() (-want +got):\n%s", diff)
	}
}

func TestFaultsLeftAfterMatches(t *testing.T) {
	srv, _ := setup(t)
	c, err := srv.Client(pingone.WithRetryPolicy(pingone.RetryPolicy{MaxRetries: 0}))
	if err != nil {
		t.Fatal(err)
	}
	fail(t, srv, pingonetest.Fault{Method: "GET", Path: "/v1/environments/*/populations", Status: 503, Times: 3})
	fail(t, srv, pingonetest.Fault{Method: "POST", Path: "/v1/environments/*/populations", Status: 500})
	if _, err := c.Populations.GetDefault(t.Context(), srv.EnvironmentID); !errors.Is(err, pingone.ErrServerError) {
		t.Fatalf("GetDefault: %v, want the injected 503", err)
	}
	want := []pingonetest.Fault{
		{Method: "GET", Path: "/v1/environments/*/populations", Status: 503, Times: 2},
		{Method: "POST", Path: "/v1/environments/*/populations", Status: 500, Times: 1},
	}
	if diff := cmp.Diff(want, srv.Faults()); diff != "" {
		t.Errorf("Faults() after one match (-want +got):\n%s", diff)
	}
	srv.Reset()
	if got := srv.Faults(); len(got) != 0 {
		t.Errorf("Faults() after Reset = %+v", got)
	}
}

func TestSeedUsers(t *testing.T) {
	srv, c := setup(t)
	if ids, err := srv.SeedUsers("", -1); err == nil || ids != nil {
		t.Errorf("SeedUsers(-1) = %v, %v; want an error", ids, err)
	}
	if _, err := srv.SeedUsers("no-such-population", 1); err == nil {
		t.Errorf("SeedUsers into an unknown population: no error")
	}
	ids, err := srv.SeedUsers("", 3)
	if err != nil || len(ids) != 3 {
		t.Fatalf("SeedUsers(3) = %v, %v", ids, err)
	}
	var names []string
	for u, err := range c.Users.List(t.Context(), srv.EnvironmentID, nil) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, u.Username)
	}
	if diff := cmp.Diff([]string{"seed-0", "seed-1", "seed-2"}, names); diff != "" {
		t.Errorf("seeded users (-want +got):\n%s", diff)
	}
}

func TestNilOptionIgnored(t *testing.T) {
	srv := pingonetest.NewServer(nil, pingonetest.WithPageSize(1), nil)
	defer srv.Close()
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Populations.Create(t.Context(), srv.EnvironmentID, &pingone.Population{Name: "A"}); err != nil {
		t.Fatal(err)
	}
	page, err := c.Populations.ListPage(t.Context(), srv.EnvironmentID, nil)
	if err != nil || len(page.Items) != 1 || page.NextCursor == "" {
		t.Errorf("the option after a nil one was not applied: %+v, %v", page, err)
	}
}

func TestRateLimit(t *testing.T) {
	for name, opts := range map[string][]pingonetest.Option{
		"fixed windows": {pingonetest.WithRateLimit(2)},
		"token bucket":  {pingonetest.WithRateLimit(2), pingonetest.WithTokenBucket()},
	} {
		t.Run(name, func(t *testing.T) {
			srv := pingonetest.NewServer(opts...)
			defer srv.Close()
			c, _ := srv.Client(pingone.WithRetryPolicy(pingone.RetryPolicy{MaxRetries: 0}))
			var limited *pingone.APIError
			for range 5 {
				_, err := c.Populations.GetDefault(t.Context(), srv.EnvironmentID)
				if errors.As(err, &limited) {
					break
				}
			}
			if limited == nil || limited.StatusCode != 429 || limited.Code != "REQUEST_LIMITED" || limited.RetryAfter <= 0 || limited.RetryAfter > time.Second {
				t.Fatalf("want a 429 REQUEST_LIMITED with Retry-After, got %v", limited)
			}
			// With retries on, the client waits and gets through.
			c2, _ := srv.Client()
			for range 5 {
				if _, err := c2.Populations.GetDefault(t.Context(), srv.EnvironmentID); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestRequestsRedacted(t *testing.T) {
	srv, c := setup(t)
	_, _ = c.Populations.Create(t.Context(), srv.EnvironmentID, &pingone.Population{Name: "A"})
	reqs := srv.Requests()
	last := reqs[len(reqs)-1]
	if last.Method != "POST" || last.Body != `{"name":"A","default":false}` || last.Header.Get("Authorization") != "Bearer REDACTED" {
		t.Errorf("recorded: %+v", last)
	}
	if srv.TokenRequests() != 1 {
		t.Errorf("token requests = %d", srv.TokenRequests())
	}
}

func TestConcurrentClients(t *testing.T) {
	srv, _ := setup(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			c, err := srv.Client(fast())
			if err != nil {
				t.Error(err)
				return
			}
			p, err := c.Populations.Create(t.Context(), srv.EnvironmentID, &pingone.Population{Name: fmt.Sprintf("g%d", g)})
			if err != nil {
				t.Error(err)
				return
			}
			for i := range 10 {
				u, err := c.Users.Create(t.Context(), srv.EnvironmentID, &pingone.User{Username: fmt.Sprintf("g%d-u%d", g, i), Email: "x@y", Population: &pingone.Ref{ID: p.ID}})
				if err != nil {
					t.Error(err)
					return
				}
				if err := c.Users.Delete(t.Context(), srv.EnvironmentID, u.ID); err != nil {
					t.Error(err)
				}
			}
			if err := c.Populations.Delete(t.Context(), srv.EnvironmentID, p.ID); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}
