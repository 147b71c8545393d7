package pingone

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jarcoal/httpmock"
	"golang.org/x/oauth2"
)

// The tests in this file hold the SDK to what PingOne documents (issue 12): resuming a listing
// from its cursor alone, next links on PingOne's host behind a proxy, a custom domain's token
// URL, eventual consistency, loose timestamps and empty references, and the error's target.

// TestResumeFromCursor: a cursor carries everything the next link did, so the cursor alone
// resumes the same listing in another client; a Filter or Limit given with it must agree.
func TestResumeFromCursor(t *testing.T) {
	const filter = `name sw "E"`
	path := "/v1/environments/" + testEnv + "/populations"
	tests := []struct {
		name      string
		nextQuery string                        // the query of page 1's next link; "" for no page 1
		resume    func(cur string) *ListOptions // the options of the resumed call
		wantQuery string                        // what the resumed request sends
		wantErr   error                         // or the error it gets, before sending
		list      bool                          // resume with List instead of ListPage
	}{
		{name: "cursor alone, link repeats filter and limit", nextQuery: "filter=name+sw+%22E%22&limit=2&cursor=C2",
			resume: func(c string) *ListOptions { return &ListOptions{Cursor: c} }, wantQuery: "filter=name+sw+%22E%22&limit=2&cursor=C2"},
		{name: "cursor alone with List", nextQuery: "filter=name+sw+%22E%22&limit=2&cursor=C2", list: true,
			resume: func(c string) *ListOptions { return &ListOptions{Cursor: c} }, wantQuery: "filter=name+sw+%22E%22&limit=2&cursor=C2"},
		{name: "cursor alone, PingOne keeps the filter in its cursor", nextQuery: "limit=2&cursor=C2",
			resume: func(c string) *ListOptions { return &ListOptions{Cursor: c} }, wantQuery: "limit=2&cursor=C2"},
		{name: "parameters in the link's own order and escaping", nextQuery: "cursor=a%2Fb&limit=2&filter=name%20sw%20%22E%22",
			resume: func(c string) *ListOptions { return &ListOptions{Cursor: c} }, wantQuery: "cursor=a%2Fb&limit=2&filter=name%20sw%20%22E%22"},
		{name: "with the same filter and limit", nextQuery: "filter=name+sw+%22E%22&limit=2&cursor=C2",
			resume:    func(c string) *ListOptions { return &ListOptions{Filter: filter, Limit: 2, Cursor: c} },
			wantQuery: "filter=name+sw+%22E%22&limit=2&cursor=C2"},
		{name: "a filter the link does not repeat is not sent again", nextQuery: "limit=2&cursor=C2",
			resume: func(c string) *ListOptions { return &ListOptions{Filter: filter, Cursor: c} }, wantQuery: "limit=2&cursor=C2"},
		{name: "another filter is refused", nextQuery: "filter=name+sw+%22E%22&limit=2&cursor=C2",
			resume: func(c string) *ListOptions { return &ListOptions{Filter: `name sw "F"`, Cursor: c} }, wantErr: ErrInvalidArgument},
		{name: "another limit is refused", nextQuery: "filter=name+sw+%22E%22&limit=2&cursor=C2",
			resume: func(c string) *ListOptions { return &ListOptions{Limit: 5, Cursor: c} }, wantErr: ErrInvalidArgument},
		{name: "an older bare cursor value still takes filter and limit",
			resume:    func(string) *ListOptions { return &ListOptions{Filter: filter, Limit: 2, Cursor: "C2"} },
			wantQuery: "cursor=C2&filter=name+sw+%22E%22&limit=2"},
		{name: "an older whole-link cursor still works",
			resume: func(string) *ListOptions {
				return &ListOptions{Cursor: apiBase + "/environments/" + testEnv + "/populations?limit=2&cursor=C2"}
			},
			wantQuery: "limit=2&cursor=C2"},
		{name: "a garbled cursor is refused",
			resume: func(string) *ListOptions { return &ListOptions{Cursor: cursorPrefix + "%%%"} }, wantErr: ErrInvalidArgument},
		{name: "a cursor that would break the request line is refused",
			resume: func(string) *ListOptions {
				return &ListOptions{Cursor: cursorPrefix + base64.RawURLEncoding.EncodeToString([]byte("cursor=a b\r\nX: y"))}
			}, wantErr: ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cur string
			if tt.nextQuery != "" {
				c, mt := newMockClient(t)
				answer(mt, ok(pageJSON(apiBase+"/environments/"+testEnv+"/populations?"+tt.nextQuery, `{"id":"1","name":"one"}`)))
				p, err := c.Populations.ListPage(t.Context(), testEnv, &ListOptions{Filter: filter, Limit: 2})
				if err != nil {
					t.Fatal(err)
				}
				cur = p.NextCursor
			}
			other, mt := newMockClient(t) // another process
			rec := answer(mt, ok(pageJSON("", `{"id":"2","name":"two"}`)))
			var err error
			if tt.list {
				for _, e := range other.Populations.List(t.Context(), testEnv, tt.resume(cur)) {
					err = e
				}
			} else {
				_, err = other.Populations.ListPage(t.Context(), testEnv, tt.resume(cur))
			}
			var want []sent
			if tt.wantErr == nil {
				want = []sent{{Method: "GET", Path: path, Query: tt.wantQuery,
					Header: map[string]string{"Accept": "application/json", "Authorization": "Bearer " + testToken}}}
			}
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(want, rec.sent()); diff != "" {
				t.Errorf("resumed request (-want +got):\n%s", diff)
			}
		})
	}
}

// hostRecorder records each request's scheme, host, path and query, and its Authorization.
type hostRecorder struct {
	mu   sync.Mutex
	reqs []string
}

func (h *hostRecorder) record(r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.reqs = append(h.reqs, r.Method+" "+r.URL.Scheme+"://"+r.URL.Host+r.URL.EscapedPath()+"?"+r.URL.RawQuery+" "+r.Header.Get("Authorization"))
}

func (h *hostRecorder) sent() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.reqs...)
}

// TestNextLinkOnPingOneHostBehindAProxy: with WithBaseURL on a proxy, PingOne's absolute next
// links on its API hosts are followed through the proxy, path and query kept; every other host
// is refused. The token never goes anywhere but the proxy.
func TestNextLinkOnPingOneHostBehindAProxy(t *testing.T) {
	const proxy = "https://proxy.example.com/pingone/v1"
	pops := "/environments/" + testEnv + "/populations"
	bearer := "Bearer " + testToken
	first := "GET https://proxy.example.com/pingone/v1" + pops + "?limit=1 " + bearer
	tests := []struct {
		next string
		want []string // requests; only the first one when the link is refused
	}{
		{"https://api.pingone.com/v1" + pops + "?limit=1&cursor=C%2F2",
			[]string{first, "GET https://proxy.example.com/pingone/v1" + pops + "?limit=1&cursor=C%2F2 " + bearer}},
		{"https://API.PingOne.com.au:443/v1" + pops + "?cursor=C2",
			[]string{first, "GET https://proxy.example.com/pingone/v1" + pops + "?cursor=C2 " + bearer}},
		{"https://api.pingone.eu/v1/environments/" + testEnv + "/populations/a%2Fb?cursor=C2",
			[]string{first, "GET https://proxy.example.com/pingone/v1/environments/" + testEnv + "/populations/a%2Fb?cursor=C2 " + bearer}},
		{"https://proxy.example.com/pingone/v1" + pops + "?cursor=C2", // the proxy's own link, verbatim
			[]string{first, "GET https://proxy.example.com/pingone/v1" + pops + "?cursor=C2 " + bearer}},
		{"http://api.pingone.com/v1" + pops + "?cursor=C2", []string{first}},
		{"https://api.pingone.com:8443/v1" + pops + "?cursor=C2", []string{first}},
		{"https://user@api.pingone.com/v1" + pops + "?cursor=C2", []string{first}},
		{"https://api.pingone.com.evil.example/v1" + pops + "?cursor=C2", []string{first}},
		{"https://auth.pingone.com/v1" + pops + "?cursor=C2", []string{first}},
		{"https://api.pingone.com/v2" + pops + "?cursor=C2", []string{first}},
		{"https://api.pingone.com/v1x" + pops + "?cursor=C2", []string{first}},
		{"https://api.pingone.xyz/v1" + pops + "?cursor=C2", []string{first}},
	}
	for _, tt := range tests {
		t.Run(tt.next, func(t *testing.T) {
			c, mt := newMockClient(t, WithBaseURL(proxy))
			var h hostRecorder
			n := 0
			mt.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
				h.record(r)
				n++
				if n == 1 {
					return httpmock.NewStringResponse(200, pageJSON(tt.next, `{"id":"1","name":"one"}`)), nil
				}
				return httpmock.NewStringResponse(200, pageJSON("", `{"id":"2","name":"two"}`)), nil
			})
			var names []string
			var err error
			for p, e := range c.Populations.List(t.Context(), testEnv, &ListOptions{Limit: 1}) {
				if e != nil {
					err = e
					continue
				}
				names = append(names, p.Name)
			}
			if diff := cmp.Diff(tt.want, h.sent()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			if followed := len(tt.want) == 2; followed != (err == nil) {
				t.Errorf("names %v, err %v; want the link followed: %v", names, err, followed)
			}
		})
	}

	// The cursor of a re-based page resumes on the proxy too, from another client.
	c, mt := newMockClient(t, WithBaseURL(proxy))
	answer(mt, ok(pageJSON("https://api.pingone.com/v1"+pops+"?limit=1&cursor=C2", `{"id":"1","name":"one"}`)))
	p, err := c.Populations.ListPage(t.Context(), testEnv, &ListOptions{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	other, mt := newMockClient(t, WithBaseURL(proxy))
	var h hostRecorder
	mt.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		h.record(r)
		return httpmock.NewStringResponse(200, pageJSON("", `{"id":"2","name":"two"}`)), nil
	})
	if _, err := other.Populations.ListPage(t.Context(), testEnv, &ListOptions{Cursor: p.NextCursor}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"GET https://proxy.example.com/pingone/v1" + pops + "?limit=1&cursor=C2 " + bearer}, h.sent()); diff != "" {
		t.Errorf("resumed request (-want +got):\n%s", diff)
	}
}

// TestWithTokenURL: a custom domain's token URL is used exactly as given, and checked like the
// other URLs.
func TestWithTokenURL(t *testing.T) {
	tests := []struct {
		name    string
		opts    []Option
		want    []string // requests: method, URL, and the token request's form body
		wantErr error
	}{
		{name: "custom domain", opts: []Option{WithTokenURL("https://login.example.com/as/token")},
			want: []string{"POST https://login.example.com/as/token grant_type=client_credentials", "GET https://api.pingone.eu/v1/environments/" + testEnv + "/populations/" + testPop}},
		{name: "wins over WithAuthURL", opts: []Option{WithAuthURL("https://auth.example.com"), WithTokenURL("https://login.example.com/as/token")},
			want: []string{"POST https://login.example.com/as/token grant_type=client_credentials", "GET https://api.pingone.eu/v1/environments/" + testEnv + "/populations/" + testPop}},
		{name: "without it, the environment's path", opts: nil,
			want: []string{"POST https://auth.pingone.eu/" + testEnv + "/as/token grant_type=client_credentials", "GET https://api.pingone.eu/v1/environments/" + testEnv + "/populations/" + testPop}},
		{name: "plain http on loopback", opts: []Option{WithTokenURL("http://127.0.0.1:9999/as/token")},
			want: []string{"POST http://127.0.0.1:9999/as/token grant_type=client_credentials", "GET https://api.pingone.eu/v1/environments/" + testEnv + "/populations/" + testPop}},
		{name: "plain http elsewhere", opts: []Option{WithTokenURL("http://login.example.com/as/token")}, wantErr: ErrInvalidArgument},
		{name: "query", opts: []Option{WithTokenURL("https://login.example.com/as/token?x=1")}, wantErr: ErrInvalidArgument},
		{name: "not absolute", opts: []Option{WithTokenURL("/as/token")}, wantErr: ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mt := httpmock.NewMockTransport()
			var mu sync.Mutex
			var got []string
			mt.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
				line := r.Method + " " + r.URL.Scheme + "://" + r.URL.Host + r.URL.EscapedPath()
				resp := httpmock.NewStringResponse(200, `{"id":"`+testPop+`","name":"p"}`)
				if r.Method == http.MethodPost {
					b, _ := io.ReadAll(r.Body)
					line += " " + string(b)
					resp = httpmock.NewStringResponse(200, `{"access_token":"`+testToken+`","token_type":"Bearer","expires_in":3600}`)
				}
				mu.Lock()
				got = append(got, line)
				mu.Unlock()
				resp.Header.Set("Content-Type", "application/json")
				return resp, nil
			})
			opts := append([]Option{WithHTTPClient(&http.Client{Transport: mt}), WithRetryPolicy(fastRetry())}, tt.opts...)
			c, err := NewWorkerClient(RegionEurope, testEnv, "client-id", testSecret, opts...)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("NewWorkerClient: %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if _, err := c.Populations.Get(t.Context(), testEnv, testPop); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}

	// A custom domain needs no region.
	if _, err := NewWorkerClient("", testEnv, "client-id", testSecret,
		WithBaseURL("https://api.example.com/v1"), WithTokenURL("https://login.example.com/as/token")); err != nil {
		t.Errorf("custom domain without a region: %v", err)
	}
}

// TestEventualConsistency: with WithEventualConsistency, a 404 or 403 to GET, PUT and DELETE is
// sent again until it passes or the waits run out; POST and other statuses are not, and without
// the option a 404 fails at once.
func TestEventualConsistency(t *testing.T) {
	const within = 10 * time.Millisecond // waits of 1, 2, 4 and 3 ms: at most 5 attempts
	notFound := status(404, `{"id":"e1","code":"NOT_FOUND","message":"The requested resource was not found."}`)
	forbidden := status(403, `{"code":"ACCESS_FAILED","message":"You do not have access to this resource."}`)
	pop := ok(`{"id":"` + testPop + `","name":"p"}`)
	auth := map[string]string{"Accept": "application/json", "Authorization": "Bearer " + testToken}
	withBody := map[string]string{"Accept": "application/json", "Authorization": "Bearer " + testToken, "Content-Type": "application/json"}
	popPath := "/v1/environments/" + testEnv + "/populations/" + testPop
	get := sent{Method: "GET", Path: popPath, Header: auth}
	put := sent{Method: "PUT", Path: popPath, Header: withBody, Body: map[string]any{"name": "p", "default": false}}
	del := sent{Method: "DELETE", Path: popPath, Header: auth}
	post := sent{Method: "POST", Path: "/v1/environments/" + testEnv + "/populations", Header: withBody, Body: map[string]any{"name": "p", "default": false}}
	doGet := func(ctx context.Context, c *Client) error {
		_, err := c.Populations.Get(ctx, testEnv, testPop)
		return err
	}
	doPut := func(ctx context.Context, c *Client) error {
		_, err := c.Populations.Update(ctx, testEnv, testPop, &Population{Name: "p"})
		return err
	}
	doDelete := func(ctx context.Context, c *Client) error { return c.Populations.Delete(ctx, testEnv, testPop) }
	doPost := func(ctx context.Context, c *Client) error {
		_, err := c.Populations.Create(ctx, testEnv, &Population{Name: "p"})
		return err
	}
	tests := []struct {
		name      string
		within    time.Duration
		call      func(context.Context, *Client) error
		responses []response
		want      sent
		attempts  int
		wantErr   error
	}{
		{"off: a 404 fails at once", 0, doGet, []response{notFound, pop}, get, 1, ErrNotFound},
		{"GET 404 twice, then found", within, doGet, []response{notFound, notFound, pop}, get, 3, nil},
		{"GET 404 until the waits run out", within, doGet, []response{notFound}, get, 5, ErrNotFound},
		{"GET 403, then allowed", within, doGet, []response{forbidden, pop}, get, 2, nil},
		{"GET 403 until the waits run out", within, doGet, []response{forbidden}, get, 5, ErrForbidden},
		{"PUT 404, then found", within, doPut, []response{notFound, pop}, put, 2, nil},
		{"DELETE 403, then deleted", within, doDelete, []response{forbidden, status(204, "")}, del, 2, nil},
		{"POST 404 is never sent again", within, doPost, []response{notFound, pop}, post, 1, ErrNotFound},
		{"GET 400 is not transient", within, doGet, []response{status(400, `{"code":"INVALID_DATA","message":"bad"}`), pop}, get, 1, ErrBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mt := newMockClient(t, WithEventualConsistency(tt.within))
			c.settle.first, c.settle.most = time.Millisecond, 4*time.Millisecond
			rec := answer(mt, tt.responses...)
			err := tt.call(t.Context(), c)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			want := make([]sent, tt.attempts)
			for i := range want {
				want[i] = tt.want
			}
			if diff := cmp.Diff(want, rec.sent()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}

	if _, err := NewClient(RegionEurope, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: testToken}), WithEventualConsistency(-time.Second)); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("negative wait: %v, want ErrInvalidArgument", err)
	}
}

// TestEventualConsistencyEndsWithCtx: cancelling the call ends the wait at once; the error is
// both the last response's and the ctx's.
func TestEventualConsistencyEndsWithCtx(t *testing.T) {
	c, mt := newMockClient(t, WithEventualConsistency(time.Hour))
	c.settle.first, c.settle.most = time.Hour, time.Hour // a test that hangs here has failed
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	answered := make(chan struct{}, 1)
	rec := &recorder{responses: []response{status(404, `{"code":"NOT_FOUND","message":"not found"}`)}}
	mt.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		resp, err := rec.responder(r)
		answered <- struct{}{}
		return resp, err
	})
	go func() { <-answered; cancel() }()
	_, err := c.Populations.Get(ctx, testEnv, testPop)
	if !errors.Is(err, ErrNotFound) || !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want ErrNotFound and context.Canceled", err)
	}
	if n := len(rec.sent()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// TestLooseTimestamps: createdAt and updatedAt in forms other than RFC 3339 never fail a Get or
// a List; what cannot be read stays in Extra, raw, and Update never sends it.
func TestLooseTimestamps(t *testing.T) {
	at := time.Date(2026, 3, 23, 16, 34, 44, 760e6, time.UTC)
	tests := []struct {
		value     string // createdAt as PingOne sent it
		want      time.Time
		wantExtra map[string]json.RawMessage
	}{
		{`"2026-03-23T16:34:44.760Z"`, at, nil},
		{`"2026-03-23T18:34:44.760+02:00"`, at, nil},
		{`"2026-03-23T16:34:44.760"`, at, nil},
		{`"2026-03-23 16:34:44.760Z"`, at, nil},
		{`"2026-03-23 16:34:44.760"`, at, nil},
		{`"2026-03-23T16:34:44.760+0000"`, at, nil},
		{`" 2026-03-23T16:34:44.760Z "`, at, nil},
		{`null`, time.Time{}, nil},
		{`""`, time.Time{}, nil},
		{`"23/03/2026"`, time.Time{}, map[string]json.RawMessage{"createdAt": json.RawMessage(`"23/03/2026"`)}},
		{`1711211684760`, time.Time{}, map[string]json.RawMessage{"createdAt": json.RawMessage(`1711211684760`)}},
		{`{"epochMillis":1711211684760}`, time.Time{}, map[string]json.RawMessage{"createdAt": json.RawMessage(`{"epochMillis":1711211684760}`)}},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			c, mt := newMockClient(t)
			popJSON := `{"id":"p","name":"N","createdAt":` + tt.value + `,"updatedAt":` + tt.value + `}`
			userJSON := `{"id":"u","username":"a","email":"a@example.com","createdAt":` + tt.value + `}`
			rec := answer(mt, ok(popJSON), ok(pageJSON("", popJSON, `{"id":"q","name":"M"}`)), ok(userJSON), ok(popJSON))
			ctx := t.Context()
			var wantPopExtra map[string]json.RawMessage
			if tt.wantExtra != nil {
				wantPopExtra = map[string]json.RawMessage{"createdAt": tt.wantExtra["createdAt"], "updatedAt": tt.wantExtra["createdAt"]}
			}
			wantPop := &Population{ID: "p", Name: "N", CreatedAt: tt.want, UpdatedAt: tt.want, Extra: wantPopExtra}

			got, err := c.Populations.Get(ctx, testEnv, "p")
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if diff := cmp.Diff(wantPop, got); diff != "" {
				t.Errorf("Get (-want +got):\n%s", diff)
			}
			var listed []*Population
			for p, err := range c.Populations.List(ctx, testEnv, nil) {
				if err != nil {
					t.Fatalf("List: %v", err)
				}
				listed = append(listed, p)
			}
			if diff := cmp.Diff([]*Population{wantPop, {ID: "q", Name: "M"}}, listed); diff != "" {
				t.Errorf("List (-want +got):\n%s", diff)
			}
			u, err := c.Users.Get(ctx, testEnv, "u")
			if err != nil {
				t.Fatalf("Users.Get: %v", err)
			}
			if diff := cmp.Diff(&User{ID: "u", Username: "a", Email: "a@example.com", CreatedAt: tt.want, Extra: tt.wantExtra}, u); diff != "" {
				t.Errorf("Users.Get (-want +got):\n%s", diff)
			}
			if _, err := c.Populations.Update(ctx, testEnv, "p", got); err != nil {
				t.Fatalf("Update: %v", err)
			}
			if diff := cmp.Diff(map[string]any{"name": "N", "default": false}, rec.sent()[3].Body); diff != "" {
				t.Errorf("Update body (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEmptyReferencesAreNotSent: a reference without an id, as PingOne may send "theme": {},
// reads fine and is sent as nothing, so Get → Update works (PingOne refuses {} as a reference).
func TestEmptyReferencesAreNotSent(t *testing.T) {
	tests := []struct {
		name     string
		got      string // what Get returns
		wantSent map[string]any
	}{
		{"empty theme", `{"id":"p","name":"N","theme":{}}`, map[string]any{"name": "N", "default": false}},
		{"empty password policy", `{"id":"p","name":"N","passwordPolicy":{}}`, map[string]any{"name": "N", "default": false}},
		{"theme with members but no id", `{"id":"p","name":"N","theme":{"_links":{},"name":"x"}}`, map[string]any{"name": "N", "default": false}},
		{"theme with an id", `{"id":"p","name":"N","theme":{"id":"t"}}`, map[string]any{"name": "N", "default": false, "theme": map[string]any{"id": "t"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mt := newMockClient(t)
			rec := answer(mt, ok(tt.got))
			p, err := c.Populations.Get(t.Context(), testEnv, "p")
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if _, err := c.Populations.Update(t.Context(), testEnv, "p", p); err != nil {
				t.Fatalf("Update: %v", err)
			}
			if _, err := c.Populations.Create(t.Context(), testEnv, p); err != nil {
				t.Fatalf("Create: %v", err)
			}
			for _, s := range rec.sent()[1:] {
				if diff := cmp.Diff(tt.wantSent, s.Body); diff != "" {
					t.Errorf("%s body (-want +got):\n%s", s.Method, diff)
				}
			}
		})
	}
}

// TestErrorTarget: the top-level target PingOne documents is kept, shown, and redacted like the
// rest of the error.
func TestErrorTarget(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantTarget string
		wantText   string
	}{
		{"target", `{"id":"e1","code":"INVALID_DATA","message":"bad filter","target":"filter","details":[{"code":"INVALID_FILTER","target":"filter","message":"bad filter"}]}`,
			"filter", "pingone: GET /v1/environments/" + testEnv + "/populations: 400 INVALID_DATA (target filter): bad filter [filter: INVALID_FILTER] (error id e1) (correlation id corr-1)"},
		{"no target", `{"id":"e1","code":"INVALID_DATA","message":"bad"}`,
			"", "pingone: GET /v1/environments/" + testEnv + "/populations: 400 INVALID_DATA: bad (error id e1) (correlation id corr-1)"},
		{"echoed token", `{"code":"INVALID_DATA","message":"bad","target":"` + testToken + `"}`,
			"[REDACTED]", "pingone: GET /v1/environments/" + testEnv + "/populations: 400 INVALID_DATA (target [REDACTED]): bad (correlation id corr-1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mt := newMockClient(t)
			answer(mt, status(400, tt.body))
			_, err := c.Populations.ListPage(t.Context(), testEnv, nil)
			var e *APIError
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want an *APIError", err)
			}
			if e.Target != tt.wantTarget {
				t.Errorf("Target = %q, want %q", e.Target, tt.wantTarget)
			}
			if got := e.Error(); got != tt.wantText || strings.Contains(got, testToken) {
				t.Errorf("Error() =\n%s\nwant\n%s", got, tt.wantText)
			}
		})
	}
}
