package pingone

import (
	"bytes"
	stdcmp "cmp"
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

// TestRedirectToAnotherHostRefused: the bearer token never follows a redirect elsewhere.
func TestRedirectToAnotherHostRefused(t *testing.T) {
	for _, code := range []int{http.StatusFound, http.StatusTemporaryRedirect} {
		var otherCalled atomic.Bool
		var otherAuth atomic.Value
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			otherCalled.Store(true)
			otherAuth.Store(r.Header.Get("Authorization"))
			_, _ = io.WriteString(w, `{"id":"x","name":"stolen"}`)
		}))
		api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+r.URL.Path, code)
		}))
		c, err := NewClient("", oauth2.StaticTokenSource(&oauth2.Token{AccessToken: testToken}), WithBaseURL(api.URL+"/v1"),
			WithRetryPolicy(fastRetry()))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Populations.Get(t.Context(), testEnv, testPop)
		if err == nil || !strings.Contains(err.Error(), "redirect") {
			t.Errorf("%d: err = %v, want a refused redirect", code, err)
		}
		if otherCalled.Load() {
			t.Errorf("%d: the other host was called (Authorization %q)", code, otherAuth.Load())
		}
		api.Close()
		other.Close()
	}
}

func TestBaseURLValidation(t *testing.T) {
	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: testToken})
	for _, tt := range []struct {
		url string
		ok  bool
	}{
		{"https://api.pingone.eu/v1", true}, {"https://api.pingone.eu/v1/", true}, {"http://127.0.0.1:8080/v1", true},
		{"http://localhost:1/v1", true}, {"http://[::1]:1/v1", true}, {"http://127.9.9.9/v1", true},
		{"http://api.pingone.eu/v1", false}, {"http://10.0.0.1/v1", false}, {"ftp://x/v1", false}, {"api.pingone.eu/v1", false},
		{"https://user:pw@api.pingone.eu/v1", false}, {"https://api.pingone.eu/v1?x=1", false}, {"", true /* region default */},
	} {
		_, err := NewClient(RegionEurope, ts, WithBaseURL(tt.url))
		if (err == nil) != tt.ok {
			t.Errorf("WithBaseURL(%q): err = %v, want ok=%v", tt.url, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("WithBaseURL(%q): err %v is not ErrInvalidArgument", tt.url, err)
		}
	}
	if _, err := NewClient("XX", ts); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("unknown region: err = %v", err)
	}
	if _, err := NewClient("", ts); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("no region, no base URL: err = %v", err)
	}
	if _, err := NewClient(RegionEurope, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("nil token source: err = %v", err)
	}
	if _, err := NewClient(RegionEurope, ts, WithRetryPolicy(RetryPolicy{MaxRetries: -1})); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("negative retries: err = %v", err)
	}
}

func TestUserAgent(t *testing.T) {
	for _, tt := range []struct{ opt, prefix string }{{"", "pingone-go/" + Version + " ("}, {"acme-sync/1.2", "acme-sync/1.2 pingone-go/" + Version + " ("}} {
		c, mt := newMockClient(t, WithUserAgent(tt.opt))
		var ua string
		mt.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
			ua = r.Header.Get("User-Agent")
			return httpmock.NewStringResponse(204, ""), nil
		})
		if err := c.Populations.Delete(t.Context(), testEnv, testPop); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(ua, tt.prefix) {
			t.Errorf("User-Agent = %q, want prefix %q", ua, tt.prefix)
		}
	}
}

// tokenServer is a worker token endpoint on httpmock that counts fetches.
type tokenServer struct {
	fetches  atomic.Int32
	delay    time.Duration
	refuse   bool
	lifetime int
}

func (ts *tokenServer) responder(r *http.Request) (*http.Response, error) {
	n := ts.fetches.Add(1)
	time.Sleep(ts.delay)
	if ts.refuse {
		return httpmock.NewStringResponse(401, `{"error":"invalid_client","error_description":"Request denied: invalid client credentials"}`), nil
	}
	id, secret, _ := r.BasicAuth()
	if id != "client-1" || secret != testSecret {
		return httpmock.NewStringResponse(401, `{"error":"invalid_client"}`), nil
	}
	resp := httpmock.NewStringResponse(200, fmt.Sprintf(`{"access_token":"%s-%d","token_type":"Bearer","expires_in":%d}`, testToken, n, stdcmp.Or(ts.lifetime, 3600)))
	resp.Header.Set("Content-Type", "application/json")
	return resp, nil
}

func newWorkerMock(t *testing.T, ts *tokenServer, opts ...Option) (*Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder("POST", "https://auth.pingone.eu/"+testEnv+"/as/token", ts.responder)
	base := []Option{WithHTTPClient(&http.Client{Transport: mt}), WithRetryPolicy(fastRetry())}
	c, err := NewWorkerClient(RegionEurope, testEnv, "client-1", testSecret, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, mt
}

func TestOneTokenFetchForConcurrentCalls(t *testing.T) {
	ts := &tokenServer{delay: 20 * time.Millisecond}
	c, mt := newWorkerMock(t, ts)
	var seen sync.Map
	mt.RegisterResponder("GET", `=~^https://api\.pingone\.eu/v1/`, func(r *http.Request) (*http.Response, error) {
		seen.Store(r.Header.Get("Authorization"), true)
		return httpmock.NewStringResponse(200, `{"id":"p","name":"n"}`), nil
	})
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			_, err := c.Populations.Get(t.Context(), testEnv, testPop)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := ts.fetches.Load(); n != 1 {
		t.Errorf("token fetches = %d, want 1", n)
	}
	if _, ok := seen.Load("Bearer " + testToken + "-1"); !ok {
		t.Errorf("API did not see the fetched token")
	}
}

func TestTokenRefreshedBeforeExpiry(t *testing.T) {
	ts := &tokenServer{lifetime: 1} // refreshed 100 ms before its one second is up
	c, mt := newWorkerMock(t, ts)
	answer(mt, status(204, ""))
	for range 3 {
		if err := c.Populations.Delete(t.Context(), testEnv, testPop); err != nil {
			t.Fatal(err)
		}
	}
	if n := ts.fetches.Load(); n != 1 {
		t.Fatalf("fetches = %d, want 1 while the token is fresh", n)
	}
	time.Sleep(950 * time.Millisecond)
	if err := c.Populations.Delete(t.Context(), testEnv, testPop); err != nil {
		t.Fatal(err)
	}
	if n := ts.fetches.Load(); n != 2 {
		t.Errorf("fetches = %d, want 2 after the token neared expiry", n)
	}
}

func TestUnauthorizedRefreshesOnce(t *testing.T) {
	for _, tt := range []struct {
		name                string
		responses           []response
		wantErr             error
		wantCalls, wantToks int32
	}{
		{"revoked token: one refresh, then success", []response{status(401, `{"code":"ACCESS_FAILED"}`), status(204, "")}, nil, 2, 2},
		{"second 401 is returned, no loop", []response{status(401, `{"code":"ACCESS_FAILED"}`)}, ErrUnauthorized, 2, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ts := &tokenServer{}
			c, mt := newWorkerMock(t, ts)
			rec := &recorder{responses: tt.responses}
			mt.RegisterResponder("DELETE", `=~^https://api\.pingone\.eu/v1/`, rec.responder)
			err := c.Populations.Delete(t.Context(), testEnv, testPop)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			got := rec.sent()
			if int32(len(got)) != tt.wantCalls || ts.fetches.Load() != tt.wantToks {
				t.Errorf("API calls %d, token fetches %d; want %d, %d", len(got), ts.fetches.Load(), tt.wantCalls, tt.wantToks)
			}
			if got[0].Header["Authorization"] == got[len(got)-1].Header["Authorization"] {
				t.Errorf("the retry used the same token")
			}
		})
	}
}

// TestSecretsNeverLeak runs failing and succeeding calls with a debug logger and checks that
// neither the client secret nor any token appears in a log line, an error or a %v of the client.
func TestSecretsNeverLeak(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var errs []string

	refused := &tokenServer{refuse: true}
	c, _ := newWorkerMock(t, refused, WithLogger(logger))
	_, err := c.Populations.Get(t.Context(), testEnv, testPop)
	if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "credentials were refused") {
		t.Errorf("refused credentials: err = %v, want ErrUnauthorized saying the credentials were refused", err)
	}
	errs = append(errs, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))

	good := &tokenServer{}
	c, mt := newWorkerMock(t, good, WithLogger(logger))
	for _, r := range []response{status(500, `{"code":"UNEXPECTED_ERROR"}`), status(401, `{}`), status(404, `{}`), ok(`{"id":"p","name":"n"}`), status(429, `{}`)} {
		answer(mt, r)
		_, err := c.Populations.Get(t.Context(), testEnv, testPop)
		if err != nil {
			errs = append(errs, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
		}
	}
	errs = append(errs, fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), fmt.Sprintf("%+v", c.tokens), fmt.Sprintf("%#v", c.tokens))
	for _, s := range errs {
		if containsSecret(s) {
			t.Errorf("secret leaked: %s", s)
		}
	}
	if containsSecret(logs.String()) {
		t.Errorf("secret leaked into logs:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "attempt=") || !strings.Contains(logs.String(), "status=500") {
		t.Errorf("logs lack attempts and statuses:\n%s", logs.String())
	}
}

func TestLoggerLinePerAttempt(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, mt := newMockClient(t, WithLogger(logger))
	answer(mt, status(503, ""), ok(`{"id":"p","name":"n"}`))
	if _, err := c.Populations.Get(t.Context(), testEnv, testPop); err != nil {
		t.Fatal(err)
	}
	var requests []string
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if strings.Contains(line, `"msg":"pingone: request"`) {
			requests = append(requests, line)
		}
	}
	if len(requests) != 2 || !strings.Contains(requests[0], `"attempt":1`) || !strings.Contains(requests[1], `"status":200`) ||
		!strings.Contains(requests[0], `"path":"/v1/environments/`+testEnv+`/populations/`+testPop+`"`) {
		t.Errorf("want two attempt lines with method, path, status, attempt; got:\n%s", logs.String())
	}
}

func TestWorkerClientPostAuthStyle(t *testing.T) {
	// An app configured for client_secret_post refuses Basic; the client falls back to the form.
	mt := httpmock.NewMockTransport()
	var styles []string
	mt.RegisterResponder("POST", "https://auth.pingone.eu/"+testEnv+"/as/token", func(r *http.Request) (*http.Response, error) {
		_ = r.ParseForm()
		if _, _, basic := r.BasicAuth(); basic {
			styles = append(styles, "basic")
			return httpmock.NewStringResponse(401, `{"error":"invalid_client"}`), nil
		}
		styles = append(styles, "post")
		if r.PostForm.Get("client_secret") != testSecret || r.PostForm.Get("grant_type") != "client_credentials" {
			return httpmock.NewStringResponse(401, `{"error":"invalid_client"}`), nil
		}
		resp := httpmock.NewStringResponse(200, `{"access_token":"`+testToken+`","token_type":"Bearer","expires_in":3600}`)
		resp.Header.Set("Content-Type", "application/json")
		return resp, nil
	})
	answer(mt, status(204, ""))
	c, err := NewWorkerClient(RegionEurope, testEnv, "client-1", testSecret, WithHTTPClient(&http.Client{Transport: mt}))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Populations.Delete(t.Context(), testEnv, testPop); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"basic", "post"}, styles); diff != "" {
		t.Errorf("auth styles (-want +got):\n%s", diff)
	}
}

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

func TestZeroClientPrints(t *testing.T) {
	var c *Client
	if got := fmt.Sprintf("%v %+v %#v", c, &Client{}, &Client{}); strings.Contains(got, "PANIC") {
		t.Errorf("printing a zero client panicked: %s", got)
	}
}

func TestBadURLNeverEchoesAPassword(t *testing.T) {
	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: testToken})
	for _, raw := range []string{"https://user:" + testSecret + "@api.pingone.eu/v1", "http://u:" + testSecret + "@example.com/v1", "https://u:" + testSecret + "@[::1/v1"} {
		_, err := NewClient(RegionEurope, ts, WithBaseURL(raw))
		if err == nil || containsSecret(err.Error()) {
			t.Errorf("WithBaseURL(%q): err = %v", raw, err)
		}
	}
	if _, err := NewWorkerClient("", testEnv, "id", testSecret, WithBaseURL("https://api.pingone.eu/v1")); !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "WithAuthURL") {
		t.Errorf("no region, no auth URL: %v", err)
	}
}

func TestNilContextRefused(t *testing.T) {
	c, mt := newMockClient(t)
	rec := answer(mt, ok(`{}`))
	//lint:ignore SA1012 a nil ctx is exactly what this test sends
	_, err := c.Populations.Get(nil, testEnv, testPop)
	if !errors.Is(err, ErrInvalidArgument) || len(rec.sent()) != 0 {
		t.Errorf("nil ctx: %v, %d requests", err, len(rec.sent()))
	}
}

// TestDisabledLoggerCostsNothing: a logger that would drop debug lines allocates nothing more
// than no logger at all.
func TestDisabledLoggerCostsNothing(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	allocs := func(opts ...Option) float64 {
		c, mt := newMockClient(t, opts...)
		mt.RegisterNoResponder(func(*http.Request) (*http.Response, error) {
			r := httpmock.NewStringResponse(204, "")
			r.ContentLength = 0 // as net/http reports a 204
			return r, nil
		})
		// The least of a few runs: the transport's own count wavers by one between runs.
		least := math.Inf(1)
		for range 5 {
			least = min(least, testing.AllocsPerRun(200, func() { _ = c.Populations.Delete(context.Background(), testEnv, testPop) }))
		}
		return least
	}
	if none, q := allocs(), allocs(WithLogger(quiet)); q > none {
		t.Errorf("allocations per call: %.0f with a disabled logger, %.0f with none", q, none)
	}
}
