package pingone

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// populationJSON is the documented read shape (pingone-api.md §3).
const populationJSON = `{
  "_links": {
    "self":        {"href": "https://api.pingone.eu/v1/environments/` + testEnv + `/populations/` + testPop + `"},
    "environment": {"href": "https://api.pingone.eu/v1/environments/` + testEnv + `"},
    "theme":       {"href": "https://api.pingone.eu/v1/environments/` + testEnv + `/themes/t1"}
  },
  "id": "` + testPop + `",
  "environment": {"id": "` + testEnv + `"},
  "name": "Engineering",
  "description": "Engineering staff",
  "userCount": 3,
  "createdAt": "2026-03-23T16:34:44.760Z",
  "updatedAt": "2026-03-24T08:00:00.000Z",
  "preferredLanguage": "en",
  "theme": {"id": "t1"},
  "passwordPolicy": {"id": "pp1"},
  "alternativeIdentifiers": ["eng"],
  "default": false
}`

func wantPopulation() *Population {
	return &Population{
		ID: testPop, Environment: &Ref{ID: testEnv}, Name: "Engineering", Description: "Engineering staff",
		UserCount: 3, PreferredLanguage: "en", Theme: &Ref{ID: "t1"}, PasswordPolicy: &Ref{ID: "pp1"},
		AlternativeIdentifiers: []string{"eng"},
		CreatedAt:              time.Date(2026, 3, 23, 16, 34, 44, 760e6, time.UTC),
		UpdatedAt:              time.Date(2026, 3, 24, 8, 0, 0, 0, time.UTC),
	}
}

func pageJSON(next string, items ...string) string {
	links := `"self":{"href":"` + apiBase + `/environments/` + testEnv + `/populations"}`
	if next != "" {
		links += `,"next":{"href":"` + next + `"}`
	}
	body := `{"_links":{` + links + `},"_embedded":{"populations":[`
	for i, it := range items {
		if i > 0 {
			body += ","
		}
		body += it
	}
	return body + `]},"count":` + "5" + `,"size":` + "2" + `}`
}

// TestPopulationRequests pins every populations call on the wire: method, path, query, headers
// and the exact JSON body.
func TestPopulationRequests(t *testing.T) {
	full := &Population{
		ID: "ignored", Environment: &Ref{ID: "ignored"}, UserCount: 9, CreatedAt: time.Now(), UpdatedAt: time.Now(),
		Name: "Engineering", Description: "Engineering staff", Default: true, PasswordPolicy: &Ref{ID: "pp1"},
		Theme: &Ref{ID: "t1"}, PreferredLanguage: "fr", AlternativeIdentifiers: []string{"eng", "r&d"},
	}
	fullBody := `{"name":"Engineering","description":"Engineering staff","default":true,"passwordPolicy":{"id":"pp1"},
		"theme":{"id":"t1"},"preferredLanguage":"fr","alternativeIdentifiers":["eng","r&d"]}`
	popPath := "/v1/environments/" + testEnv + "/populations/" + testPop
	listPath := "/v1/environments/" + testEnv + "/populations"
	jsonHeaders := map[string]string{"Authorization": "Bearer " + testToken, "Accept": "application/json", "Content-Type": "application/json"}
	getHeaders := map[string]string{"Authorization": "Bearer " + testToken, "Accept": "application/json"}
	tests := []requestCase{
		{
			name: "Create minimal", resp: status(201, populationJSON),
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Populations.Create(ctx, testEnv, &Population{Name: "Engineering"})
			},
			want:   sent{Method: "POST", Path: listPath, Header: jsonHeaders, Body: mustJSON(t, `{"name":"Engineering","default":false}`)},
			result: wantPopulation(),
		},
		{
			name: "Create every writable field, read-only fields not sent", resp: status(201, populationJSON),
			call: func(ctx context.Context, c *Client) (any, error) { return c.Populations.Create(ctx, testEnv, full) },
			want: sent{Method: "POST", Path: listPath, Header: jsonHeaders, Body: mustJSON(t, fullBody)},
		},
		{
			name: "Get", resp: ok(populationJSON),
			call: func(ctx context.Context, c *Client) (any, error) { return c.Populations.Get(ctx, testEnv, testPop) },
			want: sent{Method: "GET", Path: popPath, Header: getHeaders}, result: wantPopulation(),
		},
		{
			name: "Update sends every writable field", resp: ok(populationJSON),
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Populations.Update(ctx, testEnv, testPop, full)
			},
			want: sent{Method: "PUT", Path: popPath, Header: jsonHeaders, Body: mustJSON(t, fullBody)},
		},
		{
			name: "Update sends default false explicitly", resp: ok(populationJSON),
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Populations.Update(ctx, testEnv, testPop, &Population{Name: "N"})
			},
			want: sent{Method: "PUT", Path: popPath, Header: jsonHeaders, Body: mustJSON(t, `{"name":"N","default":false}`)},
		},
		{
			name: "Delete", resp: status(204, ""),
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.Populations.Delete(ctx, testEnv, testPop)
			},
			want: sent{Method: "DELETE", Path: popPath, Header: getHeaders},
		},
		{
			name: "ListPage with options", resp: ok(pageJSON("", populationJSON)),
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Populations.ListPage(ctx, testEnv, &ListOptions{Filter: `name sw "Eng"`, Limit: 20, Cursor: "abc"})
			},
			want:   sent{Method: "GET", Path: listPath, Query: "cursor=abc&filter=name+sw+%22Eng%22&limit=20", Header: getHeaders},
			result: &Page[Population]{Items: []Population{*wantPopulation()}, Count: 5},
		},
		{
			name: "GetByName escapes quotes and backslashes", resp: ok(pageJSON("", populationJSON)),
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Populations.GetByName(ctx, testEnv, "Engineering")
			},
			want: sent{Method: "GET", Path: listPath, Query: "filter=name+eq+%22Engineering%22", Header: getHeaders}, result: wantPopulation(),
		},
	}
	runRequestCases(t, tests)
}

func TestGetByNameQuoting(t *testing.T) {
	tests := []struct{ name, filter string }{
		{`a"b`, `name eq "a\"b"`},
		{`a\b`, `name eq "a\\b"`},
		{`\"`, `name eq "\\\""`},
		{"tab\there", `name eq "tab\u0009here"`},
		{"Ünïcødé 人", `name eq "Ünïcødé 人"`},
	}
	for _, tt := range tests {
		c, mt := newMockClient(t)
		item := `{"id":"p","name":` + string(mustMarshal(t, tt.name)) + `}`
		rec := answer(mt, ok(`{"_embedded":{"populations":[`+item+`]}}`))
		got, err := c.Populations.GetByName(t.Context(), testEnv, tt.name)
		if err != nil || got.Name != tt.name {
			t.Fatalf("GetByName(%q) = %v, %v", tt.name, got, err)
		}
		q := rec.sent()[0].Query
		if want := "filter=" + url.QueryEscape(tt.filter); q != want {
			t.Errorf("GetByName(%q) query = %s, want %s", tt.name, q, want)
		}
	}
}

func TestGetByNameNotFound(t *testing.T) {
	c, mt := newMockClient(t)
	// A case-insensitive server may return a near match; only an equal name (ignoring case) counts.
	answer(mt, ok(`{"_embedded":{"populations":[{"id":"p","name":"Engineering2"}]}}`))
	_, err := c.Populations.GetByName(t.Context(), testEnv, "Engineering")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}

func TestGetDefaultPagesUntilFound(t *testing.T) {
	c, mt := newMockClient(t)
	next := apiBase + "/environments/" + testEnv + "/populations?cursor=c2"
	rec := answer(mt,
		ok(pageJSON(next, `{"id":"a","name":"A"}`)),
		ok(pageJSON("", `{"id":"b","name":"B","default":true}`)))
	got, err := c.Populations.GetDefault(t.Context(), testEnv)
	if err != nil || got.ID != "b" {
		t.Fatalf("GetDefault = %v, %v", got, err)
	}
	if n := len(rec.sent()); n != 2 {
		t.Errorf("requests = %d, want 2", n)
	}
}

// TestUpdateKeepsUnknownFields proves Get → change → Update never erases a field the SDK does not
// model, and that _links and read-only fields are not sent back.
func TestUpdateKeepsUnknownFields(t *testing.T) {
	c, mt := newMockClient(t)
	withUnknown := `{"_links":{"self":{"href":"x"}},"id":"` + testPop + `","name":"Old","userCount":2,"default":false,
		"newFeature":{"enabled":true,"level":[1,2]},"riskScore":7}`
	rec := answer(mt, ok(withUnknown), ok(withUnknown))
	p, err := c.Populations.Get(t.Context(), testEnv, testPop)
	if err != nil {
		t.Fatal(err)
	}
	wantExtra := map[string]json.RawMessage{"newFeature": json.RawMessage(`{"enabled":true,"level":[1,2]}`), "riskScore": json.RawMessage(`7`)}
	if diff := cmp.Diff(wantExtra, p.Extra); diff != "" {
		t.Errorf("Extra mismatch (-want +got):\n%s", diff)
	}
	p.Name = "New"
	p.Extra["name"] = json.RawMessage(`"collides"`) // a modelled name in Extra is never sent
	if _, err := c.Populations.Update(t.Context(), testEnv, p.ID, p); err != nil {
		t.Fatal(err)
	}
	want := mustJSON(t, `{"name":"New","default":false,"newFeature":{"enabled":true,"level":[1,2]},"riskScore":7}`)
	if diff := cmp.Diff(want, rec.sent()[1].Body); diff != "" {
		t.Errorf("Update body mismatch (-want +got):\n%s", diff)
	}
}

// TestTolerantDecoding: missing fields, new enum values, numbers written as floats, a boolean as a
// string, and nulls never fail a read.
func TestTolerantDecoding(t *testing.T) {
	tests := []struct {
		body string
		want *Population
	}{
		{`{"id":"p","name":"N"}`, &Population{ID: "p", Name: "N"}},
		{`{"id":"p","name":"N","userCount":2.0,"default":"true"}`, &Population{ID: "p", Name: "N", UserCount: 2, Default: true}},
		{`{"id":"p","name":"N","theme":null,"description":null,"alternativeIdentifiers":null}`, &Population{ID: "p", Name: "N"}},
		{`{"id":"p","name":"N","environment":{"id":"e","_links":{}}}`, &Population{ID: "p", Name: "N", Environment: &Ref{ID: "e"}}},
		{`{"id":"p","na\u006de":"escaped name"}`, &Population{ID: "p", Name: "escaped name"}},
	}
	for _, tt := range tests {
		c, mt := newMockClient(t)
		answer(mt, ok(tt.body))
		got, err := c.Populations.Get(t.Context(), testEnv, testPop)
		if err != nil {
			t.Errorf("decode %s: %v", tt.body, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("decode %s mismatch (-want +got):\n%s", tt.body, diff)
		}
	}
}

func TestPopulationInvalidInput(t *testing.T) {
	c, mt := newMockClient(t)
	rec := answer(mt, ok(`{}`))
	ctx := t.Context()
	calls := map[string]func() error{
		"create nil":        func() error { _, err := c.Populations.Create(ctx, testEnv, nil); return err },
		"create empty name": func() error { _, err := c.Populations.Create(ctx, testEnv, &Population{Name: "  "}); return err },
		"create empty env":  func() error { _, err := c.Populations.Create(ctx, "", &Population{Name: "x"}); return err },
		"list page bad cursor": func() error {
			_, err := c.Populations.ListPage(ctx, testEnv, &ListOptions{Cursor: cursorPrefix + "%%%"})
			return err
		},
		"get empty id":        func() error { _, err := c.Populations.Get(ctx, testEnv, ""); return err },
		"get dot-dot":         func() error { _, err := c.Populations.Get(ctx, testEnv, ".."); return err },
		"get traversal":       func() error { _, err := c.Populations.Get(ctx, testEnv, "../users"); return err },
		"get slash":           func() error { _, err := c.Populations.Get(ctx, testEnv, "a/b"); return err },
		"get query":           func() error { _, err := c.Populations.Get(ctx, testEnv, "a?b=c"); return err },
		"get fragment":        func() error { _, err := c.Populations.Get(ctx, testEnv, "a#b"); return err },
		"get percent":         func() error { _, err := c.Populations.Get(ctx, testEnv, "%2e%2e"); return err },
		"get control":         func() error { _, err := c.Populations.Get(ctx, testEnv, "a\nb"); return err },
		"update empty name":   func() error { _, err := c.Populations.Update(ctx, testEnv, testPop, &Population{}); return err },
		"delete empty":        func() error { return c.Populations.Delete(ctx, testEnv, "") },
		"get by empty name":   func() error { _, err := c.Populations.GetByName(ctx, testEnv, ""); return err },
		"list page neg limit": func() error { _, err := c.Populations.ListPage(ctx, testEnv, &ListOptions{Limit: -1}); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: err = %v, want ErrInvalidArgument", name, err)
		}
	}
	if n := len(rec.sent()); n != 0 {
		t.Errorf("%d requests sent for invalid input, want 0", n)
	}
}

func TestPathEscaping(t *testing.T) {
	c, mt := newMockClient(t)
	rec := answer(mt, ok(`{"id":"x","name":"n"}`))
	if _, err := c.Populations.Get(t.Context(), testEnv, "a:b+c@dü"); err != nil {
		t.Fatal(err)
	}
	if got, want := rec.sent()[0].Path, "/v1/environments/"+testEnv+"/populations/a:b+c@d%C3%BC"; got != want {
		t.Errorf("path = %s, want %s", got, want)
	}
}

func TestListFollowsNextAndStopsOnBreak(t *testing.T) {
	c, mt := newMockClient(t)
	next := apiBase + "/environments/" + testEnv + "/populations?limit=1&cursor=CUR2"
	rec := answer(mt,
		ok(pageJSON(next, `{"id":"1","name":"one"}`)),
		ok(pageJSON(next, `{"id":"2","name":"two"}`)))
	var names []string
	for p, err := range c.Populations.List(t.Context(), testEnv, &ListOptions{Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, p.Name)
		if len(names) == 2 {
			break
		}
	}
	if diff := cmp.Diff([]string{"one", "two"}, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	got := rec.sent()
	if len(got) != 2 {
		t.Fatalf("requests = %d, want 2 (no fetch after break)", len(got))
	}
	if got[1].Query != "limit=1&cursor=CUR2" {
		t.Errorf("second request query = %q, want the next link verbatim", got[1].Query)
	}
}

func TestListPageCursor(t *testing.T) {
	c, mt := newMockClient(t)
	rec := answer(mt, ok(pageJSON(apiBase+"/environments/"+testEnv+"/populations?limit=2&cursor=NEXT%2F1", `{"id":"1","name":"one"}`)))
	p, err := c.Populations.ListPage(t.Context(), testEnv, &ListOptions{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Populations.ListPage(t.Context(), testEnv, &ListOptions{Cursor: p.NextCursor}); err != nil {
		t.Fatal(err)
	}
	if got := rec.sent()[1].Query; got != "limit=2&cursor=NEXT%2F1" {
		t.Errorf("resumed with query %q, want the next link's", got)
	}
}

func TestListYieldsOneErrorAndStops(t *testing.T) {
	c, mt := newMockClient(t)
	answer(mt, status(404, `{"id":"e1","code":"NOT_FOUND","message":"gone"}`))
	n := 0
	for p, err := range c.Populations.List(t.Context(), testEnv, nil) {
		n++
		if p != nil || !errors.Is(err, ErrNotFound) {
			t.Errorf("got (%v, %v), want (nil, ErrNotFound)", p, err)
		}
	}
	if n != 1 {
		t.Errorf("yielded %d times, want 1", n)
	}
}

// TestNextLinkToAnotherHost: a next link elsewhere ends the iteration with an error and no request.
func TestNextLinkToAnotherHost(t *testing.T) {
	for _, next := range []string{"https://evil.example/v1/environments/e/populations?cursor=x", "http://api.pingone.eu/v1/x", "https://api.pingone.eu:8443/v1/x"} {
		c, mt := newMockClient(t)
		rec := answer(mt, ok(pageJSON(next, `{"id":"1","name":"one"}`)))
		var gotErr error
		n := 0
		for _, err := range c.Populations.List(t.Context(), testEnv, nil) {
			if err != nil {
				gotErr = err
				continue
			}
			n++
		}
		if gotErr == nil || n != 0 {
			t.Errorf("next %s: items %d, err %v; want an error and no items from the unsafe page", next, n, gotErr)
		}
		if len(rec.sent()) != 1 {
			t.Errorf("next %s: %d requests, want 1", next, len(rec.sent()))
		}
		_, err := c.Populations.ListPage(t.Context(), testEnv, nil)
		if err == nil {
			t.Errorf("ListPage with next %s: no error", next)
		}
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestQuoteFilter(t *testing.T) {
	for in, want := range map[string]string{`a`: `"a"`, `a"b`: `"a\"b"`, `a\b`: `"a\\b"`, "\n": `"\u000a"`, "人": `"人"`} {
		if got := QuoteFilter(in); got != want {
			t.Errorf("QuoteFilter(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestExtraIsAlwaysValidJSON: an unknown member with invalid UTF-8 or repeated names is kept as
// valid JSON (invalid bytes replaced), so Update sends it back instead of failing or dropping it.
func TestExtraIsAlwaysValidJSON(t *testing.T) {
	c, mt := newMockClient(t)
	rec := answer(mt, ok("{\"id\":\"p\",\"name\":\"n\",\"odd\":\"a\xffb\",\"dup\":{\"k\":1,\"k\":2}}"))
	p, err := c.Populations.Get(t.Context(), testEnv, testPop)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Populations.Update(t.Context(), testEnv, p.ID, p); err != nil {
		t.Fatal(err)
	}
	want := mustJSON(t, `{"name":"n","default":false,"odd":"a\ufffdb","dup":{"k":2}}`)
	if diff := cmp.Diff(want, rec.sent()[1].Body); diff != "" {
		t.Errorf("Update body (-want +got):\n%s", diff)
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
