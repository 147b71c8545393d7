package pingone_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seedb6d25dc8/pingone"
	"github.com/seedb6d25dc8/pingone/pingonetest"
)

// The fault matrix: every operation against every fault pingonetest can inject, asserting the
// outcome and the exact number of requests the server saw. Everything the clients log or return
// is kept, and TestFaultMatrix ends by checking that no secret or token is in any of it.

type fixture struct {
	env, pop, user, other string
}

type matrixOp struct {
	name, method, path string
	idempotent         bool
	decodes            bool // the response body is decoded (Delete and MovePopulation discard it)
	run                func(context.Context, *pingone.Client, fixture) error
}

func matrixOps() []matrixOp {
	return []matrixOp{
		{"Create", "POST", "/v1/environments/*/populations", false, true, func(ctx context.Context, c *pingone.Client, f fixture) error {
			p, err := c.Populations.Create(ctx, f.env, &pingone.Population{Name: "Created"})
			return checkWhole(p, err)
		}},
		{"Get", "GET", "/v1/environments/*/populations/*", true, true, func(ctx context.Context, c *pingone.Client, f fixture) error {
			p, err := c.Populations.Get(ctx, f.env, f.pop)
			return checkWhole(p, err)
		}},
		{"List", "GET", "/v1/environments/*/populations", true, true, func(ctx context.Context, c *pingone.Client, f fixture) error {
			n := 0
			for p, err := range c.Populations.List(ctx, f.env, nil) {
				if err != nil {
					return err
				}
				if p.ID == "" || p.Name == "" {
					return fmt.Errorf("partial population %+v", p)
				}
				n++
			}
			if n != 3 {
				return fmt.Errorf("listed %d populations, want 3", n)
			}
			return nil
		}},
		{"Update", "PUT", "/v1/environments/*/populations/*", true, true, func(ctx context.Context, c *pingone.Client, f fixture) error {
			p, err := c.Populations.Update(ctx, f.env, f.pop, &pingone.Population{Name: "Renamed"})
			return checkWhole(p, err)
		}},
		{"Delete", "DELETE", "/v1/environments/*/populations/*", true, false, func(ctx context.Context, c *pingone.Client, f fixture) error {
			return c.Populations.Delete(ctx, f.env, f.pop)
		}},
		{"MovePopulation", "PUT", "/v1/environments/*/users/*/population", true, false, func(ctx context.Context, c *pingone.Client, f fixture) error {
			return c.Users.MovePopulation(ctx, f.env, f.user, f.pop)
		}},
	}
}

// checkWhole turns a population that came back partial into an error: a result is whole or absent.
func checkWhole(p *pingone.Population, err error) error {
	if err != nil {
		if p != nil {
			return fmt.Errorf("a result came back with the error %v", err)
		}
		return err
	}
	if p == nil || p.ID == "" || p.Name == "" || p.CreatedAt.IsZero() {
		return fmt.Errorf("partial population %+v", p)
	}
	return nil
}

type matrixFault struct {
	name    string
	fault   pingonetest.Fault
	policy  pingone.RetryPolicy
	timeout time.Duration
	// want returns the expected error (nil for success) and the exact number of requests; lo
	// and hi bound the count when the transport itself may retry a dropped connection.
	want    func(op matrixOp) (lo, hi int, wantErr error)
	minWait time.Duration // the call must take at least this long (a Retry-After was honoured)
	maxWait time.Duration // the call must end well before this (a deadline or cap was honoured)
}

// secrets collects every log line, error and formatted value the matrix produces.
type secrets struct {
	mu            sync.Mutex
	logs          bytes.Buffer
	texts         []string
	tokens        map[string]bool
	clientSecrets []string
}

func (s *secrets) add(texts ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.texts = append(s.texts, texts...)
}

func (s *secrets) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logs.Write(p)
}

// sniff records the bearer tokens the client sends, so the test knows what to look for.
type sniff struct {
	rt http.RoundTripper
	s  *secrets
}

func (t sniff) RoundTrip(r *http.Request) (*http.Response, error) {
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		t.s.mu.Lock()
		t.s.tokens[tok] = true
		t.s.mu.Unlock()
	}
	return t.rt.RoundTrip(r)
}

func newMatrixClient(t *testing.T, srv *pingonetest.Server, sec *secrets, policy pingone.RetryPolicy, opts ...pingone.Option) *pingone.Client {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(sec, &slog.HandlerOptions{Level: slog.LevelDebug}))
	base := []pingone.Option{pingone.WithRetryPolicy(policy), pingone.WithLogger(logger),
		pingone.WithHTTPClient(&http.Client{Transport: sniff{http.DefaultTransport, sec}})}
	c, err := srv.Client(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	sec.mu.Lock()
	sec.clientSecrets = append(sec.clientSecrets, srv.ClientSecret)
	sec.mu.Unlock()
	sec.add(fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c))
	for _, o := range base {
		sec.add(fmt.Sprintf("%v", o), fmt.Sprintf("%+v", o), fmt.Sprintf("%#v", o))
	}
	return c
}

// newFixture starts a server holding the default population, one more (pop), a third (other)
// and a user in the default population, then forgets the setup requests.
func newFixture(t *testing.T, opts ...pingonetest.Option) (*pingonetest.Server, fixture) {
	t.Helper()
	tn := newTenant(t, seed{populations: []string{"Target", "Other"}, users: 1, usersIn: -1}, opts...)
	return tn.srv, fixture{env: tn.env, pop: tn.pops[0].ID, user: tn.users[0], other: tn.pops[1].ID}
}

func countRequests(srv *pingonetest.Server, method, pattern string) int {
	n := 0
	for _, r := range srv.Requests() {
		if ok, _ := path.Match(pattern, r.Path); ok && r.Method == method {
			n++
		}
	}
	return n
}

func TestFaultMatrix(t *testing.T) {
	sec := &secrets{tokens: map[string]bool{}}
	quick := pingone.RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: 5 * time.Second}
	huge := `{"id":"x","name":"` + strings.Repeat("a", 33<<20) + `"}`
	ok := func(n int) func(matrixOp) (int, int, error) {
		return func(matrixOp) (int, int, error) { return n, n, nil }
	}
	faults := []matrixFault{
		{name: "429 Retry-After seconds", fault: pingonetest.Fault{Status: 429, RetryAfter: time.Second}, policy: quick,
			want: ok(2), minWait: time.Second},
		{name: "429 Retry-After HTTP date", fault: pingonetest.Fault{Status: 429, RetryAfter: 2 * time.Second, RetryAfterHTTPDate: true}, policy: quick,
			want: ok(2), minWait: time.Second},
		{name: "429 Retry-After capped by MaxWait", fault: pingonetest.Fault{Status: 429, RetryAfter: time.Hour},
			policy: pingone.RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: 50 * time.Millisecond}, want: ok(2), maxWait: 30 * time.Second},
		{name: "429 budget exhausted", fault: pingonetest.Fault{Status: 429, RetryAfter: time.Second, Times: 10},
			policy: pingone.RetryPolicy{MaxRetries: 2, MinWait: time.Millisecond, MaxWait: 10 * time.Millisecond},
			want:   func(matrixOp) (int, int, error) { return 3, 3, pingone.ErrRateLimited }},
		{name: "503 twice", fault: pingonetest.Fault{Status: 503, Times: 2}, policy: quick,
			want: func(op matrixOp) (int, int, error) {
				if op.idempotent {
					return 3, 3, nil
				}
				return 1, 1, pingone.ErrServerError
			}},
		{name: "500", fault: pingonetest.Fault{Status: 500}, policy: quick,
			want: func(op matrixOp) (int, int, error) {
				if op.idempotent {
					return 2, 2, nil
				}
				return 1, 1, pingone.ErrServerError
			}},
		{name: "HTML 502 page", fault: pingonetest.Fault{Status: 502, Body: "<html><body><h1>502 Bad Gateway</h1></body></html>", Times: 10}, policy: quick,
			want: func(op matrixOp) (int, int, error) {
				if op.idempotent {
					return 4, 4, pingone.ErrServerError
				}
				return 1, 1, pingone.ErrServerError
			}},
		{name: "connection closed", fault: pingonetest.Fault{CloseConnection: true, Times: 10}, policy: quick,
			want: func(op matrixOp) (int, int, error) {
				if op.idempotent {
					return 4, 8, errAny // net/http may itself retry an idempotent request once per attempt
				}
				return 1, 1, errAny
			}},
		{name: "truncated JSON", fault: pingonetest.Fault{Truncate: true, Times: 10}, policy: quick,
			want: func(op matrixOp) (int, int, error) {
				if op.decodes {
					return 1, 1, errAny
				}
				return 1, 1, nil // nothing to decode: the call itself succeeded
			}},
		{name: "2xx body over the size cap", fault: pingonetest.Fault{Status: 200, Body: huge, Times: 10}, policy: quick,
			want: func(op matrixOp) (int, int, error) {
				if op.decodes {
					return 1, 1, errTooLarge
				}
				return 1, 1, nil
			}},
		{name: "server slower than the deadline", fault: pingonetest.Fault{Delay: 5 * time.Second}, policy: quick, timeout: 100 * time.Millisecond,
			// On a loaded machine the deadline can pass before the request is written: 0 or 1.
			want: func(matrixOp) (int, int, error) { return 0, 1, context.DeadlineExceeded }, maxWait: 3 * time.Second},
		{name: "deadline during a backoff", fault: pingonetest.Fault{Status: 429, RetryAfter: 30 * time.Second, Times: 5},
			policy: pingone.RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: time.Minute}, timeout: 200 * time.Millisecond,
			want: func(matrixOp) (int, int, error) { return 0, 1, context.DeadlineExceeded }, maxWait: 10 * time.Second},
	}
	t.Run("matrix", func(t *testing.T) {
		for _, fl := range faults {
			for _, op := range matrixOps() {
				t.Run(fl.name+"/"+op.name, func(t *testing.T) {
					t.Parallel()
					srv, fx := newFixture(t)
					c := newMatrixClient(t, srv, sec, fl.policy)
					f := fl.fault
					f.Method, f.Path = op.method, op.path
					srv.Fail(f)
					ctx := context.Background()
					if fl.timeout > 0 {
						var cancel context.CancelFunc
						ctx, cancel = context.WithTimeout(ctx, fl.timeout)
						defer cancel()
					}
					start := time.Now()
					err := op.run(ctx, c, fx)
					elapsed := time.Since(start)
					if err != nil {
						sec.add(err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
					}
					lo, hi, wantErr := fl.want(op)
					switch {
					case wantErr == nil && err != nil:
						t.Errorf("err = %v, want success", err)
					case wantErr == errAny && err == nil, wantErr == errTooLarge && (err == nil || !strings.Contains(err.Error(), "larger than")):
						t.Errorf("err = %v, want a clear error", err)
					case wantErr != nil && wantErr != errAny && wantErr != errTooLarge && !errors.Is(err, wantErr):
						t.Errorf("err = %v, want %v", err, wantErr)
					}
					if n := countRequests(srv, op.method, op.path); n < lo || n > hi {
						t.Errorf("server saw %d %s requests, want %d..%d", n, op.method, lo, hi)
					}
					if fl.minWait > 0 && elapsed < fl.minWait {
						t.Errorf("returned after %v; Retry-After asked for at least %v", elapsed, fl.minWait)
					}
					if fl.maxWait > 0 && elapsed > fl.maxWait {
						t.Errorf("returned after %v; should have ended well within %v", elapsed, fl.maxWait)
					}
					if fl.name == "429 budget exhausted" {
						var apiErr *pingone.APIError
						if !errors.As(err, &apiErr) || apiErr.RetryAfter <= 0 || apiErr.RetryAfter > time.Second {
							t.Errorf("ErrRateLimited should carry RetryAfter (0, 1s]: %#v", apiErr)
						}
					}
					if op.name == "Create" {
						// Never a duplicate: at most one population called "Created".
						n := 0
						for p, err := range c.Populations.List(context.Background(), fx.env, nil) {
							if err == nil && p.Name == "Created" {
								n++
							}
						}
						// A fault answered with a status means the server did nothing.
						if n > 1 || (err != nil && fl.fault.Status != 0 && fl.fault.Status != 200 && n != 0) {
							t.Errorf("%d populations named Created after err %v", n, err)
						}
					}
				})
			}
		}
	})
	t.Run("token", func(t *testing.T) { testTokenFaults(t, sec) })
	t.Run("secrets", func(t *testing.T) {
		sec.mu.Lock()
		defer sec.mu.Unlock()
		if len(sec.tokens) == 0 || len(sec.clientSecrets) < 70 {
			t.Fatalf("%d tokens, %d secrets collected; the check would prove nothing", len(sec.tokens), len(sec.clientSecrets))
		}
		all := append([]string{sec.logs.String()}, sec.texts...)
		for _, s := range all {
			for tok := range sec.tokens {
				if strings.Contains(s, tok) {
					t.Errorf("an access token leaked: %.300s", s)
				}
			}
			for _, cs := range sec.clientSecrets {
				if strings.Contains(s, cs) {
					t.Errorf("a client secret leaked: %.300s", s)
				}
			}
		}
		if !strings.Contains(sec.logs.String(), "status=429") {
			t.Errorf("the debug log did not capture the matrix; the check would prove nothing")
		}
	})
}

var (
	errAny      = errors.New("any error")
	errTooLarge = errors.New("body too large")
)

func testTokenFaults(t *testing.T, sec *secrets) {
	quick := pingone.RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: 50 * time.Millisecond}
	get := func(ctx context.Context, c *pingone.Client, f fixture) error {
		p, err := c.Populations.Get(ctx, f.env, f.pop)
		if err != nil {
			sec.add(err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
		}
		return checkWhole(p, err)
	}
	apiGets := func(srv *pingonetest.Server) int {
		return countRequests(srv, "GET", "/v1/environments/*/populations/*")
	}

	t.Run("5xx then success", func(t *testing.T) {
		srv, fx := newFixture(t)
		srv.Fail(pingonetest.Fault{Path: "/*/as/token", Status: 503})
		c := newMatrixClient(t, srv, sec, quick)
		if err := get(t.Context(), c, fx); err != nil {
			t.Fatal(err)
		}
		if n := srv.TokenRequests(); n != 2 {
			t.Errorf("token requests = %d, want 2", n)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		srv, fx := newFixture(t)
		srv.Fail(pingonetest.Fault{Path: "/*/as/token", Delay: 5 * time.Second})
		c := newMatrixClient(t, srv, sec, quick, pingone.WithTokenTimeout(200*time.Millisecond))
		start := time.Now()
		err := get(context.Background(), c, fx)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 3*time.Second {
			t.Errorf("err = %v after %v, want a prompt DeadlineExceeded", err, time.Since(start))
		}
		if n := apiGets(srv); n != 0 {
			t.Errorf("API requests = %d without a token, want 0", n)
		}
	})
	t.Run("invalid_client", func(t *testing.T) {
		srv, fx := newFixture(t)
		sec.mu.Lock()
		sec.clientSecrets = append(sec.clientSecrets, srv.ClientSecret)
		sec.mu.Unlock()
		logger := slog.New(slog.NewTextHandler(sec, &slog.HandlerOptions{Level: slog.LevelDebug}))
		c, err := pingone.NewWorkerClient("", srv.EnvironmentID, srv.ClientID, srv.ClientSecret+"-wrong",
			pingone.WithBaseURL(srv.URL), pingone.WithAuthURL(srv.AuthURL), pingone.WithLogger(logger))
		if err != nil {
			t.Fatal(err)
		}
		err = get(t.Context(), c, fx)
		if !errors.Is(err, pingone.ErrUnauthorized) || !strings.Contains(err.Error(), "credentials were refused") {
			t.Errorf("err = %v, want ErrUnauthorized saying the credentials were refused", err)
		}
		if strings.Contains(err.Error(), srv.ClientSecret) {
			t.Errorf("the error holds the secret: %v", err)
		}
		// x/oauth2 tries client_secret_basic, then client_secret_post.
		if n := srv.TokenRequests(); n != 2 || apiGets(srv) != 0 {
			t.Errorf("token requests %d, API requests %d; want 2 and 0", n, apiGets(srv))
		}
	})
	t.Run("expiry mid-run", func(t *testing.T) {
		srv, fx := newFixture(t, pingonetest.WithTokenLifetime(time.Second))
		c := newMatrixClient(t, srv, sec, quick)
		for i := range 3 {
			if err := get(t.Context(), c, fx); err != nil {
				t.Fatal(err)
			}
			if i == 1 {
				time.Sleep(1100 * time.Millisecond)
			}
		}
		if n := srv.TokenRequests(); n != 2 {
			t.Errorf("token requests = %d, want 2 (one new token after expiry)", n)
		}
	})
	t.Run("revoked token", func(t *testing.T) {
		srv, fx := newFixture(t)
		c := newMatrixClient(t, srv, sec, quick)
		if err := get(t.Context(), c, fx); err != nil {
			t.Fatal(err)
		}
		srv.RevokeTokens()
		if err := get(t.Context(), c, fx); err != nil {
			t.Fatalf("after revocation: %v", err)
		}
		if srv.TokenRequests() != 2 || apiGets(srv) != 3 {
			t.Errorf("token requests %d, API requests %d; want 2 and 3", srv.TokenRequests(), apiGets(srv))
		}
	})
	t.Run("second 401", func(t *testing.T) {
		srv, fx := newFixture(t)
		c := newMatrixClient(t, srv, sec, quick)
		srv.Fail(pingonetest.Fault{Method: "GET", Path: "/v1/environments/*/populations/*", Status: 401, Code: "ACCESS_FAILED", Times: 5})
		if err := get(t.Context(), c, fx); !errors.Is(err, pingone.ErrUnauthorized) {
			t.Errorf("err = %v, want ErrUnauthorized", err)
		}
		if srv.TokenRequests() != 2 || apiGets(srv) != 2 {
			t.Errorf("token requests %d, API requests %d; want 2 and 2 (one refresh, no loop)", srv.TokenRequests(), apiGets(srv))
		}
	})
}
