package pingone

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jarcoal/httpmock"
	"golang.org/x/oauth2"
)

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
	if raceDetector {
		t.Skip("allocation counts under -race are noise; .ci/run runs this without it")
	}
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

func TestNullIsNotAResource(t *testing.T) {
	tests := []struct {
		name string
		body string
		call func(context.Context, *Client) error
	}{
		{"Get null", `null`, func(ctx context.Context, c *Client) error {
			_, err := c.Populations.Get(ctx, testEnv, testPop)
			return err
		}},
		{"Get  null with spaces", " \n null ", func(ctx context.Context, c *Client) error { _, err := c.Users.Get(ctx, testEnv, testUser); return err }},
		{"GetPopulation null", `null`, func(ctx context.Context, c *Client) error {
			_, err := c.Users.GetPopulation(ctx, testEnv, testUser)
			return err
		}},
		{"page null", `null`, func(ctx context.Context, c *Client) error {
			_, err := c.Populations.ListPage(ctx, testEnv, nil)
			return err
		}},
		{"null item", `{"_embedded":{"populations":[{"id":"a"},null]}}`, func(ctx context.Context, c *Client) error {
			_, err := c.Populations.ListPage(ctx, testEnv, nil)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mt := newMockClient(t)
			answer(mt, ok(tt.body))
			if err := tt.call(t.Context(), c); err == nil || !strings.Contains(err.Error(), "null") {
				t.Errorf("err = %v, want an error about null", err)
			}
		})
	}
}

func TestStalledServersEndTheCall(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("stall") == "headers" || strings.HasSuffix(r.URL.Path, "/never") {
			<-release
			return
		}
		// A whole, valid answer, then a body that never ends.
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"p","name":"n"}`+strings.Repeat(" ", 100))
		w.(http.Flusher).Flush()
		<-release
	}))
	defer srv.Close()
	defer close(release) // before Close, which waits for the handlers
	c, err := NewClient("", staticToken(), WithBaseURL(srv.URL+"/v1"), WithRetryPolicy(RetryPolicy{MaxRetries: 1, MinWait: time.Millisecond}),
		WithAttemptTimeout(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	run := func(name string, call func() error, wantErr bool) {
		t.Run(name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() { done <- call() }()
			select {
			case err := <-done:
				if (err != nil) != wantErr {
					t.Errorf("err = %v, want error %v", err, wantErr)
				}
			case <-time.After(30 * time.Second): // a liveness bound, not a speed check
				t.Fatal("the call hung")
			}
		})
	}
	run("no answer", func() error { _, err := c.Populations.Get(context.Background(), testEnv, "never"); return err }, true)
	t.Run("says the attempt timed out, not the caller's ctx", func(t *testing.T) {
		_, err := c.Populations.Get(context.Background(), testEnv, "never")
		var ne net.Error
		if errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() || !strings.Contains(err.Error(), "WithAttemptTimeout") {
			t.Errorf("err = %v; want a net.Error timeout naming WithAttemptTimeout, not context.DeadlineExceeded", err)
		}
	})
	run("a body that stalls after the JSON", func() error { _, err := c.Populations.Get(context.Background(), testEnv, testPop); return err }, false)
	run("a move whose body stalls", func() error { return c.Users.MovePopulation(context.Background(), testEnv, testUser, testPop) }, false)

	def, err := NewClient(RegionEurope, staticToken())
	if err != nil {
		t.Fatal(err)
	}
	attemptTimeout := func(c *Client) time.Duration {
		if c.hc.Timeout != 0 {
			t.Errorf("http.Client.Timeout = %v; attemptTransport bounds attempts instead", c.hc.Timeout)
		}
		return c.hc.Transport.(attemptTransport).timeout
	}
	if got := attemptTimeout(def); got != DefaultAttemptTimeout {
		t.Errorf("default attempt timeout %v, want %v", got, DefaultAttemptTimeout)
	}
	user := &http.Client{Timeout: time.Minute}
	mine, err := NewClient(RegionEurope, staticToken(), WithHTTPClient(user))
	if err != nil {
		t.Fatal(err)
	}
	if got := attemptTimeout(mine); got != time.Minute || user.Timeout != time.Minute {
		t.Errorf("the caller's client's timeout became %v (and theirs %v)", got, user.Timeout)
	}
}

// TestConnectionReuse: 1,000 sequential calls, of every kind of answer, use one TCP connection.
func TestConnectionReuse(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
		case strings.HasSuffix(r.URL.Path, "/populations"):
			_, _ = io.WriteString(w, `{"_embedded":{"populations":[{"id":"p","name":"P"}]},"count":1}`)
		default:
			_, _ = io.WriteString(w, `{"id":"p","name":"P"}`)
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c, err := NewClient("", staticToken(), WithBaseURL(srv.URL+"/v1"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		var err error
		switch i % 3 {
		case 0:
			_, err = c.Populations.Get(t.Context(), testEnv, testPop)
		case 1:
			err = c.Populations.Delete(t.Context(), testEnv, testPop)
		default:
			_, err = c.Populations.ListPage(t.Context(), testEnv, &ListOptions{Limit: 5})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	// One connection serves them all. net/http may dial a second while the first is still
	// on its way back to the idle pool (it races a dial against a returning connection), so
	// a loaded machine can see 2 or 3; without reuse it would be about 1000.
	if n := conns.Load(); n > 3 {
		t.Errorf("TCP connections = %d, want at most 3 for 1000 sequential calls", n)
	}
}

// addingTransport is a RoundTripper that breaks the contract the way real middleware does: it
// adds to the request's headers. It records what each request carried.
type addingTransport struct {
	mu   sync.Mutex
	seen [][]string
}

func (a *addingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	for _, k := range []string{"Authorization", "Accept", "User-Agent", "Content-Type"} {
		if len(req.Header[k]) > 0 {
			req.Header.Add(k, "added")
		}
	}
	a.mu.Lock()
	a.seen = append(a.seen, slices.Concat(req.Header["Authorization"], req.Header["Accept"], req.Header["User-Agent"], req.Header["Content-Type"]))
	a.mu.Unlock()
	return &http.Response{StatusCode: 204, Body: http.NoBody, Header: http.Header{}, Request: req}, nil
}

// TestSharedHeaderValues checks that the header values requests share (the token's, the
// client's Accept and User-Agent) are never changed by a transport that adds to a request's
// headers, however many calls run at once (run with -race).
func TestSharedHeaderValues(t *testing.T) {
	at := &addingTransport{}
	c, err := NewClient(RegionEurope, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: testToken}),
		WithHTTPClient(&http.Client{Transport: at}), WithUserAgent("ua-test"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			var err error
			if i%2 == 0 {
				err = c.Populations.Delete(t.Context(), testEnv, testPop)
			} else {
				err = c.Users.MovePopulation(t.Context(), testEnv, testUser, testPop)
			}
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	ua := c.userAgent[0]
	for _, got := range at.seen {
		want := []string{"Bearer " + testToken, "added", "application/json", "added", ua, "added"}
		if len(got) == 8 { // a move has a body
			want = append(want, "application/json", "added")
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("headers a request carried (-want +got):\n%s", diff)
		}
	}
	if len(at.seen) != 50 {
		t.Fatalf("%d requests, want 50", len(at.seen))
	}
}
