package pingone

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/go-cmp/cmp"
	"github.com/jarcoal/httpmock"
	"golang.org/x/oauth2"
)

// TestNextLinkElsewhereNeverCalled: a page whose next link points at another server ends the
// listing with an error, and that server is never called (so never sees the bearer token).
func TestNextLinkElsewhereNeverCalled(t *testing.T) {
	var otherCalled atomic.Bool
	var otherAuth atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherCalled.Store(true)
		otherAuth.Store(r.Header.Get("Authorization"))
		_, _ = io.WriteString(w, `{"_embedded":{"populations":[]}}`)
	}))
	defer other.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"_links":{"next":{"href":"`+other.URL+`/v1/environments/e/populations?cursor=x"}},"_embedded":{"populations":[{"id":"1","name":"one"}]}}`)
	}))
	defer api.Close()
	c, err := NewClient("", oauth2.StaticTokenSource(&oauth2.Token{AccessToken: testToken}), WithBaseURL(api.URL+"/v1"))
	if err != nil {
		t.Fatal(err)
	}
	var gotErr error
	for _, err := range c.Populations.List(t.Context(), testEnv, nil) {
		gotErr = err
	}
	if gotErr == nil || !strings.Contains(gotErr.Error(), "not the API host") {
		t.Errorf("err = %v, want a refused next link", gotErr)
	}
	if otherCalled.Load() {
		t.Errorf("the other server was called, with Authorization %q", otherAuth.Load())
	}
}

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

func TestRepeatingNextLinkEndsTheListing(t *testing.T) {
	links := map[string]func(base string, n int) string{
		"itself":            func(base string, n int) string { return base + "?limit=1&cursor=c" },
		"back to the first": func(base string, n int) string { return base + "?cursor=" + fmt.Sprint(n%3) },
		"the first page":    func(base string, n int) string { return base },
		"reordered query":   func(base string, n int) string { return base + []string{"?a=1&b=2", "?b=2&a=1"}[n%2] },
		"fresh cursors, empty pages": func(base string, n int) string {
			return base + "?empty=1&cursor=" + fmt.Sprint(n)
		},
	}
	ops := map[string]func(context.Context, *Client) error{
		"Populations.List": func(ctx context.Context, c *Client) error {
			for _, err := range c.Populations.List(ctx, testEnv, nil) {
				if err != nil {
					return err
				}
			}
			return nil
		},
		"Users.List": func(ctx context.Context, c *Client) error {
			for _, err := range c.Users.List(ctx, testEnv, nil) {
				if err != nil {
					return err
				}
			}
			return nil
		},
		"GetDefault": func(ctx context.Context, c *Client) error {
			_, err := c.Populations.GetDefault(ctx, testEnv)
			return err
		},
		"MoveAll": func(ctx context.Context, c *Client) error {
			_, err := c.Users.MoveAll(ctx, testEnv, testPop, "other", &BulkOptions{DryRun: true})
			return err
		},
	}
	for ln, next := range links {
		for on, op := range ops {
			t.Run(ln+"/"+on, func(t *testing.T) {
				c, n := loopingServer(t, next)
				err := op(context.Background(), c)
				if err == nil || !strings.Contains(err.Error(), "stopping") {
					t.Fatalf("err = %v after %d requests, want the listing stopped", err, n.Load())
				}
				if n.Load() > maxEmptyPages+1 {
					t.Errorf("%d requests before stopping", n.Load())
				}
			})
		}
	}
}

func TestHugePageRefused(t *testing.T) {
	c, mt := newMockClient(t)
	body := `{"_embedded":{"populations":[` + strings.Repeat(`{},`, 1_000_000) + `{}]}}`
	answer(mt, ok(body))
	_, err := c.Populations.ListPage(t.Context(), testEnv, nil)
	if err == nil || !strings.Contains(err.Error(), "items in one page") {
		t.Fatalf("err = %v, want the page refused", err)
	}
}

// TestPageSharesRepeatedStrings: the items of a page share one copy of the strings they repeat
// (a reference's id, a language) and nothing else, and each item still reads as it would alone
// (FuzzDecodePage checks that part for any page).
func TestPageSharesRepeatedStrings(t *testing.T) {
	item := func(i int) string {
		return fmt.Sprintf(`{"id":"p%d","name":"P%d","environment":{"id":"env-1"},"theme":{"id":"theme-1"},"preferredLanguage":"en"}`, i, i)
	}
	body := `{"_embedded":{"populations":[` + item(1) + "," + item(2) + "," + item(3) + `]}}`
	p := &pageOf[Population, *Population]{collection: "populations"}
	if err := p.decodeFrom(jsontext.NewDecoder(strings.NewReader(body), decodeOptions)); err != nil {
		t.Fatal(err)
	}
	same := func(a, b string) bool { return unsafe.StringData(a) == unsafe.StringData(b) }
	first := p.page.Items[0]
	for i, it := range p.page.Items[1:] {
		if !same(it.Environment.ID, first.Environment.ID) || !same(it.Theme.ID, first.Theme.ID) || !same(it.PreferredLanguage, first.PreferredLanguage) {
			t.Errorf("item %d holds its own copy of a repeated string", i+1)
		}
		if it.Environment == first.Environment || it.Theme == first.Theme {
			t.Errorf("item %d shares a *Ref with item 0: changing one would change both", i+1)
		}
	}
	if first.Environment.ID != "env-1" || first.Theme.ID != "theme-1" || first.PreferredLanguage != "en" {
		t.Errorf("decoded %+v", first)
	}
}
