package pingone

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jarcoal/httpmock"
	"golang.org/x/oauth2"
)

func TestRetryPolicyByMethod(t *testing.T) {
	tests := []struct {
		name      string
		responses []response
		call      func(context.Context, *Client) error
		wantCalls int
		wantErr   error
	}{
		{"GET retried on 503, then succeeds", []response{status(503, ""), status(503, ""), ok(`{"id":"p","name":"n"}`)},
			func(ctx context.Context, c *Client) error {
				_, err := c.Populations.Get(ctx, testEnv, testPop)
				return err
			}, 3, nil},
		{"PUT retried on 502", []response{status(502, "<html>bad gateway</html>"), ok(`{"id":"p","name":"n"}`)},
			func(ctx context.Context, c *Client) error {
				_, err := c.Populations.Update(ctx, testEnv, testPop, &Population{Name: "n"})
				return err
			}, 2, nil},
		{"DELETE retried on 504 and 408", []response{status(504, ""), status(408, ""), status(204, "")},
			func(ctx context.Context, c *Client) error { return c.Populations.Delete(ctx, testEnv, testPop) }, 3, nil},
		{"move retried on 500", []response{status(500, `{"code":"UNEXPECTED_ERROR"}`), ok(`{"id":"p"}`)},
			func(ctx context.Context, c *Client) error {
				return c.Users.MovePopulation(ctx, testEnv, testUser, testPop)
			}, 2, nil},
		{"POST not retried on 500", []response{status(500, `{"code":"UNEXPECTED_ERROR","message":"boom"}`), status(201, `{"id":"p","name":"n"}`)},
			func(ctx context.Context, c *Client) error {
				_, err := c.Populations.Create(ctx, testEnv, &Population{Name: "n"})
				return err
			}, 1, ErrServerError},
		{"POST not retried on 503", []response{status(503, ""), status(201, `{}`)},
			func(ctx context.Context, c *Client) error {
				_, err := c.Users.Create(ctx, testEnv, &User{Username: "u", Email: "u@x"})
				return err
			}, 1, ErrServerError},
		{"POST retried on 429", []response{{status: 429, body: `{"code":"REQUEST_LIMITED"}`, header: map[string]string{"Retry-After": "0"}}, status(201, `{"id":"p","name":"n"}`)},
			func(ctx context.Context, c *Client) error {
				_, err := c.Populations.Create(ctx, testEnv, &Population{Name: "n"})
				return err
			}, 2, nil},
		{"400 never retried", []response{status(400, `{"code":"INVALID_DATA"}`), ok(`{}`)},
			func(ctx context.Context, c *Client) error {
				_, err := c.Populations.Get(ctx, testEnv, testPop)
				return err
			}, 1, ErrBadRequest},
		{"budget exhausted: last APIError, not a giving-up string", []response{{status: 429, body: `{"code":"REQUEST_LIMITED","message":"slow"}`, header: map[string]string{"Retry-After": "0"}}},
			func(ctx context.Context, c *Client) error {
				_, err := c.Populations.Get(ctx, testEnv, testPop)
				return err
			}, 4, ErrRateLimited},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mt := newMockClient(t)
			rec := answer(mt, tt.responses...)
			err := tt.call(t.Context(), c)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			var apiErr *APIError
			if tt.wantErr != nil && !errors.As(err, &apiErr) {
				t.Errorf("err %v is not an *APIError", err)
			}
			if got := len(rec.sent()); got != tt.wantCalls {
				t.Errorf("requests = %d, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestRetriesOff(t *testing.T) {
	c, mt := newMockClient(t, WithRetryPolicy(RetryPolicy{MaxRetries: 0}))
	rec := answer(mt, status(503, ""), ok(`{}`))
	if _, err := c.Populations.Get(t.Context(), testEnv, testPop); !errors.Is(err, ErrServerError) {
		t.Fatalf("err = %v, want ErrServerError", err)
	}
	if n := len(rec.sent()); n != 1 {
		t.Errorf("requests = %d, want 1", n)
	}
}

func TestConnectionErrorRetriedForGETOnly(t *testing.T) {
	for _, tt := range []struct {
		method string
		want   int
	}{{"GET", 4}, {"POST", 1}} {
		c, mt := newMockClient(t)
		var n atomic.Int32
		mt.RegisterNoResponder(func(*http.Request) (*http.Response, error) {
			n.Add(1)
			return nil, io.ErrUnexpectedEOF
		})
		var err error
		if tt.method == "GET" {
			_, err = c.Populations.Get(t.Context(), testEnv, testPop)
		} else {
			_, err = c.Populations.Create(t.Context(), testEnv, &Population{Name: "x"})
		}
		if err == nil || int(n.Load()) != tt.want {
			t.Errorf("%s: err %v after %d attempts, want an error after %d", tt.method, err, n.Load(), tt.want)
		}
	}
}

// TestBackoffHonoursRetryAfter checks the wait itself rather than timing a sleep.
func TestBackoffHonoursRetryAfter(t *testing.T) {
	resp := func(code int, ra string) *http.Response {
		r := &http.Response{StatusCode: code, Header: http.Header{}, Request: httptest.NewRequest("GET", "/", nil)}
		if ra != "" {
			r.Header.Set("Retry-After", ra)
		}
		return r
	}
	date := time.Now().Add(10 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name     string
		resp     *http.Response
		attempt  int
		min, max time.Duration
	}{
		{"429 seconds", resp(429, "3"), 0, 3 * time.Second, 3 * time.Second},
		{"503 seconds", resp(503, "2"), 2, 2 * time.Second, 2 * time.Second},
		{"429 http date", resp(429, date), 0, 8 * time.Second, 10 * time.Second},
		{"capped by MaxWait", resp(429, "3600"), 0, 30 * time.Second, 30 * time.Second},
		{"exponential, first", resp(500, ""), 0, 250 * time.Millisecond, 500 * time.Millisecond},
		{"exponential, third", resp(500, ""), 2, time.Second, 2 * time.Second},
		{"exponential, capped", resp(500, ""), 40, 15 * time.Second, 30 * time.Second},
		{"connection error", nil, 1, 500 * time.Millisecond, time.Second},
	}
	// Huge attempts and waits never overflow into a negative or panicking wait.
	for _, w := range []time.Duration{time.Hour, 1 << 62} {
		if got := backoff(w, w, 62, resp(500, "")); got < w/2 || got > w {
			t.Errorf("backoff(%v, %v, 62) = %v", w, w, got)
		}
	}
	for _, tt := range tests {
		for range 20 {
			got := backoff(500*time.Millisecond, 30*time.Second, tt.attempt, tt.resp)
			if got < tt.min || got > tt.max {
				t.Errorf("%s: backoff = %v, want within [%v, %v]", tt.name, got, tt.min, tt.max)
				break
			}
		}
	}
}

func TestContextCancelledDuringBackoff(t *testing.T) {
	c, mt := newMockClient(t, WithRetryPolicy(RetryPolicy{MaxRetries: 3, MinWait: time.Hour, MaxWait: time.Hour}))
	answer(mt, status(503, ""))
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Populations.Get(ctx, testEnv, testPop)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 30*time.Second { // the backoff was an hour: anything short proves it was cut
		t.Errorf("returned after %v; the backoff did not end with the ctx", d)
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
	patch := sent{Method: "PATCH", Path: popPath, Header: withBody, Body: map[string]any{"name": "p"}}
	doPatch := func(ctx context.Context, c *Client) error {
		return c.Do(ctx, http.MethodPatch, "/environments/"+testEnv+"/populations/"+testPop, map[string]string{"name": "p"}, nil)
	}
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
		{"PATCH 404 is never sent again (not idempotent)", within, doPatch, []response{notFound, pop}, patch, 1, ErrNotFound},
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
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	// The ctx ends once the client has the 404 in hand (its attempt log line is written after
	// the response arrived), so it ends during the wait, never during the request.
	logger := slog.New(cancelOnLog{cancel: cancel})
	c, mt := newMockClient(t, WithEventualConsistency(time.Hour), WithLogger(logger))
	c.settle.first, c.settle.most = time.Hour, time.Hour // a test that hangs here has failed
	rec := answer(mt, status(404, `{"code":"NOT_FOUND","message":"not found"}`))
	_, err := c.Populations.Get(ctx, testEnv, testPop)
	if !errors.Is(err, ErrNotFound) || !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want ErrNotFound and context.Canceled", err)
	}
	if n := len(rec.sent()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// cancelOnLog is a debug slog.Handler that calls cancel when an attempt is logged.
type cancelOnLog struct{ cancel context.CancelFunc }

func (cancelOnLog) Enabled(context.Context, slog.Level) bool { return true }
func (h cancelOnLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "pingone: request" {
		h.cancel()
	}
	return nil
}
func (h cancelOnLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h cancelOnLog) WithGroup(string) slog.Handler      { return h }

func TestRetryLogWithoutResponseRequest(t *testing.T) {
	var logs strings.Builder
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := NewClient(RegionEurope, staticToken(), WithHTTPClient(&http.Client{Transport: &noRequestTransport{}}),
		WithLogger(logger), WithRetryPolicy(fastRetry()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Populations.Get(t.Context(), testEnv, testPop); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if got := strings.Count(logs.String(), "pingone: retrying"); got != 2 {
		t.Errorf("%d retry lines, want 2:\n%s", got, logs.String())
	}
}

// TestSuccessPathPaysNothingForRetries: retries on or off, and no logger, a successful call
// allocates the same. It runs on an in-memory transport, so only the client's allocations count.
func TestSuccessPathPaysNothingForRetries(t *testing.T) {
	if raceDetector {
		t.Skip("allocation counts under -race are noise; .ci/run runs this without it")
	}
	mk := func(opts ...Option) *Client {
		c, mt := newMockClient(t, opts...)
		mt.RegisterNoResponder(httpmock.NewStringResponder(http.StatusNoContent, ""))
		return c
	}
	on, off := mk(), mk(WithRetryPolicy(RetryPolicy{MaxRetries: 0}))
	allocs := func(c *Client) float64 {
		// The least of a few runs: net/http's per-attempt timeout starts a goroutine, whose
		// allocations come and go with the scheduler.
		least := math.Inf(1)
		for range 5 {
			least = min(least, testing.AllocsPerRun(200, func() { _ = c.Populations.Delete(context.Background(), testEnv, testPop) }))
		}
		return least
	}
	a, b := allocs(on), allocs(off)
	if a > b {
		t.Errorf("a successful call allocates %.1f with retries on, %.1f with them off", a, b)
	}
	t.Logf("allocations per Delete on an in-memory transport: %.1f (retries on), %.1f (off)", a, b)
}

// countingSource hands out tok-1, tok-2, … each valid for life.
type countingSource struct {
	n    atomic.Int32
	life time.Duration
}

func (s *countingSource) Token() (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: fmt.Sprintf("tok-%d", s.n.Add(1)), Expiry: time.Now().Add(s.life)}, nil
}

// TestRetryCarriesTheCurrentToken: a retry that outlasts the first attempt's token sends the
// token the cache holds then, not the expired one.
func TestRetryCarriesTheCurrentToken(t *testing.T) {
	mt := httpmock.NewMockTransport()
	var mu sync.Mutex
	var auths []string
	mt.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		defer mu.Unlock()
		auths = append(auths, r.Header.Get("Authorization"))
		if len(auths) == 1 {
			return httpmock.NewStringResponse(http.StatusServiceUnavailable, ""), nil
		}
		return httpmock.NewStringResponse(http.StatusOK, `{"id":"p","name":"n"}`), nil
	})
	c, err := NewClient(RegionEurope, &countingSource{life: 20 * time.Millisecond}, WithHTTPClient(&http.Client{Transport: mt}),
		WithRetryPolicy(RetryPolicy{MaxRetries: 1, MinWait: 100 * time.Millisecond, MaxWait: 100 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Populations.Get(t.Context(), testEnv, testPop); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{"Bearer tok-1", "Bearer tok-2"}, auths); diff != "" {
		t.Errorf("Authorization per attempt (-want +got):\n%s", diff)
	}
}
