package pingone

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// app is a caller's own type for an endpoint the SDK does not wrap.
type app struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func TestDoRequests(t *testing.T) {
	envPath := "/v1/environments/" + testEnv
	jsonHeaders := map[string]string{"Authorization": "Bearer " + testToken, "Accept": "application/json", "Content-Type": "application/json"}
	getHeaders := map[string]string{"Authorization": "Bearer " + testToken, "Accept": "application/json"}
	tests := []requestCase{
		{
			name: "GET relative path with query into the caller's type", resp: ok(`{"id":"a1","name":"Portal","extra":1}`),
			call: func(ctx context.Context, c *Client) (any, error) {
				var out app
				err := c.Do(ctx, "GET", "environments/"+testEnv+"/applications/a1?expand=x", nil, &out)
				return out, err
			},
			want:   sent{Method: "GET", Path: envPath + "/applications/a1", Query: "expand=x", Header: getHeaders},
			result: app{ID: "a1", Name: "Portal"},
		},
		{
			name: "POST with a body encoded by encoding/json, leading slash", resp: status(201, `{"id":"a2","name":"New"}`),
			call: func(ctx context.Context, c *Client) (any, error) {
				out := map[string]any{}
				err := c.Do(ctx, "POST", "/environments/"+testEnv+"/applications", app{Name: "New"}, &out)
				return out, err
			},
			want:   sent{Method: "POST", Path: envPath + "/applications", Header: jsonHeaders, Body: mustJSON(t, `{"id":"","name":"New"}`)},
			result: map[string]any{"id": "a2", "name": "New"},
		},
		{
			name: "raw body, escaped segment kept, no out", resp: status(204, ""),
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.Do(ctx, "PATCH", "environments/"+testEnv+"/groups/a%2Fb", json.RawMessage(`{"name":"G"}`), nil)
			},
			want: sent{Method: "PATCH", Path: envPath + "/groups/a%2Fb", Header: jsonHeaders, Body: mustJSON(t, `{"name":"G"}`)},
		},
		{
			name: "absolute URL on the API base", resp: ok(`{"id":"a1","name":"Portal"}`),
			call: func(ctx context.Context, c *Client) (any, error) {
				var out app
				err := c.Do(ctx, "GET", apiBase+"/environments/"+testEnv+"/applications?cursor=c2", nil, &out)
				return out, err
			},
			want:   sent{Method: "GET", Path: envPath + "/applications", Query: "cursor=c2", Header: getHeaders},
			result: app{ID: "a1", Name: "Portal"},
		},
	}
	runRequestCases(t, tests)
}

func TestDoRefuses(t *testing.T) {
	c, mt := newMockClient(t)
	rec := answer(mt, ok(`{}`))
	for _, tt := range []struct{ method, path string }{
		{"GET", "https://evil.example.com/v1/environments"},
		{"GET", "http://api.pingone.eu/v1/environments"},
		{"GET", "https://api.pingone.eu/v2/environments"},
		{"GET", "//evil.example.com/v1/x"},
		{"GET", "environments/../../admin"},
		{"GET", "environments/%2e%2e/x"},
		{"GET", "./environments"},
		{"GET", "environments#frag"},
		{"GET", "environments\r\nX: y"},
		{"GET", ""},
		{"GET", "/"},
		{"get", "environments"},
		{"", "environments"},
		{"GET X", "environments"},
	} {
		if err := c.Do(t.Context(), tt.method, tt.path, nil, nil); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("Do(%q, %q) = %v, want ErrInvalidArgument", tt.method, tt.path, err)
		}
	}
	if err := c.Do(t.Context(), "POST", "environments", func() {}, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("unencodable body: err = %v, want ErrInvalidArgument", err)
	}
	if n := len(rec.sent()); n != 0 {
		t.Errorf("%d requests sent, want 0", n)
	}
}

// TestDoSharesTheRequestPath: errors map to *APIError and sentinels, the token is redacted, and
// the retry rules are the method's (GET retried after a 503, POST and PATCH not).
func TestDoSharesTheRequestPath(t *testing.T) {
	for _, tt := range []struct {
		method   string
		attempts int
	}{{"GET", 4}, {"PUT", 4}, {"POST", 1}, {"PATCH", 1}} {
		t.Run(tt.method, func(t *testing.T) {
			var logs strings.Builder
			c, mt := newMockClient(t, WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
			rec := answer(mt, status(503, `{"code":"UNAVAILABLE","message":"echo `+testToken+`"}`))
			err := c.Do(t.Context(), tt.method, "environments/"+testEnv+"/applications", nil, nil)
			var apiErr *APIError
			if !errors.As(err, &apiErr) || !errors.Is(err, ErrServerError) {
				t.Fatalf("err = %v, want an *APIError matching ErrServerError", err)
			}
			if containsSecret(err.Error()) || containsSecret(logs.String()) {
				t.Errorf("token leaked: %v / %s", err, logs.String())
			}
			if got := len(rec.sent()); got != tt.attempts {
				t.Errorf("%d attempts, want %d", got, tt.attempts)
			}
		})
	}
	c, mt := newMockClient(t)
	answer(mt, status(404, `{"code":"NOT_FOUND","message":"gone"}`))
	if err := c.Do(t.Context(), "DELETE", "environments/"+testEnv+"/applications/x", nil, nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("404: err = %v, want ErrNotFound", err)
	}
	answer(mt, ok(`{"id": 5}`))
	var out app
	err := c.Do(t.Context(), "GET", "environments/"+testEnv+"/applications/x", nil, &out)
	if err == nil || !strings.Contains(err.Error(), "decode 200 response") {
		t.Errorf("bad type: err = %v, want a decode error", err)
	}
	if diff := cmp.Diff(app{}, out); diff != "" {
		t.Errorf("out changed (-want +got):\n%s", diff)
	}
}

func TestDoEmptyBody(t *testing.T) {
	for _, tt := range []struct {
		name string
		resp response
		err  bool
	}{
		{"empty 200", ok(""), false},
		{"204", status(204, ""), false},
		{"whitespace only", ok("  "), false},
		{"truncated JSON", ok(`{"id":`), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, mt := newMockClient(t)
			answer(mt, tt.resp)
			out := app{ID: "kept"}
			err := c.Do(t.Context(), "GET", "environments/"+testEnv+"/applications/x", nil, &out)
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error: %v", err, tt.err)
			}
			if !tt.err && out.ID != "kept" {
				t.Errorf("out = %+v, want it unchanged", out)
			}
		})
	}
}
