// Package pingonetest is an in-memory PingOne for tests: a stateful fake of the worker token
// endpoint, populations and users, on a loopback httptest server. It is shaped like
// net/http/httptest and needs no *testing.T, so Example functions can use it too.
//
//	srv := pingonetest.NewServer()
//	defer srv.Close()
//	c, err := srv.Client()
//	pop, err := c.Populations.Create(ctx, srv.EnvironmentID, &pingone.Population{Name: "Staff"})
//
// It enforces what PingOne documents: unique population names (ignoring case), exactly one
// default population, no deletion of the default population, of a population with users or of
// the last population, cursor paging with absolute next links, a SCIM filter subset, bearer
// tokens that expire, rate limits, and PingOne-shaped error bodies with a Correlation-Id header.
// Faults can be injected with Fail. See the README of this package for where it has to choose
// between undocumented behaviours.
package pingonetest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/seedb6d25dc8/pingone"
)

// Server is a fake PingOne. It is safe for concurrent use.
type Server struct {
	// URL is the API base, such as http://127.0.0.1:41234/v1.
	URL string
	// AuthURL is the authorization server base: tokens come from AuthURL/EnvironmentID/as/token.
	AuthURL string
	// EnvironmentID is the environment created at start, holding a default population
	// named "Default" and the worker app.
	EnvironmentID string
	// ClientID and ClientSecret are the worker app's credentials.
	ClientID, ClientSecret string

	srv *httptest.Server
	cfg config

	mu            sync.Mutex
	seq           int // deterministic resource ids and timestamps
	auxSeq        int // deterministic correlation and error ids, apart so resource ids do not depend on request counts
	envs          map[string]*environment
	tokens        map[string]token
	faults        []*Fault
	requests      []Request
	tokenRequests int
	window        time.Time // start of the current rate-limit second
	windowCount   int
}

type config struct {
	pageSize       int
	tokenLifetime  time.Duration
	rateLimit      int
	deterministic  bool
	conflictStatus int
	latency        time.Duration
}

// Option configures a Server.
type Option func(*config)

// WithPageSize sets the default page size, which is also the largest limit honoured (default
// 100; 0 or less means the default).
func WithPageSize(n int) Option { return func(c *config) { c.pageSize = n } }

// WithTokenLifetime sets how long access tokens live (default one hour, as in PingOne; 0 or less
// means the default).
func WithTokenLifetime(d time.Duration) Option { return func(c *config) { c.tokenLifetime = d } }

// WithRateLimit answers API requests beyond perSecond in any one second with 429 REQUEST_LIMITED
// and a Retry-After header. The token endpoint is not limited.
func WithRateLimit(perSecond int) Option { return func(c *config) { c.rateLimit = perSecond } }

// WithLatency delays every request (token requests too) by d before serving it, as a network
// round trip of d would, so benchmarks see what users wait for. The wait follows the request's
// context: when the client gives up (its ctx ends and it drops the connection), the handler
// stops waiting at once and serves nothing, so no handler is left sleeping.
func WithLatency(d time.Duration) Option { return func(c *config) { c.latency = d } }

// WithDeterministicIDs makes ids, tokens and timestamps predictable (a counter), for Example
// output and golden files.
func WithDeterministicIDs() Option { return func(c *config) { c.deterministic = true } }

// WithConflictStatus sets the status of a duplicate-name or duplicate-username error: 409 (the
// default) or 400, the two behaviours PingOne's sources disagree on. The body carries an
// UNIQUENESS_VIOLATION detail either way. Any other value means 409.
func WithConflictStatus(status int) Option { return func(c *config) { c.conflictStatus = status } }

// Request is one request the server received.
type Request struct {
	Method string
	Path   string
	Query  string      // raw query
	Header http.Header // Authorization redacted
	Body   string      // client_secret redacted
	Time   time.Time   // when it arrived
	Status int         // the status answered (0 when the connection was dropped or the request is still running)
}

// Fault makes the next Times requests matching Method and Path fail. A Status answers with a
// PingOne error (or Body) without touching state; Delay waits first (then the request is served
// unless another field says otherwise); CloseConnection drops the connection without a response;
// Truncate serves the request but cuts the response body in half.
type Fault struct {
	Method     string        // "" matches any method
	Path       string        // a path.Match pattern, such as "/v1/environments/*/populations"; "" matches any
	Status     int           // answer with this status
	Code       string        // PingOne code of the error body; default from Status
	Body       string        // raw body instead of a PingOne error (text/html when it starts with '<')
	RetryAfter time.Duration // Retry-After header, in whole seconds (rounded up)
	// RetryAfterHTTPDate sends Retry-After as an HTTP date (now + RetryAfter) instead of seconds.
	RetryAfterHTTPDate bool
	Times              int // how many requests it hits; 0 means 1
	Delay              time.Duration
	// Apply serves the request against the state first and then answers with Status anyway:
	// a success the client never hears about, as when a proxy fails after PingOne acted.
	Apply           bool
	CloseConnection bool
	Truncate        bool
}

type token struct {
	env     string
	expires time.Time
}

type environment struct {
	id        string
	pops      []*population // creation order
	users     []*user
	usernames map[string]bool  // lowercased, for uniqueness without a scan
	userByID  map[string]*user // for lookups without a scan
}

func (e *environment) usernameTaken(name string) bool { return e.usernames[strings.ToLower(name)] }

type population struct {
	pingone.Population
}

type user struct {
	pingone.User
}

// NewServer starts a fake PingOne on a loopback port. Close it when done.
func NewServer(opts ...Option) *Server {
	s := &Server{envs: map[string]*environment{}, tokens: map[string]token{}}
	s.cfg = config{pageSize: 100, tokenLifetime: time.Hour, conflictStatus: http.StatusConflict}
	for _, o := range opts {
		o(&s.cfg)
	}
	if s.cfg.pageSize <= 0 {
		s.cfg.pageSize = 100
	}
	if s.cfg.tokenLifetime <= 0 {
		s.cfg.tokenLifetime = time.Hour
	}
	if s.cfg.conflictStatus != http.StatusBadRequest {
		s.cfg.conflictStatus = http.StatusConflict
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL + "/v1"
	s.AuthURL = s.srv.URL
	s.mu.Lock()
	defer s.mu.Unlock()
	env := &environment{id: s.newID(), usernames: map[string]bool{}, userByID: map[string]*user{}}
	s.envs[env.id] = env
	now := s.now()
	env.pops = append(env.pops, &population{pingone.Population{
		ID: s.newID(), Environment: &pingone.Ref{ID: env.id}, Name: "Default", Description: "The default population",
		Default: true, PreferredLanguage: "en", CreatedAt: now, UpdatedAt: now,
	}})
	s.EnvironmentID = env.id
	s.ClientID = s.newID()
	if s.cfg.deterministic {
		s.ClientSecret = "pingonetest-secret"
	} else {
		s.ClientSecret = randomString(24)
	}
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Client returns a worker client wired to this server; opts are applied after the server's own.
func (s *Server) Client(opts ...pingone.Option) (*pingone.Client, error) {
	base := []pingone.Option{pingone.WithBaseURL(s.URL), pingone.WithAuthURL(s.AuthURL)}
	return pingone.NewWorkerClient("", s.EnvironmentID, s.ClientID, s.ClientSecret, append(base, opts...)...)
}

// Fail queues a fault for the next matching requests.
func (s *Server) Fail(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	s.faults = append(s.faults, &f)
	s.mu.Unlock()
}

// Requests returns the requests received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// TokenRequests returns how many token requests the server received.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenRequests
}

// Reset forgets the recorded requests, the token request count and any fault still queued. The
// environment's populations and users stay.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests, s.tokenRequests, s.faults = nil, 0, nil
}

// SeedUsers adds n users to the population (the default one when populationID is "") directly,
// without requests or rate limits, and returns their ids. Usernames are "seed-<k>".
func (s *Server) SeedUsers(populationID string, n int) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.envs[s.EnvironmentID]
	var pop *population
	for _, p := range e.pops {
		if p.ID == populationID || (populationID == "" && p.Default) {
			pop = p
		}
	}
	if pop == nil {
		return nil, fmt.Errorf("pingonetest: no population %q", populationID)
	}
	ids := make([]string, 0, n)
	for range n {
		k := len(e.users)
		for e.usernameTaken(fmt.Sprintf("seed-%d", k)) {
			k++
		}
		u := s.addUser(e, pingone.User{Username: fmt.Sprintf("seed-%d", k), Email: fmt.Sprintf("seed-%d@example.com", k)}, pop.ID)
		ids = append(ids, u.ID)
	}
	return ids, nil
}

// RevokeTokens invalidates every access token issued so far, as a key rotation would: the next
// API call with one of them gets 401.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// newID returns a lowercase UUID (a counter in deterministic mode). Callers hold s.mu.
func (s *Server) newID() string {
	if s.cfg.deterministic {
		s.seq++
		return fmt.Sprintf("00000000-0000-4000-8000-%012d", s.seq)
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// newAuxID returns an id for a correlation id or an error document. Callers hold s.mu.
func (s *Server) newAuxID() string {
	if s.cfg.deterministic {
		s.auxSeq++
		return fmt.Sprintf("00000000-0000-4000-9000-%012d", s.auxSeq)
	}
	return s.newID()
}

// now returns the time to stamp on resources (a counter in deterministic mode). Callers hold s.mu.
func (s *Server) now() time.Time {
	if s.cfg.deterministic {
		s.seq++
		return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(s.seq) * time.Second)
	}
	return time.Now().UTC().Truncate(time.Millisecond)
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// takeFault returns the first queued fault matching r, consuming one of its Times.
func (s *Server) takeFault(r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, r.Method) {
			continue
		}
		if f.Path != "" {
			if ok, _ := path.Match(f.Path, r.URL.Path); !ok {
				continue
			}
		}
		f.Times--
		if f.Times == 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		cp := *f
		return &cp
	}
	return nil
}
