// Package pingonetest is an in-memory PingOne for tests: a stateful fake of the worker token
// endpoint, populations and users, on a loopback httptest server. It is shaped like
// net/http/httptest and needs no *testing.T, so Example functions can use it too.
//
//	srv := pingonetest.NewServer()
//	defer srv.Close()
//	c, err := srv.Client()
//	pop, err := c.Populations.Create(ctx, srv.EnvironmentID, &pingone.Population{Name: "Staff"})
//
// It accepts only what PingOne documents, so that code passing against it relies on nothing
// PingOne leaves undocumented: the documented SCIM filters and nothing else, limit up to the documented maximum,
// request bodies with exactly the members PingOne defines (decoded by the fake's own types, not
// the SDK's). It behaves as PingOne documents: unique population names, one default population
// that setting another clears, no deletion of the default population, of one with users or of
// the last one, server-filled theme and language, PUT as a full replace, cursor paging with
// absolute next links, user PUT (replace), PATCH (only what is given) and import (password and
// lifecycle status, checked with CheckPassword), a user read with its population expanded, a
// population's default identity provider, bearer tokens that expire, rate limits, and PingOne-shaped error bodies
// with a Correlation-Id header. Faults can be injected with Fail. Where PingOne is silent the
// fake chooses, and an option selects the other plausible behaviour; README.md lists both kinds
// of rule, and the conformance suite checks them against a real tenant.
package pingonetest

import (
	"crypto/rand"
	"crypto/subtle"
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
	seq           int     // deterministic resource ids and timestamps
	auxSeq        int     // deterministic correlation and error ids, apart so resource ids do not depend on request counts
	filters       grammar // filterGrammar, built once
	envs          map[string]*environment
	tokens        map[string]token
	faults        []*Fault
	requests      []Request
	tokenRequests int
	tokenSeq      int       // deterministic tokens: the last one issued
	window        time.Time // start of the current rate-limit second
	windowCount   int
	bucket        float64   // WithTokenBucket: tokens left at bucketAt
	bucketAt      time.Time // zero: the bucket is full
}

type config struct {
	pageSize       int
	tokenLifetime  time.Duration
	rateLimit      int
	tokenBucket    bool
	deterministic  bool
	conflictStatus int
	latency        time.Duration
	// Rules PingOne does not document; README.md lists them with their defaults.
	undefault           Undefault
	caseSensitiveNames  bool
	deleteStatus        int
	deleteDetail        string
	filterInCursor      bool
	ignoreUnknownFields bool
}

// Option configures a Server.
type Option func(*config)

// WithPageSize sets the page size of a list without limit, which is also the largest page served
// (default 100; 0 or less means the default): a larger limit, up to the documented maximum of
// 1000, is accepted and served in pages of this size, as PingOne warns it may do.
func WithPageSize(n int) Option { return func(c *config) { c.pageSize = n } }

// WithTokenLifetime sets how long access tokens live (default one hour, as in PingOne; 0 or less
// means the default).
func WithTokenLifetime(d time.Duration) Option { return func(c *config) { c.tokenLifetime = d } }

// WithRateLimit answers API requests beyond perSecond in any one second with 429 REQUEST_LIMITED
// and a Retry-After header. The token endpoint is not limited.
func WithRateLimit(perSecond int) Option { return func(c *config) { c.rateLimit = perSecond } }

// WithTokenBucket makes WithRateLimit count with a token bucket instead of fixed one-second
// windows: the bucket holds perSecond tokens (a second's burst) and refills continuously at
// perSecond a second; a request takes a token or is answered 429, with a Retry-After of the
// time until the next token, rounded up to whole seconds. PingOne does not document how it
// counts; fixed windows stay the default, and this is another plausible choice, for checking
// that a client does not depend on either.
func WithTokenBucket() Option { return func(c *config) { c.tokenBucket = true } }

// WithLatency delays every request (token requests too) by d before serving it, as a network
// round trip of d would, so benchmarks see what users wait for. The wait follows the request's
// context: when the client gives up (its ctx ends and it drops the connection), the handler
// stops waiting at once and serves nothing, so no handler is left sleeping.
func WithLatency(d time.Duration) Option { return func(c *config) { c.latency = d } }

// WithDeterministicIDs makes ids, tokens and timestamps predictable (a counter), for Example
// output and golden files. Tokens are "pingonetest-token-1", "-2", …; one RevokeTokens revoked
// is never issued again.
func WithDeterministicIDs() Option { return func(c *config) { c.deterministic = true } }

// WithConflictStatus sets the status of a duplicate-name or duplicate-username error: 409 (the
// default) or 400, the two behaviours PingOne's sources disagree on. The body carries an
// UNIQUENESS_VIOLATION detail either way. Any other value means 409.
func WithConflictStatus(status int) Option { return func(c *config) { c.conflictStatus = status } }

// Undefault is what a PUT that leaves out "default" or sends false does to the current default
// population. PingOne does not document it.
type Undefault int

const (
	// UndefaultRefused answers 400 INVALID_DATA with an INVALID_VALUE detail on default: an
	// environment keeps exactly one default population, changed by making another one the
	// default. The fake's default.
	UndefaultRefused Undefault = iota
	// UndefaultIgnored keeps the population the default and applies the rest of the PUT.
	UndefaultIgnored
	// UndefaultAllowed clears the flag and leaves the environment without a default population;
	// a user created without a population is then refused.
	UndefaultAllowed
)

// WithUndefault sets what un-defaulting the default population does (default UndefaultRefused).
func WithUndefault(u Undefault) Option { return func(c *config) { c.undefault = u } }

// WithCaseSensitiveNames makes population names unique only when equal byte for byte, so "Staff"
// and "staff" may coexist. By default names are unique ignoring case, as usernames are documented
// to be. Filters compare ignoring case either way.
func WithCaseSensitiveNames() Option { return func(c *config) { c.caseSensitiveNames = true } }

// WithDeleteRefusal sets how a refused population delete (the default population, one with users,
// the last one) is answered: its status, and the code of its one detail ("" for no details). The
// default is 400 INVALID_DATA with a CONSTRAINT_VIOLATION detail, which the Terraform provider saw
// for the last population; PingOne documents only that these deletes fail. A status outside
// 400–499 means 400.
func WithDeleteRefusal(status int, detailCode string) Option {
	return func(c *config) { c.deleteStatus, c.deleteDetail = status, detailCode }
}

// WithFilterInCursor makes the next links of a filtered list carry only limit and cursor, the
// filter being kept inside the cursor, where by default they repeat the filter and the cursor is
// only a position. No PingOne source shows a filtered next link; a client must work with both.
func WithFilterInCursor() Option { return func(c *config) { c.filterInCursor = true } }

// WithUnknownFieldsIgnored makes population bodies (and the body of a user's population move)
// ignore members other than the writable ones: read-only ones such as id or userCount, or
// unknown ones. By default such a member is refused with 400 INVALID_DATA naming it. PingOne
// documents that user bodies ignore unknown attributes, and says nothing for these.
func WithUnknownFieldsIgnored() Option { return func(c *config) { c.ignoreUnknownFields = true } }

// Request is one request the server received.
type Request struct {
	// Method is the HTTP method, such as "GET".
	Method string
	// Path is the URL path, such as "/v1/environments/{envID}/populations".
	Path string
	// Query is the raw query, such as "filter=name+eq+%22Staff%22".
	Query string
	// Header holds the request headers, with the Authorization value redacted.
	Header http.Header
	// Body is the request body, with a client_secret form field redacted.
	Body string
	// Time is when the request arrived.
	Time time.Time
	// Status is the status answered: 0 when the connection was dropped or the request is
	// still running.
	Status int
}

// Fault makes the next Times requests matching Method and Path fail. A Status answers with a
// PingOne error (or Body) without touching state; Delay waits first (then the request is served
// unless another field says otherwise); CloseConnection drops the connection without a response;
// Truncate serves the request but cuts the response body in half. Server.Fail refuses a fault
// that could never fire or that sets fields with no effect.
type Fault struct {
	// Method is the HTTP method to match, in any case ("put" matches PUT); "" matches any.
	Method string
	// Path is a path.Match pattern for the request path: an API path starting with /v1/, such
	// as "/v1/environments/*/populations", or the token endpoint, "/*/as/token". "" matches
	// any path.
	Path string
	// Status answers with this status (200 to 599) and a PingOne error body, or Body.
	Status int
	// Code is the PingOne code of the error body; by default one that suits Status, such as
	// "REQUEST_LIMITED" for 429.
	Code string
	// Body is sent instead of a PingOne error (as text/html when it starts with '<').
	Body string
	// RetryAfter sets the Retry-After header, in whole seconds (rounded up).
	RetryAfter time.Duration
	// RetryAfterHTTPDate sends Retry-After as an HTTP date (now + RetryAfter) instead of seconds.
	RetryAfterHTTPDate bool
	// Times is how many matching requests the fault hits; 0 means 1.
	Times int
	// Delay holds each matching request this long before it is answered (or served, when no
	// other field says otherwise); the request ends early if the client gives up.
	Delay time.Duration
	// Apply serves the request against the state first and then answers with Status anyway:
	// a success the client never hears about, as when a proxy fails after PingOne acted.
	Apply bool
	// CloseConnection drops the connection without answering.
	CloseConnection bool
	// Truncate serves the request but sends only the first half of the response body.
	Truncate bool
}

type token struct {
	env     string
	expires time.Time
}

type environment struct {
	id        string
	theme     string        // the environment's default theme, which a population without one gets
	pops      []*population // creation order
	users     []*user
	usernames map[string]bool  // lowercased, for uniqueness without a scan
	userByID  map[string]*user // for lookups without a scan
}

func (e *environment) usernameTaken(name string) bool { return e.usernames[strings.ToLower(name)] }

// NewServer starts a fake PingOne on a loopback port. Close it when done.
func NewServer(opts ...Option) *Server {
	s := &Server{envs: map[string]*environment{}, tokens: map[string]token{}, filters: filterGrammar()}
	s.cfg = config{pageSize: 100, tokenLifetime: time.Hour, conflictStatus: http.StatusConflict,
		deleteStatus: http.StatusBadRequest, deleteDetail: "CONSTRAINT_VIOLATION"}
	for _, o := range opts {
		if o != nil {
			o(&s.cfg)
		}
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
	if s.cfg.deleteStatus < 400 || s.cfg.deleteStatus > 499 {
		s.cfg.deleteStatus = http.StatusBadRequest
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL + "/v1"
	s.AuthURL = s.srv.URL
	s.mu.Lock()
	defer s.mu.Unlock()
	env := &environment{id: s.newID(), usernames: map[string]bool{}, userByID: map[string]*user{}}
	env.theme = s.newAuxID() // apart from resource ids, so those stay as they were before themes
	s.envs[env.id] = env
	now := s.now()
	env.pops = append(env.pops, &population{ID: s.newID(), created: now, updated: now, populationBody: populationBody{
		Name: "Default", Description: "The default population", Default: true, PreferredLanguage: "en", Theme: &ref{env.theme},
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

// Fail queues a fault for the next matching requests. It returns an error, and queues nothing,
// for a fault that could never fire (an unknown method, a path outside /v1/ and the token
// endpoint, a malformed pattern) or that sets a field with no effect (Body, Code, RetryAfter or
// Apply without Status; more than one of Status, CloseConnection and Truncate); a test should
// check it.
func (s *Server) Fail(f Fault) error {
	if err := f.check(); err != nil {
		return err
	}
	if f.Times == 0 {
		f.Times = 1
	}
	s.mu.Lock()
	s.faults = append(s.faults, &f)
	s.mu.Unlock()
	return nil
}

// Faults returns the faults still queued, in the order they are matched, each with the Times
// it has left.
func (s *Server) Faults() []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Fault, len(s.faults))
	for i, f := range s.faults {
		out[i] = *f
	}
	return out
}

// check reports why f could never fire or would not do what it says.
func (f *Fault) check() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("pingonetest: fault on %q %q: "+format, append([]any{f.Method, f.Path}, args...)...)
	}
	switch strings.ToUpper(f.Method) {
	case "", http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodHead, http.MethodOptions:
	default:
		return bad("unknown method %q", f.Method)
	}
	if f.Path != "" {
		if _, err := path.Match(f.Path, ""); err != nil {
			return bad("path %q is not a path.Match pattern", f.Path)
		}
		if !strings.HasPrefix(f.Path, "/v1/") && !strings.HasSuffix(f.Path, "/as/token") {
			return bad("path %q never matches: API paths start with /v1/, as in /v1/environments/*/populations, and the token endpoint is /*/as/token", f.Path)
		}
	}
	effects := 0
	for _, set := range []bool{f.Status != 0, f.CloseConnection, f.Truncate} {
		if set {
			effects++
		}
	}
	switch {
	case f.Status != 0 && (f.Status < 200 || f.Status > 599):
		return bad("status %d is not between 200 and 599", f.Status)
	case effects > 1:
		return bad("set only one of Status, CloseConnection and Truncate")
	case effects == 0 && f.Delay == 0:
		return bad("does nothing: set Status, Delay, CloseConnection or Truncate")
	case f.Status == 0 && (f.Body != "" || f.Code != "" || f.RetryAfter != 0 || f.RetryAfterHTTPDate || f.Apply):
		return bad("Body, Code, RetryAfter, RetryAfterHTTPDate and Apply need a Status")
	case f.Times < 0 || f.Delay < 0 || f.RetryAfter < 0:
		return bad("Times, Delay and RetryAfter must not be negative")
	}
	return nil
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
// without requests or rate limits, and returns their ids. Usernames are "seed-<k>". A negative n
// is an error.
func (s *Server) SeedUsers(populationID string, n int) ([]string, error) {
	if n < 0 {
		return nil, fmt.Errorf("pingonetest: cannot seed %d users", n)
	}
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
		u := s.addUser(e, userBody{Username: fmt.Sprintf("seed-%d", k), Email: fmt.Sprintf("seed-%d@example.com", k)}, pop.ID)
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

// CheckPassword reports whether userID, in any environment, was imported with the password pw.
// PingOne never returns a password, so this helper is how a test checks an import.
func (s *Server) CheckPassword(userID, pw string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.envs {
		if u := e.user(userID); u != nil {
			return u.password != "" && subtle.ConstantTimeCompare([]byte(u.password), []byte(pw)) == 1
		}
	}
	return false
}
