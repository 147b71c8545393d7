// Package pingone is a client for the PingOne management API's populations and users: create,
// rename, re-default and delete populations, and move users between them.
//
//	c, err := pingone.NewWorkerClient(pingone.RegionEurope, adminEnvID, clientID, clientSecret)
//	pop, err := c.Populations.Create(ctx, envID, &pingone.Population{Name: "Contractors"})
//	err = c.Users.MovePopulation(ctx, envID, userID, pop.ID)
//
// # Authentication
//
// NewWorkerClient fetches tokens for a worker application with the client-credentials grant,
// caches them and refreshes them before they expire; NewClient takes any oauth2.TokenSource.
// The bearer token is only ever sent to the configured API host.
//
// # Errors
//
// A non-2xx response is an *APIError; errors.Is matches it against ErrNotFound, ErrConflict,
// ErrRateLimited and the other sentinels. Input refused before sending is ErrInvalidArgument.
//
// # Pagination
//
// List methods return an iter.Seq2 that fetches pages lazily as you range; ListPage methods
// return one page and a cursor to resume from.
//
// # Retries
//
// A 429 is retried for every method, honouring Retry-After; 408, 500, 502, 503, 504 and
// connection errors are retried for GET, PUT and DELETE only, never for POST or PATCH, since
// PingOne has no idempotency keys and the first attempt may have taken effect. See RetryPolicy.
//
// A Client is safe for concurrent use by many goroutines; create one and reuse it.
package pingone

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"iter"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/oauth2"
)

// Version is the SDK's version, sent in the User-Agent header.
const Version = "0.1.0"

// maxBody caps a successful response body. A page of 1,000 populations is under 1 MiB; anything
// far larger is a broken or hostile server, and reading it whole would exhaust memory.
const maxBody = 32 << 20

// Client is a PingOne management API client. It is safe for concurrent use; create one and reuse
// it, so that its token and connections are shared.
type Client struct {
	// Populations manages populations.
	Populations *PopulationsService
	// Users manages users and their population membership.
	Users *UsersService

	base      *url.URL // API base, such as https://api.pingone.eu/v1 (no trailing slash)
	tokens    *tokenCache
	idem      *retryablehttp.Client // GET, PUT, DELETE
	post      *retryablehttp.Client // POST: only 429 is retried
	userAgent string
	hide      secrets // the client secret's forms, redacted from every error
	logger    *slog.Logger
	decoders  *sync.Pool  // *bodyDecoder; a pointer, so WithCorrelationIDs can copy a Client
	corr      correlation // X-Ping-External-* headers sent with every call

	environmentID string // the worker app's environment, for EnvironmentID; "" for NewClient
	settle        settling
}

// settling is how a call waits out PingOne's eventual consistency (WithEventualConsistency).
type settling struct {
	within      time.Duration // the waits add up to at most this; 0 turns it off
	first, most time.Duration // the first wait, doubled each time up to most
}

// transient reports whether err is an answer that eventual consistency may explain, to a method
// that is safe to send again.
func (s settling) transient(method string, err error) bool {
	var e *APIError
	return s.within > 0 && method != http.MethodPost && errors.As(err, &e) &&
		(e.StatusCode == http.StatusNotFound || e.StatusCode == http.StatusForbidden)
}

// next returns the wait after one of prev, when the waits so far add up to waited, or false once
// they have used up s.within. Waits are counted, not clocked, so the number of attempts does not
// depend on how long each one takes.
func (s settling) next(waited, prev time.Duration) (time.Duration, bool) {
	left := s.within - waited
	if left <= 0 {
		return 0, false
	}
	w := s.first
	if prev > 0 {
		w = prev * 2
	}
	return min(w, s.most, left), true
}

// Option configures a Client.
type Option func(*settings)

type settings struct {
	baseURL, authURL string
	tokenURL         string
	settleWithin     time.Duration
	httpClient       *http.Client
	userAgent        string
	retry            *RetryPolicy
	logger           *slog.Logger
	tokenTimeout     time.Duration
	attemptTimeout   time.Duration
	authMethod       TokenAuthMethod
	correlation      CorrelationIDs
}

// DefaultAttemptTimeout bounds one attempt of a request, from sending it to reading the whole
// response, unless WithAttemptTimeout or the http.Client given to WithHTTPClient says otherwise.
// A page of 1,000 users arrives in well under a second; a server that accepts a request and never
// answers must not hang a call made with context.Background() forever.
const DefaultAttemptTimeout = 60 * time.Second

// WithBaseURL overrides the API base URL, such as "https://api.pingone.eu/v1" or a fake's URL.
// It must be https; plain http is accepted for loopback hosts only. Behind a proxy or a custom
// domain, the next-page links PingOne writes on its own API host are followed through this URL.
func WithBaseURL(apiURL string) Option { return func(s *settings) { s.baseURL = apiURL } }

// WithAuthURL overrides the authorization server's base URL (tokens come from
// <authURL>/<environmentID>/as/token). It must be https; plain http is accepted for loopback
// hosts only.
func WithAuthURL(authURL string) Option { return func(s *settings) { s.authURL = authURL } }

// WithTokenURL sets the worker app's token endpoint exactly, for a custom domain, whose token URL
// has no environment segment: "https://auth.example.com/as/token". It wins over WithAuthURL and
// the region. It must be https; plain http is accepted for loopback hosts only.
func WithTokenURL(tokenURL string) Option { return func(s *settings) { s.tokenURL = tokenURL } }

// WithEventualConsistency makes GET, PUT and DELETE calls ride out PingOne's eventual
// consistency: a 404 or 403 is retried, with waits growing from 200 ms to 2 s, until the waits
// add up to d; then the caller gets the last *APIError. PingOne documents that such errors can
// be transient: its API description attributes a 404, and a 403, to "eventual consistency after
// a recent environment creation" (a 403 "may occur if the environment doesn't exist" yet), and
// a role just granted to the worker app takes a moment to apply. PingOne's official Go client
// retries these for 30 s, the community SDK for 17 s.
//
// It is off by default (d = 0), so that a real 404 fails at once. POST is never retried this
// way. Every wait ends when the call's ctx is done; the error then matches both the *APIError's
// sentinel (such as ErrNotFound) and the ctx's error.
func WithEventualConsistency(d time.Duration) Option {
	return func(s *settings) { s.settleWithin = d }
}

// WithHTTPClient sets the HTTP client whose transport carries the requests. The Client uses a
// copy of it (with a redirect policy that refuses other hosts) and never changes the original.
func WithHTTPClient(hc *http.Client) Option { return func(s *settings) { s.httpClient = hc } }

// WithUserAgent puts the caller's product, such as "acme-sync/1.2", before the SDK's own
// User-Agent.
func WithUserAgent(ua string) Option { return func(s *settings) { s.userAgent = ua } }

// WithRetryPolicy replaces the default retry policy; RetryPolicy{MaxRetries: 0} turns retries off.
func WithRetryPolicy(p RetryPolicy) Option { return func(s *settings) { s.retry = &p } }

// WithLogger logs each attempt (method, path, status, attempt, duration, and the correlation IDs
// when set) and each retry at debug level. No other header value and no body is ever logged. By
// default nothing is logged.
func WithLogger(l *slog.Logger) Option { return func(s *settings) { s.logger = l } }

// WithAttemptTimeout bounds each attempt of a request, from sending it to reading the whole
// response body (default DefaultAttemptTimeout, or the Timeout of the http.Client given to
// WithHTTPClient when it has one). An attempt that times out is retried like a dropped connection
// (GET, PUT and DELETE only); the call's ctx bounds the whole call, retries included.
func WithAttemptTimeout(d time.Duration) Option { return func(s *settings) { s.attemptTimeout = d } }

// WithTokenTimeout bounds one token fetch, retries included (default 30 s). A caller's ctx can end
// its own wait sooner.
func WithTokenTimeout(d time.Duration) Option { return func(s *settings) { s.tokenTimeout = d } }

// RetryPolicy says how often and how long to retry. A 429 is retried for every method; 408, 500,
// 502, 503, 504 and connection errors for GET, PUT and DELETE only. Waits grow exponentially from
// MinWait with jitter, up to MaxWait; a Retry-After header is honoured (capped at MaxWait). Every
// wait ends at once when the call's ctx is done. After the last attempt the caller gets the
// *APIError of the last response.
type RetryPolicy struct {
	MaxRetries int           // retries after the first attempt; 0 turns retries off
	MinWait    time.Duration // first backoff; 0 means 500 ms
	MaxWait    time.Duration // longest single wait, a bulk job's pause after a 429 included; 0 means 30 s
}

// DefaultRetryPolicy returns the policy a Client uses unless told otherwise: 4 retries, waits from
// 500 ms up to 30 s.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxRetries: 4, MinWait: 500 * time.Millisecond, MaxWait: 30 * time.Second}
}

// NewClient returns a client for the region's API that authenticates with ts. Tokens from ts are
// cached until they expire. region may be "" when WithBaseURL is given.
func NewClient(region Region, ts oauth2.TokenSource, opts ...Option) (*Client, error) {
	if ts == nil {
		return nil, invalidArgf("nil token source")
	}
	s := applyOptions(opts)
	c, _, err := newClient(region, s)
	if err != nil {
		return nil, err
	}
	c.tokens = newTokenCache(func(context.Context) (*oauth2.Token, error) { return ts.Token() }, s.tokenTimeout, false)
	return c, nil
}

// NewWorkerClient returns a client that authenticates as a PingOne worker application with the
// client-credentials grant at <auth URL>/<environmentID>/as/token (or the URL WithTokenURL
// gives), where environmentID is the environment holding the worker app. The token is fetched once for any number of concurrent
// callers, cached, and refreshed before it expires; a 401 from the API drops it and retries the
// call once with a new one. The client secret may be sent as client_secret_basic or
// client_secret_post: the first that the app accepts is used.
func NewWorkerClient(region Region, environmentID, clientID, clientSecret string, opts ...Option) (*Client, error) {
	if err := checkSegment("environment ID", environmentID); err != nil {
		return nil, err
	}
	if clientID == "" || clientSecret == "" {
		return nil, invalidArgf("client ID and client secret are required")
	}
	s := applyOptions(opts)
	c, hc, err := newClient(region, s)
	if err != nil {
		return nil, err
	}
	tokenURL, err := s.workerTokenURL(region, environmentID)
	if err != nil {
		return nil, err
	}
	style, err := s.authMethod.style()
	if err != nil {
		return nil, err
	}
	hide := append(secretForms(clientSecret), basicForms(clientID, clientSecret)...)
	c.hide = hide
	creds := &workerCredentials{id: clientID, secret: clientSecret, tokenURL: tokenURL.String(), path: tokenURL.Path, hide: hide, style: style}
	// The token request goes through the same policy as the API: retried on 429, 5xx and
	// connection errors (asking for a token twice is harmless).
	tokenRetry := c.retryClient(hc, s.retry, true, false)
	tokenHTTP := &http.Client{Transport: &retryablehttp.RoundTripper{Client: tokenRetry}, CheckRedirect: hc.CheckRedirect}
	c.environmentID = environmentID
	c.tokens = newTokenCache(func(ctx context.Context) (*oauth2.Token, error) {
		return creds.token(context.WithValue(ctx, oauth2.HTTPClient, tokenHTTP))
	}, s.tokenTimeout, true)
	return c, nil
}

// workerTokenURL is WithTokenURL as given, or <auth URL>/<environmentID>/as/token.
func (s *settings) workerTokenURL(region Region, environmentID string) (*url.URL, error) {
	if s.tokenURL != "" {
		return parseServiceURL("token URL (WithTokenURL)", s.tokenURL)
	}
	authURL := s.authURL
	if authURL == "" {
		if region == "" {
			return nil, invalidArgf("a region, WithAuthURL or WithTokenURL is required")
		}
		authURL = region.AuthURL()
	}
	au, err := parseServiceURL("auth URL (WithAuthURL)", authURL)
	if err != nil {
		return nil, err
	}
	return au.JoinPath(environmentID, "as", "token"), nil
}

func applyOptions(opts []Option) *settings {
	s := &settings{tokenTimeout: 30 * time.Second}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	return s
}

// newClient builds everything but the token source, and returns the HTTP client it derived.
func newClient(region Region, s *settings) (*Client, *http.Client, error) {
	if region != "" && region.TLD() == "" {
		if _, err := ParseRegion(string(region)); err != nil {
			return nil, nil, err
		}
	}
	baseURL := s.baseURL
	if baseURL == "" {
		if region == "" {
			return nil, nil, invalidArgf("a region or WithBaseURL is required")
		}
		baseURL = region.APIURL()
	}
	base, err := parseAPIURL("base URL (WithBaseURL)", baseURL)
	if err != nil {
		return nil, nil, err
	}
	if s.retry != nil {
		if err := s.retry.validate(); err != nil {
			return nil, nil, err
		}
	}
	if s.tokenTimeout <= 0 {
		return nil, nil, invalidArgf("token timeout must be positive")
	}
	if s.attemptTimeout < 0 {
		return nil, nil, invalidArgf("attempt timeout must not be negative")
	}
	if s.settleWithin < 0 {
		return nil, nil, invalidArgf("eventual consistency wait must not be negative")
	}
	if strings.ContainsFunc(s.userAgent, unicode.IsControl) {
		return nil, nil, invalidArgf("user agent contains control characters")
	}
	hc := httpClient(s.httpClient, s.attemptTimeout)
	c := &Client{base: base, logger: s.logger, decoders: new(sync.Pool)}
	c.settle = settling{within: s.settleWithin, first: 200 * time.Millisecond, most: 2 * time.Second}
	if err := c.setCorrelation(s.correlation); err != nil {
		return nil, nil, err
	}
	c.userAgent = "pingone-go/" + Version + " (" + runtime.Version() + "; " + runtime.GOOS + "/" + runtime.GOARCH + ")"
	if s.userAgent != "" {
		c.userAgent = s.userAgent + " " + c.userAgent
	}
	c.idem = c.retryClient(hc, s.retry, true, true)
	c.post = c.retryClient(hc, s.retry, false, true)
	c.Populations = &PopulationsService{c: c}
	c.Users = &UsersService{c: c}
	return c, hc, nil
}

// CloseIdleConnections closes the idle keep-alive connections of the client's transport, as
// http.Client.CloseIdleConnections does. Calls in flight are not affected.
func (c *Client) CloseIdleConnections() {
	if t, ok := c.idem.HTTPClient.Transport.(noCloseIdle); ok {
		if ci, ok := t.rt.(interface{ CloseIdleConnections() }); ok {
			ci.CloseIdleConnections()
		}
	}
}

// String describes the client without any credential.
func (c *Client) String() string {
	if c == nil || c.base == nil {
		return "pingone.Client{}"
	}
	return "pingone.Client{" + c.base.String() + "}"
}

// GoString is String, so %#v cannot print credentials either.
func (c *Client) GoString() string { return c.String() }

// parseServiceURL checks a base URL: absolute, https (http only on loopback), no query or fragment.
func parseServiceURL(what, raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, invalidArgf("bad %s: not a URL", what) // url's error would repeat raw, password and all
	}
	shown := u.Redacted()
	if u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, invalidArgf("bad %s %q: want an absolute https URL", what, shown)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return nil, invalidArgf("bad %s %q: plain http is allowed only for loopback hosts", what, shown)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, invalidArgf("bad %s %q: no user info, query or fragment allowed", what, shown)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// noCloseIdle hides the transport's CloseIdleConnections: go-retryablehttp calls it whenever a
// call gives up, which would drop every pooled connection of the whole Client.
type noCloseIdle struct{ rt http.RoundTripper }

func (t noCloseIdle) RoundTrip(r *http.Request) (*http.Response, error) { return t.rt.RoundTrip(r) }

var errCrossHostRedirect = errors.New("pingone: refusing to follow a redirect to another host")

// httpClient copies the caller's client (or makes one), bounds each attempt by timeout, and adds
// a redirect policy that refuses other hosts and scheme changes, so a redirect can never carry a
// credential elsewhere.
func httpClient(user *http.Client, timeout time.Duration) *http.Client {
	var hc http.Client
	if user != nil {
		hc = *user
	} else {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 64 // the default of 2 churns connections under concurrency
		hc.Transport = t
	}
	if hc.Transport == nil {
		hc.Transport = http.DefaultTransport
	}
	hc.Transport = noCloseIdle{hc.Transport}
	if timeout > 0 {
		hc.Timeout = timeout
	} else if hc.Timeout == 0 {
		hc.Timeout = DefaultAttemptTimeout
	}
	next := hc.CheckRedirect
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != via[0].URL.Host || req.URL.Scheme != via[0].URL.Scheme {
			return fmt.Errorf("%w %s", errCrossHostRedirect, req.URL.Host)
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("pingone: stopped after 10 redirects")
		}
		return nil
	}
	return &hc
}

func (p *RetryPolicy) validate() error {
	if p.MaxRetries < 0 || p.MinWait < 0 || p.MaxWait < 0 {
		return invalidArgf("retry policy values must not be negative")
	}
	return nil
}

// retryClient builds the go-retryablehttp client for idempotent or non-idempotent requests.
// apiCalls says whether the requests are API calls, whose ctx may carry this package's call marks
// (attempt log, bulk pacing); the token request shares a caller's ctx values but not its marks.
func (c *Client) retryClient(hc *http.Client, p *RetryPolicy, idempotent, apiCalls bool) *retryablehttp.Client {
	pol := DefaultRetryPolicy()
	if p != nil {
		pol.MaxRetries = p.MaxRetries
		pol.MinWait = cmp.Or(p.MinWait, pol.MinWait) // zero means the default
		pol.MaxWait = cmp.Or(p.MaxWait, pol.MaxWait)
	}
	return &retryablehttp.Client{
		HTTPClient:   hc,
		RetryMax:     pol.MaxRetries,
		RetryWaitMin: pol.MinWait,
		RetryWaitMax: max(pol.MaxWait, pol.MinWait),
		CheckRetry:   c.checkRetry(idempotent, apiCalls),
		Backoff:      c.backoff,
		ErrorHandler: giveUp,
	}
}

// checkRetry decides whether an attempt is retried, following PingOne's guidance.
func (c *Client) checkRetry(idempotent, apiCalls bool) retryablehttp.CheckRetry {
	return func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		if l, ok := ctx.Value(callLogKey{}).(*callLog); ok && apiCalls {
			l.attempt(ctx, resp, err)
		}
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return false, ctxErr
			}
			if !idempotent || errors.Is(err, errCrossHostRedirect) {
				return false, nil
			}
			// go-retryablehttp knows the other errors that a retry cannot fix (bad scheme,
			// too many redirects, bad header, untrusted certificate).
			retry, _ := retryablehttp.DefaultRetryPolicy(ctx, nil, err)
			return retry, nil
		}
		retry := false
		switch resp.StatusCode {
		case http.StatusTooManyRequests:
			// The server did nothing: safe for every method. Bulk jobs pace themselves and
			// want to see the 429 instead.
			retry = !apiCalls || ctx.Value(pacedKey{}) == nil
		case http.StatusRequestTimeout, http.StatusInternalServerError, http.StatusBadGateway,
			http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			retry = idempotent
		}
		if !retry {
			// A response that arrived is the server's answer even if ctx ended as it did:
			// discarding a 2xx would report a change the server made as not made.
			return false, nil
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return false, ctxErr
		}
		return true, nil
	}
}

// backoff honours Retry-After on 429 and 503, and otherwise grows exponentially with jitter.
func (c *Client) backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	wait := time.Duration(-1)
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			wait = min(d, maxWait)
		}
	}
	if wait < 0 {
		exp := minWait // doubled without overflowing, however large the attempt or the waits
		for i := 0; i < attempt && exp < maxWait; i++ {
			exp *= 2
		}
		exp = max(min(exp, maxWait), 0)
		// "Equal jitter": at least half the exponential step, so many clients spread out
		// without any of them retrying at once.
		wait = exp/2 + rand.N(exp/2+1)
	}
	if c.logger != nil && resp != nil {
		c.logRetry(resp, attempt, wait)
	}
	return wait
}

// logRetry logs a retry at debug level. A response from a custom transport (a test double, say)
// may have no Request: then there is no ctx, method or path to log, but still no panic.
func (c *Client) logRetry(resp *http.Response, attempt int, wait time.Duration) {
	ctx := context.Background()
	attrs := make([]slog.Attr, 0, 5)
	if r := resp.Request; r != nil && r.URL != nil {
		ctx = r.Context()
		// The path may be a next link the server chose to echo the token in.
		path := c.secretsOf(r.Header.Get("Authorization"), nil).redact(r.URL.Path)
		attrs = append(attrs, slog.String("method", r.Method), slog.String("path", path))
	}
	if !c.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs = append(attrs, slog.Int("status", resp.StatusCode), slog.Int("retry", attempt+1), slog.Duration("wait", wait))
	c.logger.LogAttrs(ctx, slog.LevelDebug, "pingone: retrying", attrs...)
}

// giveUp returns the last response (so the caller gets its *APIError) or the error.
func giveUp(resp *http.Response, err error, _ int) (*http.Response, error) {
	if err != nil && resp != nil {
		drain(resp.Body)
		resp = nil
	}
	return resp, err
}

// callLog carries what the per-attempt log line needs; it exists only when a logger is set, so
// calls without one allocate nothing for logging.
type callLog struct {
	logger       *slog.Logger
	method, path string
	n            int
	start        time.Time
}

type callLogKey struct{}

// pacedKey marks a ctx whose calls are paced by a bulk job, which handles 429s itself.
type pacedKey struct{}

func (l *callLog) attempt(ctx context.Context, resp *http.Response, err error) {
	l.n++
	attrs := []slog.Attr{slog.String("method", l.method), slog.String("path", l.path),
		slog.Int("attempt", l.n), slog.Duration("duration", time.Since(l.start))}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode), slog.String("correlation_id", resp.Header.Get("Correlation-Id")))
	}
	if err != nil {
		var ue *url.Error // its text repeats the URL, query (filters, PII) included
		if errors.As(err, &ue) {
			err = ue.Err
		}
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	l.logger.LogAttrs(ctx, slog.LevelDebug, "pingone: request", attrs...)
	l.start = time.Now()
}

// decoder is a response body type that decodes itself from a jsontext stream.
type decoder interface {
	UnmarshalJSONFrom(*jsontext.Decoder) error
}

// endpoint builds an API URL from alternating literal segments and IDs. Every ID is checked and
// path-escaped, so "../x" or "a/b" can never address another resource.
func (c *Client) endpoint(segs ...string) (*url.URL, error) {
	n := len(c.base.Path)
	for i, s := range segs {
		if i%2 == 1 {
			if err := checkSegment(strings.TrimSuffix(segs[i-1], "s")+" ID", s); err != nil {
				return nil, err
			}
		}
		n += 1 + len(s)
	}
	// One allocation for the path: this runs on every call.
	b := make([]byte, 0, n)
	b = append(b, c.base.Path...)
	escaped := false
	for _, s := range segs {
		b = append(append(b, '/'), s...)
		escaped = escaped || url.PathEscape(s) != s
	}
	u := *c.base
	u.Path = string(b)
	if escaped {
		var e strings.Builder
		e.WriteString(c.base.EscapedPath())
		for _, s := range segs {
			e.WriteString("/" + url.PathEscape(s))
		}
		u.RawPath = e.String()
	}
	return &u, nil
}

// checkSegment refuses IDs that are empty or could change which resource a path addresses.
func checkSegment(what, id string) error {
	switch {
	case id == "":
		return invalidArgf("empty %s", what)
	case id == "." || id == ".." || strings.Contains(id, ".."):
		return invalidArgf("bad %s %q: must not contain \"..\"", what, id)
	case strings.ContainsAny(id, "/?#%\\"):
		return invalidArgf("bad %s %q: must not contain '/', '?', '#', '%%' or '\\'", what, id)
	case strings.ContainsFunc(id, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) || r == unicode.ReplacementChar }):
		return invalidArgf("bad %s %q: must not contain spaces or control characters", what, id)
	}
	return nil
}

// sameOrigin reports whether u is on the API's scheme and host, the only place the bearer token goes.
func (c *Client) sameOrigin(u *url.URL) bool {
	return u.Scheme == c.base.Scheme && strings.EqualFold(u.Host, c.base.Host)
}

// do is the single request path: it encodes in, authenticates, sends with retries, maps non-2xx
// responses to *APIError and decodes a 2xx body into out (when out is not nil).
func (c *Client) do(ctx context.Context, method string, u *url.URL, in any, out decoder) error {
	return c.send(ctx, method, u, in, out, nil)
}

// send is do with what one call adds (a media type, secrets its body carries); opts may be nil.
func (c *Client) send(ctx context.Context, method string, u *url.URL, in any, out decoder, opts *callOpts) error {
	if !c.sameOrigin(u) {
		return fmt.Errorf("pingone: refusing to send credentials to %s://%s, which is not the API host", u.Scheme, u.Host)
	}
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("pingone: encode %s %s body: %w", method, u.Path, err)
		}
	}
	rc := c.idem
	if !idempotent(method) {
		rc = c.post
	}
	if ctx == nil {
		return invalidArgf("nil context")
	}
	// Attempt logs cost allocations, so only when a logger would write them.
	var l *callLog
	if c.logger != nil && c.logger.Enabled(ctx, slog.LevelDebug) {
		l = &callLog{logger: c.logger, method: method, path: u.Path, start: time.Now()}
		ctx = context.WithValue(ctx, callLogKey{}, l)
	}
	refreshed := false
	var waited, wait time.Duration // waiting out eventual consistency
	for {
		bearer, err := c.tokens.get(ctx)
		if err != nil {
			return err
		}
		// A next page link is the server's choice, and the server knows the token: the path
		// and a transport error's URL may echo it.
		if l != nil {
			l.path = c.secretsOf(bearer, opts.secrets()).redact(u.Path)
		}
		req, err := c.newRequest(ctx, method, u, bearer, body)
		if err != nil {
			return c.secretsOf(bearer, opts.secrets()).redactErr(fmt.Errorf("pingone: %s %s: %w", method, u.Path, err))
		}
		c.corr.set(req.Header)
		opts.set(req.Header)
		resp, err := rc.Do(req)
		if err != nil {
			return c.secretsOf(bearer, opts.secrets()).redactErr(fmt.Errorf("pingone: %s %s: %w", method, u.Path, err))
		}
		if resp.StatusCode == http.StatusUnauthorized && c.tokens.refreshable && !refreshed {
			// The token may have been revoked or expired early: drop it and try once more
			// with a new one. A second 401 is the caller's.
			drain(resp.Body)
			c.tokens.invalidate(bearer)
			refreshed = true
			continue
		}
		err = c.handle(resp, method, u.Path, out, bearer, opts.secrets())
		if c.settle.transient(method, err) {
			var more bool
			if wait, more = c.settle.next(waited, wait); more {
				if werr := sleepCtx(ctx, wait); werr != nil {
					return fmt.Errorf("%w (stopped waiting for it to pass: %w)", err, werr)
				}
				waited += wait
				continue
			}
		}
		return err
	}
}

// newRequest builds one attempt's request. It fills http.Request directly rather than through
// http.NewRequest, which would format and re-parse the URL, and puts every header value in one
// backing array: this runs on every call.
func (c *Client) newRequest(ctx context.Context, method string, u *url.URL, bearer string, body []byte) (*retryablehttp.Request, error) {
	vals := [...]string{bearer, "application/json", c.userAgent}
	hdr := http.Header{"Authorization": vals[0:1:1], "Accept": vals[1:2:2], "User-Agent": vals[2:3:3]}
	if body != nil {
		hdr["Content-Type"] = vals[1:2:2]
	}
	hr := (&http.Request{Method: method, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: hdr, Host: u.Host}).WithContext(ctx)
	req, err := retryablehttp.FromRequest(hr)
	if err != nil {
		return nil, err
	}
	if body == nil {
		req.Body = http.NoBody // as http.NewRequest would, for transports that read it
		return req, nil
	}
	return req, req.SetBody(body)
}

// handle turns a response into an error or a decoded body, and always closes the body.
func (c *Client) handle(resp *http.Response, method, path string, out decoder, bearer string, extra secrets) error {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer drain(resp.Body)
		return newAPIError(resp, method, path, c.secretsOf(bearer, extra))
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		if resp.ContentLength == 0 {
			_ = resp.Body.Close() // nothing to drain, so no timer to arm
		} else {
			drain(resp.Body)
		}
		return nil
	}
	bd, _ := c.decoders.Get().(*bodyDecoder)
	if bd == nil {
		bd = &bodyDecoder{}
		bd.dec = jsontext.NewDecoder(&bd.body, decodeOptions)
	}
	bd.body = cappedReader{r: resp.Body, n: maxBody}
	bd.dec.Reset(&bd.body, decodeOptions)
	var err error
	if bd.dec.PeekKind() == 'n' {
		err = errNullBody // a decoder would read null as a zero value: an empty population, no error
	} else {
		err = out.UnmarshalJSONFrom(bd.dec)
	}
	tooLarge := bd.body.n < 0
	if bd.body.eof {
		_ = resp.Body.Close() // nothing left to drain
	} else {
		drain(resp.Body)
	}
	bd.body.r = nil // the pool must not keep the response alive
	c.decoders.Put(bd)
	if err != nil {
		if tooLarge {
			err = fmt.Errorf("body larger than %d bytes", maxBody)
		}
		// A decode error may quote what the server sent, which may echo a credential.
		// The path may be a next link the server chose, echoing the token too.
		hide := c.secretsOf(bearer, extra)
		return hide.redactErr(fmt.Errorf("pingone: %s %s: decode %d response (correlation id %q): %w", method, hide.redact(path), resp.StatusCode, hide.redact(resp.Header.Get("Correlation-Id")), hide.redactErr(err)))
	}
	return nil
}

// secretsOf returns what an error built from a response must not hold: the bearer token the
// request carried, the client secret and the call's own (extra), in every form a server could echo them.
func (c *Client) secretsOf(bearer string, extra secrets) secrets {
	return append(append(secretForms(strings.TrimPrefix(bearer, "Bearer ")), c.hide...), extra...)
}

// bodyDecoder is a pooled JSON decoder with the capped reader it reads from; reusing both saves
// the decoder's buffer on every response.
type bodyDecoder struct {
	dec  *jsontext.Decoder
	body cappedReader
}

// cappedReader fails once more than n bytes have been read, and notes when r reached its end.
type cappedReader struct {
	r   io.Reader
	n   int64
	eof bool
}

var (
	errBodyTooLarge = errors.New("response body too large")
	errNullBody     = errors.New("body is null, not a JSON object")
)

// maxPageItems bounds the items one page may hold. PingOne's largest documented page is 5,000
// (environments; users allow 1,000): a page with more is a broken or hostile server, and
// decoding a million tiny items would take hundreds of MiB from a body well under maxBody.
const maxPageItems = 5000

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.n < 0 {
		return 0, errBodyTooLarge
	}
	if int64(len(p)) > c.n+1 {
		p = p[:c.n+1]
	}
	n, err := c.r.Read(p)
	c.n -= int64(n)
	c.eof = err == io.EOF
	if c.n < 0 {
		return n, errBodyTooLarge
	}
	return n, err
}

// drainTimeout bounds how long drain waits for the rest of a body.
const drainTimeout = time.Second

// drain reads what is left of a body (up to 64 KiB, for up to drainTimeout) so the connection can
// be reused, then closes it. A server that stalls after its answer costs one connection, never a
// hung call: closing the body ends a read blocked on it.
func drain(body io.ReadCloser) {
	if body == http.NoBody {
		return
	}
	t := time.AfterFunc(drainTimeout, func() { _ = body.Close() })
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	t.Stop()
	_ = body.Close()
}

// pageOf decodes a collection envelope: _embedded.<collection>, _links.next and count, in one
// pass with no intermediate map.
type pageOf[T any, PT interface {
	*T
	decoder
}] struct {
	collection string
	page       Page[T]
	next       string
}

func (p *pageOf[T, PT]) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return decodeObject(dec, func(name []byte) (err error) {
		switch string(name) {
		case "_embedded":
			return decodeObject(dec, func(name []byte) error {
				if string(name) != p.collection {
					return dec.SkipValue()
				}
				return decodeArray(dec, func() error {
					if dec.PeekKind() == 'n' {
						return errors.New("null item")
					}
					if len(p.page.Items) == maxPageItems {
						return fmt.Errorf("more than %d items in one page", maxPageItems)
					}
					var zero T
					p.page.Items = append(p.page.Items, zero)
					return PT(&p.page.Items[len(p.page.Items)-1]).UnmarshalJSONFrom(dec)
				})
			})
		case "_links":
			return decodeObject(dec, func(name []byte) error {
				if string(name) != "next" {
					return dec.SkipValue()
				}
				return decodeObject(dec, func(name []byte) (err error) {
					if string(name) != "href" {
						return dec.SkipValue()
					}
					p.next, err = readString(dec)
					return err
				})
			})
		case "count":
			p.page.Count, err = readInt(dec)
			return err
		}
		return dec.SkipValue()
	})
}

// decodeArray reads one JSON array (or null), calling elem for each element.
func decodeArray(dec *jsontext.Decoder, elem func() error) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case 'n':
		return nil
	case '[':
	default:
		return fmt.Errorf("want a JSON array, got %v", tok.Kind())
	}
	for dec.PeekKind() != ']' {
		if err := elem(); err != nil {
			return err
		}
	}
	_, err = dec.ReadToken()
	return err
}

// cursorPrefix starts every cursor this SDK makes; the rest is the next link's query,
// base64url-encoded. Older cursors (a bare cursor= value, or a whole next link) still work.
const cursorPrefix = "pingone:"

// listURL builds the first page's URL, or resumes from opts.Cursor.
func (c *Client) listURL(opts *ListOptions, segs ...string) (*url.URL, error) {
	u, err := c.endpoint(segs...)
	if err != nil {
		return nil, err
	}
	if opts == nil {
		return u, nil
	}
	if opts.Limit < 0 {
		return nil, invalidArgf("negative limit %d", opts.Limit)
	}
	cur := opts.Cursor
	switch {
	case strings.HasPrefix(cur, cursorPrefix):
		q, err := base64.RawURLEncoding.DecodeString(cur[len(cursorPrefix):])
		if err != nil || strings.ContainsFunc(string(q), func(r rune) bool { return r <= ' ' || r >= 0x7f || r == '#' }) {
			return nil, invalidArgf("bad cursor: not one a Page returned")
		}
		u.RawQuery = string(q)
		return u, resumes(opts, u)
	case strings.HasPrefix(cur, "https://") || strings.HasPrefix(cur, "http://"):
		// A whole next link: what cursors were when the link had no cursor parameter, and are
		// when it points elsewhere than the listing's own path.
		if u, err = c.nextURL(cur); err != nil {
			return nil, err
		}
		return u, resumes(opts, u)
	}
	q := url.Values{}
	if opts.Filter != "" {
		q.Set("filter", opts.Filter)
	}
	if opts.Limit > 0 {
		q.Set("limit", fmt.Sprint(opts.Limit))
	}
	if cur != "" {
		q.Set("cursor", cur) // a bare cursor value, as older versions returned
	}
	u.RawQuery = q.Encode()
	return u, nil
}

// resumes checks that the Filter and Limit given with a cursor are those of the listing it
// resumes, where its link names them: the cursor is only valid for that listing.
func resumes(opts *ListOptions, u *url.URL) error {
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return invalidArgf("bad cursor: not one a Page returned")
	}
	if opts.Filter != "" && q.Has("filter") && q.Get("filter") != opts.Filter {
		return invalidArgf("the cursor resumes a listing with another filter; pass the cursor alone")
	}
	if opts.Limit > 0 && q.Has("limit") && q.Get("limit") != strconv.Itoa(opts.Limit) {
		return invalidArgf("the cursor resumes a listing with another limit; pass the cursor alone")
	}
	return nil
}

// nextURL checks a _links.next href. The bearer token goes only to the configured API host, so
// a link elsewhere is refused, with one exception: PingOne writes absolute links on its public
// API host (https://api.pingone.<tld>/v1/…), which a client behind a proxy or a custom domain
// (WithBaseURL) must map back to its own base URL. Such a link is re-based: its path after /v1
// and its query are appended to the base URL, and its host is never called.
func (c *Client) nextURL(href string) (*url.URL, error) {
	// The errors do not quote the link: the server wrote it and may have put the token in it.
	u, err := c.base.Parse(href)
	if err != nil {
		return nil, errors.New("pingone: the next page link is not a valid URL; not following it")
	}
	if c.sameOrigin(u) {
		return u, nil
	}
	path := u.EscapedPath()
	if isPingOneAPIHost(u) && (path == "/v1" || strings.HasPrefix(path, "/v1/")) {
		r, err := url.Parse(c.base.Scheme + "://" + c.base.Host + c.base.EscapedPath() + strings.TrimPrefix(path, "/v1"))
		if err == nil {
			r.RawQuery = u.RawQuery
			return r, nil
		}
	}
	return nil, errors.New("pingone: the next page link points to a host that is not the API host; not following it")
}

// isPingOneAPIHost reports whether u is on the https API host of one of PingOne's regions.
func isPingOneAPIHost(u *url.URL) bool {
	if u.Scheme != "https" || u.User != nil || (u.Port() != "" && u.Port() != "443") {
		return false
	}
	for _, r := range regions() {
		if strings.EqualFold(u.Hostname(), "api.pingone."+r.TLD()) {
			return true
		}
	}
	return false
}

// cursorOf makes the cursor that resumes a listing at next, the link that followed the page at
// page: the link's query, which is all PingOne needs to go on, from any process. A link to
// another path (never seen from PingOne) is kept whole, as nextURL checks it again on resuming.
func cursorOf(next, page *url.URL) string {
	if next.EscapedPath() != page.EscapedPath() || next.RawQuery == "" {
		return next.String()
	}
	return cursorPrefix + base64.RawURLEncoding.EncodeToString([]byte(next.RawQuery))
}

// fetchPage GETs one page of collection and returns it with the checked link to the next page.
func fetchPage[T any, PT interface {
	*T
	decoder
}](ctx context.Context, c *Client, u *url.URL, collection string) (*Page[T], *url.URL, error) {
	p := &pageOf[T, PT]{collection: collection}
	if err := c.do(ctx, http.MethodGet, u, nil, p); err != nil {
		return nil, nil, err
	}
	if p.next == "" {
		return &p.page, nil, nil
	}
	next, err := c.nextURL(p.next)
	if err != nil {
		return nil, nil, err
	}
	p.page.NextCursor = cursorOf(next, u)
	return &p.page, next, nil
}

// listPage is ListPage for any collection.
func listPage[T any, PT interface {
	*T
	decoder
}](ctx context.Context, c *Client, opts *ListOptions, collection string, segs ...string) (*Page[T], error) {
	u, err := c.listURL(opts, segs...)
	if err != nil {
		return nil, err
	}
	p, _, err := fetchPage[T, PT](ctx, c, u, collection)
	return p, err
}

// listAll is List for any collection: lazy, one page in memory at a time, following the next
// links verbatim; it yields one error and stops.
func listAll[T any, PT interface {
	*T
	decoder
}](ctx context.Context, c *Client, opts *ListOptions, collection string, segs ...string) iter.Seq2[*T, error] {
	var o *ListOptions
	if opts != nil {
		cp := *opts // later changes to the caller's opts do not affect a running iteration
		o = &cp
	}
	return func(yield func(*T, error) bool) {
		u, err := c.listURL(o, segs...)
		var guard loopGuard
		if u != nil {
			guard.path = u.Path // ours, unlike the next links' paths, which may echo the token
		}
		for err == nil && u != nil {
			if err = guard.visit(u); err != nil {
				break
			}
			var p *Page[T]
			if p, u, err = fetchPage[T, PT](ctx, c, u, collection); err != nil {
				break
			}
			if err = guard.page(len(p.Items), u); err != nil {
				break
			}
			if err = guard.items(pageKey(p.Items)); err != nil {
				break
			}
			for i := range p.Items {
				if !yield(&p.Items[i], nil) {
					return
				}
			}
		}
		if err != nil {
			yield(nil, err)
		}
	}
}

// maxEmptyPages is how many pages in a row may hold no item but still link to a next page.
// PingOne ends a listing with its last page; a server that sends empty pages with fresh cursors
// would otherwise keep a loop fetching forever without ever giving its body a chance to break.
const maxEmptyPages = 10

// loopGuard ends a listing whose next links go round in circles, or that keeps sending empty
// pages, with an error instead of fetching forever.
type loopGuard struct {
	path  string          // the listing's own path, for errors
	seen  map[string]bool // the cursors (or, without one, the normalised URLs) fetched so far
	empty int             // pages in a row without an item
	pages map[uint64]bool // the keys of the pages fetched so far (pageKey)
}

// visit records a page about to be fetched and refuses one this listing has fetched before.
func (g *loopGuard) visit(u *url.URL) error {
	q := u.Query()
	key := q.Get("cursor")
	if key == "" {
		key = u.Path + "?" + q.Encode() // Encode sorts, so reordered parameters are the same page
	}
	if g.seen[key] {
		return fmt.Errorf("pingone: GET %s: the next page link repeats a page this listing already fetched; stopping", g.path)
	}
	if g.seen == nil {
		g.seen = make(map[string]bool)
	}
	g.seen[key] = true
	return nil
}

// page counts a fetched page's items, given the link to the page after it (nil on the last).
func (g *loopGuard) page(items int, next *url.URL) error {
	if items > 0 || next == nil {
		g.empty = 0
		return nil
	}
	if g.empty++; g.empty >= maxEmptyPages {
		return fmt.Errorf("pingone: GET %s: %d pages in a row held no item yet linked to another; stopping", g.path, g.empty)
	}
	return nil
}

// items refuses a page whose items, in order, are those of a page this listing already fetched:
// a server can serve the same pages again and again under fresh cursors, which visit cannot see.
// PingOne never lists a resource twice in one listing. key is pageKey's; ok false skips the check.
func (g *loopGuard) items(key uint64, ok bool) error {
	if !ok {
		return nil
	}
	if g.pages[key] {
		return fmt.Errorf("pingone: GET %s: a page repeats the items of a page this listing already fetched; stopping", g.path)
	}
	if g.pages == nil {
		g.pages = make(map[uint64]bool)
	}
	g.pages[key] = true
	return nil
}

// listed is a resource that a listing can tell apart by its id.
type listed interface{ listID() string }

// pageKey hashes the ids of a page's items, in order. ok is false when the page is empty or an
// item has no id (nothing to tell pages apart by).
func pageKey[T any](items []T) (key uint64, ok bool) {
	if len(items) == 0 {
		return 0, false
	}
	h := fnv.New64a()
	for i := range items {
		it, isListed := any(&items[i]).(listed)
		if !isListed || it.listID() == "" {
			return 0, false
		}
		_, _ = io.WriteString(h, it.listID())
		_, _ = h.Write([]byte{0})
	}
	return h.Sum64(), true
}
