package pingone

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestStatusToSentinel maps each status PingOne documents to its sentinel and checks the fields
// an *APIError carries.
func TestStatusToSentinel(t *testing.T) {
	all := []error{ErrBadRequest, ErrUnauthorized, ErrForbidden, ErrNotFound, ErrConflict, ErrRateLimited, ErrServerError}
	tests := []struct {
		name   string
		resp   response
		want   []error
		fields *APIError
	}{
		{"400", status(400, `{"id":"e1","code":"INVALID_DATA","message":"bad","details":[{"code":"INVALID_VALUE","target":"name","message":"too long"}]}`),
			[]error{ErrBadRequest}, &APIError{StatusCode: 400, Code: "INVALID_DATA", Message: "bad", ID: "e1",
				Details: []ErrorDetail{{Code: "INVALID_VALUE", Target: "name", Message: "too long"}}}},
		{"401", status(401, `{"id":"e2","code":"ACCESS_FAILED","message":"expired"}`), []error{ErrUnauthorized}, nil},
		{"403", status(403, `{"code":"ACCESS_FAILED","message":"no access"}`), []error{ErrForbidden}, nil},
		{"404", status(404, `{"id":"e3","code":"NOT_FOUND","message":"The requested resource was not found."}`), []error{ErrNotFound}, nil},
		{"409", status(409, `{"id":"e4","code":"INVALID_DATA","message":"dup"}`), []error{ErrConflict}, nil},
		{"400 UNIQUENESS_VIOLATION", status(400, `{"id":"e5","code":"INVALID_DATA","message":"dup","details":[{"code":"UNIQUENESS_VIOLATION","target":"name","message":"taken","innerError":{"existingId":"p9"}}]}`),
			[]error{ErrBadRequest, ErrConflict}, &APIError{StatusCode: 400, Code: "INVALID_DATA", Message: "dup", ID: "e5",
				Details: []ErrorDetail{{Code: "UNIQUENESS_VIOLATION", Target: "name", Message: "taken", InnerError: map[string]any{"existingId": "p9"}}}}},
		{"429", response{status: 429, body: `{"code":"REQUEST_LIMITED","message":"slow down"}`, header: map[string]string{"Retry-After": "7"}},
			[]error{ErrRateLimited}, &APIError{StatusCode: 429, Code: "REQUEST_LIMITED", Message: "slow down", RetryAfter: 7 * time.Second}},
		{"500", status(500, `{"id":"e6","code":"UNEXPECTED_ERROR","message":"oops"}`), []error{ErrServerError}, nil},
		{"HTML 502", status(502, "<html>\n<body><h1>502 Bad Gateway</h1></body>\n</html>"), []error{ErrServerError},
			&APIError{StatusCode: 502, Body: "<html> <body><h1>502 Bad Gateway</h1></body> </html>"}},
		{"empty 503", status(503, ""), []error{ErrServerError}, &APIError{StatusCode: 503}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mt := newMockClient(t, WithRetryPolicy(RetryPolicy{MaxRetries: 0}))
			answer(mt, tt.resp)
			_, err := c.Populations.Get(t.Context(), testEnv, testPop)
			for _, s := range all {
				want := false
				for _, w := range tt.want {
					want = want || w == s
				}
				if got := errors.Is(err, s); got != want {
					t.Errorf("errors.Is(err, %v) = %v, want %v (err: %v)", s, got, want, err)
				}
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err %T is not an *APIError", err)
			}
			if apiErr.Method != "GET" || apiErr.Path != "/v1/environments/"+testEnv+"/populations/"+testPop || apiErr.CorrelationID != "corr-1" {
				t.Errorf("Method, Path, CorrelationID = %q, %q, %q", apiErr.Method, apiErr.Path, apiErr.CorrelationID)
			}
			if tt.fields != nil {
				if diff := cmp.Diff(tt.fields, apiErr, cmpopts.IgnoreFields(APIError{}, "Method", "Path", "CorrelationID")); diff != "" {
					t.Errorf("APIError mismatch (-want +got):\n%s", diff)
				}
			}
			if msg := err.Error(); strings.Contains(msg, "{") || !strings.HasPrefix(msg, "pingone: ") || strings.Contains(msg, "\n") {
				t.Errorf("Error() = %q, want one line of text, not JSON", msg)
			}
		})
	}
}

func TestAPIErrorMessage(t *testing.T) {
	e := &APIError{StatusCode: 400, Code: "INVALID_DATA", Message: "One or more validation errors were in the request.",
		Details: []ErrorDetail{{Code: "UNIQUENESS_VIOLATION", Target: "name", Message: "must be unique"}},
		ID:      "6c79", CorrelationID: "c-1", Method: "POST", Path: "/v1/environments/e/populations"}
	want := `pingone: POST /v1/environments/e/populations: 400 INVALID_DATA: One or more validation errors were in the request. [name: UNIQUENESS_VIOLATION: must be unique] (error id 6c79) (correlation id c-1)`
	if got := e.Error(); got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"5", 5 * time.Second, true}, {" 0 ", 0, true}, {"-1", 0, false}, {"", 0, false}, {"soon", 0, false},
		{now.Add(3 * time.Second).Format(http.TimeFormat), 3 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestDecodeErrorOn2xx: a 2xx body that does not decode names status, path and correlation id,
// and returns no partial object.
func TestDecodeErrorOn2xx(t *testing.T) {
	for _, body := range []string{`{"id":"p","name":`, `<html>oops</html>`, `{"id":"p","userCount":"many"}`, `[1,2]`} {
		c, mt := newMockClient(t)
		answer(mt, ok(body))
		p, err := c.Populations.Get(t.Context(), testEnv, testPop)
		if err == nil || p != nil {
			t.Errorf("body %s: got (%v, %v), want (nil, error)", body, p, err)
			continue
		}
		for _, want := range []string{"200", "/populations/" + testPop, "corr-1"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("body %s: error %q does not mention %s", body, err, want)
			}
		}
	}
}

func TestContextDeadlineIsReachable(t *testing.T) {
	c, mt := newMockClient(t)
	mt.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		<-r.Context().Done()
		return nil, r.Context().Err()
	})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	_, err := c.Populations.Get(ctx, testEnv, testPop)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
}

func TestPreciseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	detail := func(ts string) []ErrorDetail {
		return []ErrorDetail{{Code: "LIMIT_EXCEEDED", InnerError: map[string]any{"retryAfter": ts}}}
	}
	tests := []struct {
		name string
		e    *APIError
		want time.Duration
	}{
		{"header only", &APIError{RetryAfter: time.Second}, time.Second},
		{"innerError is finer", &APIError{RetryAfter: time.Second, Details: detail("2026-01-01T00:00:00.250Z")}, 250 * time.Millisecond},
		{"innerError without header", &APIError{Details: detail("2026-01-01T00:00:02.500Z")}, 2500 * time.Millisecond},
		{"skewed clock capped by header", &APIError{RetryAfter: time.Second, Details: detail("2026-01-01T00:01:00Z")}, time.Second},
		{"in the past", &APIError{RetryAfter: time.Second, Details: detail("2025-12-31T23:59:59Z")}, 0},
		{"unparseable", &APIError{RetryAfter: time.Second, Details: detail("soon")}, time.Second},
	}
	for _, tt := range tests {
		if got := preciseRetryAfter(tt.e, now); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

var nowForFuzz = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

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
