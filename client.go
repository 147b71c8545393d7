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
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/oauth2"
)

// Version is the SDK's version, sent in the User-Agent header.
const Version = "0.1.0"

// Client is a PingOne management API client. It is safe for concurrent use; create one and reuse
// it, so that its token and connections are shared.
type Client struct {
	// Populations manages populations.
	Populations *PopulationsService
	// Users manages users and their population membership.
	Users *UsersService

	base      *url.URL // API base, such as https://api.pingone.eu/v1 (no trailing slash)
	tokens    *tokenCache
	hc        *http.Client  // the caller's client, copied, with the redirect policy and attempt timeout
	retriers  *sync.Pool    // *retrier, one per call in flight (retry.go); shared by WithCorrelationIDs copies
	maxWait   time.Duration // the retry policy's longest wait, which also bounds a bulk job's pause
	userAgent []string      // header values shared by every request (see newRequest)
	jsonType  []string      // "application/json", for Accept and Content-Type
	hide      secrets       // the client secret's forms, redacted from every error
	logger    *slog.Logger
	decoders  *sync.Pool  // *bodyDecoder; a pointer, so WithCorrelationIDs can copy a Client
	corr      correlation // X-Ping-External-* headers sent with every call

	environmentID string // the worker app's environment, for EnvironmentID; "" for NewClient
	settle        settling
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

// WithHTTPClient sets the HTTP client whose transport carries the requests. The Client uses a
// copy of it (with a redirect policy that refuses other hosts) and never changes the original.
func WithHTTPClient(hc *http.Client) Option { return func(s *settings) { s.httpClient = hc } }

// WithUserAgent puts the caller's product, such as "acme-sync/1.2", before the SDK's own
// User-Agent.
func WithUserAgent(ua string) Option { return func(s *settings) { s.userAgent = ua } }

// WithLogger logs each attempt (method, path, status, attempt, duration, and the correlation IDs
// when set) and each retry at debug level. No other header value and no body is ever logged. By
// default nothing is logged.
func WithLogger(l *slog.Logger) Option { return func(s *settings) { s.logger = l } }

// WithAttemptTimeout bounds each attempt of a request, from sending it to reading the whole
// response body, redirects included (default DefaultAttemptTimeout, or the Timeout of the http.Client given to
// WithHTTPClient when it has one). An attempt that times out is retried like a dropped connection
// (GET, PUT and DELETE only); the call's ctx bounds the whole call, retries included.
func WithAttemptTimeout(d time.Duration) Option { return func(s *settings) { s.attemptTimeout = d } }

// WithTokenTimeout bounds one token fetch, retries included (default 30 s). A caller's ctx can end
// its own wait sooner.
func WithTokenTimeout(d time.Duration) Option { return func(s *settings) { s.tokenTimeout = d } }

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
	if err := s.authMethod.check(); err != nil {
		return nil, err
	}
	hide := append(secretForms(clientSecret), basicForms(clientID, clientSecret)...)
	c.hide = hide
	// The token request goes through the same policy as the API: retried on 429, 5xx and
	// connection errors (asking for a token twice is harmless). Its retrier is its own, so no
	// API call's class or attempt log can reach it.
	tokenRetry := newRetrier(hc, s.retry)
	tokenRetry.logger, tokenRetry.ownPath, tokenRetry.hide = c.logger, true, hide
	tokenRetry.method, tokenRetry.path = http.MethodPost, tokenURL.Path
	c.environmentID = environmentID
	creds := &workerCredentials{id: clientID, secret: clientSecret, tokenURL: tokenURL, hide: hide, retry: tokenRetry, method: s.authMethod}
	c.tokens = newTokenCache(creds.token, s.tokenTimeout, true)
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
	ua := "pingone-go/" + Version + " (" + runtime.Version() + "; " + runtime.GOOS + "/" + runtime.GOARCH + ")"
	if s.userAgent != "" {
		ua = s.userAgent + " " + ua
	}
	// Capacity 1: a RoundTripper's Header.Add then copies instead of writing into what every
	// request shares.
	c.userAgent, c.jsonType = []string{ua}, []string{"application/json"}
	c.hc = hc
	c.retriers = &sync.Pool{New: func() any { return newRetrier(hc, s.retry) }}
	c.maxWait = s.retry.effective().MaxWait
	c.wireServices()
	return c, hc, nil
}

// wireServices points the client's services at it: once when it is built, and again for each
// copy (WithCorrelationIDs), so a service added here is never missed on a copy.
func (c *Client) wireServices() {
	c.Populations = &PopulationsService{c: c}
	c.Users = &UsersService{c: c}
}

// CloseIdleConnections closes the idle keep-alive connections of the client's transport, as
// http.Client.CloseIdleConnections does. Calls in flight are not affected.
func (c *Client) CloseIdleConnections() {
	if t, ok := c.hc.Transport.(attemptTransport); ok {
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

// attemptTransport bounds each attempt, from sending the request to closing the response body,
// by timeout. It is also what go-retryablehttp sees of the transport: without a
// CloseIdleConnections method, a call that gives up cannot drop every pooled connection of the
// whole Client (retryablehttp calls it on each give-up, a 404 included).
//
// The bound is here and not in http.Client.Timeout because net/http enforces a Timeout over a
// transport it does not know (any wrapper, this one included) with a goroutine, two channels and
// a timer per attempt; a context deadline costs a timer.
type attemptTransport struct {
	rt      http.RoundTripper
	timeout time.Duration
}

func (t attemptTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	parent := r.Context()
	deadline := time.Now().Add(t.timeout)
	if r.Response != nil && r.Response.Request != nil {
		// A redirect's hop: the attempt's deadline carries on from the hop before (as
		// http.Client.Timeout covers a whole redirect chain), so hops cannot stretch it.
		if d, ok := r.Response.Request.Context().Deadline(); ok {
			deadline = d
		}
	}
	if d, ok := parent.Deadline(); ok && !d.After(deadline) {
		return t.rt.RoundTrip(r) // the caller's deadline comes first: nothing to add
	}
	ctx, cancel := context.WithDeadlineCause(parent, deadline, errAttemptTimeout)
	resp, err := t.rt.RoundTrip(r.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, attemptErr(ctx, parent, err)
	}
	if resp == nil || resp.Body == nil {
		// A transport that breaks the RoundTripper contract: http.Client reports or mends it.
		cancel()
		return resp, nil
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, ctx: ctx, parent: parent, cancel: cancel}
	return resp, nil
}

// attemptErr names the attempt timeout as the cause of err when it was: HTTP/2 reports a request
// whose context ended as context.DeadlineExceeded, which would read as the caller's deadline.
func attemptErr(ctx, parent context.Context, err error) error {
	if parent.Err() == nil && context.Cause(ctx) == errAttemptTimeout && !errors.Is(err, errAttemptTimeout) {
		return errAttemptTimeout
	}
	return err
}

// cancelOnClose ends an attempt's deadline when its body is closed, and names the attempt
// timeout when it cut a read short.
type cancelOnClose struct {
	io.ReadCloser
	ctx, parent context.Context
	cancel      context.CancelFunc
}

func (b *cancelOnClose) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = attemptErr(b.ctx, b.parent, err)
	}
	return n, err
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// errAttemptTimeout is the cause an attempt fails with when it outlasts WithAttemptTimeout. It is
// a timeout (net.Error), and not context.DeadlineExceeded: the caller's ctx has not ended, and
// the attempt is retried like a dropped connection.
var errAttemptTimeout error = attemptTimeoutError{}

type attemptTimeoutError struct{}

func (attemptTimeoutError) Error() string {
	return "pingone: the attempt timed out (WithAttemptTimeout)"
}
func (attemptTimeoutError) Timeout() bool   { return true }
func (attemptTimeoutError) Temporary() bool { return true }

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
		t.MaxIdleConnsPerHost = defaultConcurrency // the default of 2 churns connections under concurrency
		// Over HTTP/1.1, a worker that sends its next move before the last one's connection is
		// back in the pool dials another: without a bound a bulk job of 64 workers opened over
		// 100. Calls beyond the bound wait for a connection; HTTP/2 uses one anyway.
		t.MaxConnsPerHost = defaultConcurrency
		hc.Transport = t
	}
	if hc.Transport == nil {
		hc.Transport = http.DefaultTransport
	}
	// The attempt timeout: WithAttemptTimeout's, else the caller's client's Timeout, else the
	// default; enforced by attemptTransport instead of net/http (see there).
	timeout = cmp.Or(timeout, hc.Timeout, DefaultAttemptTimeout)
	hc.Timeout = 0
	hc.Transport = attemptTransport{rt: hc.Transport, timeout: timeout}
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
