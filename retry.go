package pingone

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

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

// WithRetryPolicy replaces the default retry policy; RetryPolicy{MaxRetries: 0} turns retries off.
func WithRetryPolicy(p RetryPolicy) Option { return func(s *settings) { s.retry = &p } }

func (p *RetryPolicy) validate() error {
	if p.MaxRetries < 0 || p.MinWait < 0 || p.MaxWait < 0 {
		return invalidArgf("retry policy values must not be negative")
	}
	return nil
}

// retryClass is how one call may be retried. The call decides it (from its method, and whether a
// bulk job paces it) and hands it to its retrier as data.
type retryClass uint8

const (
	// classIdempotent: GET, PUT, DELETE and the token request. A 429, 408, 500, 502, 503, 504
	// and a dropped connection are retried.
	classIdempotent retryClass = iota
	// classCreate: POST and PATCH, whose first attempt may have taken effect. Only a 429 (the
	// server did nothing) is retried.
	classCreate
	// classPaced: a bulk job's move. Retried as classIdempotent, but a 429 goes back to the
	// job's pacer, which slows every worker down instead of one.
	classPaced
)

// classOf returns the retry class of a call with method; paced marks a bulk job's move.
func classOf(method string, paced bool) retryClass {
	switch {
	case !idempotent(method):
		return classCreate
	case paced:
		return classPaced
	}
	return classIdempotent
}

// idempotent reports whether repeating a request is harmless (RFC 9110, section 9.2.2), so it
// may be retried after a 5xx or a dropped connection. PATCH is not: whether repeating one is
// harmless depends on the endpoint.
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// retrier is one call's retry state (its class and its attempt log) and the go-retryablehttp
// client whose callbacks are bound to it. A Client keeps retriers in a pool and hands one to each
// call, from its first attempt to its last, so a call allocates nothing for it. The
// retryablehttp.Client is built once per retrier and never copied (it holds a sync.Once).
type retrier struct {
	rc     *retryablehttp.Client
	req    retryablehttp.Request // the call's request (newRequest), not kept past the call
	class  retryClass
	logger *slog.Logger // retries are logged here at debug level; nil logs nothing

	// tokens gives each retry the current token (nil for the token request itself): a call's
	// retries can outlast its first token, and a stale one would earn a 401 the retries cannot
	// fix.
	tokens *tokenCache

	// What the call's errors and log lines must never hold (secrets): every Authorization value
	// its attempts carried, oldest first, the last being the current one (a retry or a 401 may
	// bring a new token while the first is still valid, and a server may echo either), the
	// client secret's forms (hide) and the call's own, such as an imported password (extra).
	// Forms are built only when needed.
	bearers     []string
	hide, extra secrets

	// ownPath marks the token request's retrier: its method and path are fixed and ours, so
	// they are always safe to log.
	ownPath bool

	bodyRetries int // retries of this call after its body failed to arrive (retryBody)

	// The attempt log, kept only when the call's logger writes debug lines (log).
	log          bool
	method, path string
	n            int
	start        time.Time
}

// effective returns the policy p stands for (nil: the default; zero waits: the default waits).
func (p *RetryPolicy) effective() RetryPolicy {
	pol := DefaultRetryPolicy()
	if p != nil {
		pol.MaxRetries = p.MaxRetries
		pol.MinWait = cmp.Or(p.MinWait, pol.MinWait)
		pol.MaxWait = cmp.Or(p.MaxWait, pol.MaxWait)
	}
	pol.MaxWait = max(pol.MaxWait, pol.MinWait)
	return pol
}

// newRetrier returns a retrier that sends through hc with the policy p (nil: the default).
func newRetrier(hc *http.Client, p *RetryPolicy) *retrier {
	pol := p.effective()
	r := &retrier{}
	r.rc = &retryablehttp.Client{
		HTTPClient:   hc,
		RetryMax:     pol.MaxRetries,
		RetryWaitMin: pol.MinWait,
		RetryWaitMax: pol.MaxWait, // effective() keeps it at least MinWait
		CheckRetry:   r.checkRetry,
		Backoff:      r.backoff,
		PrepareRetry: r.prepareRetry,
		ErrorHandler: giveUp,
	}
	return r
}

// prepareRetry gives a retry the token the cache holds now, which is refreshed ahead of expiry;
// the request keeps its header map for the first attempt's sake, so a changed one is a copy.
func (r *retrier) prepareRetry(req *http.Request) error {
	if r.tokens == nil {
		return nil
	}
	b, err := r.tokens.get(req.Context())
	if err != nil {
		return err
	}
	if b.String() != r.bearer() {
		req.Header = req.Header.Clone()
		req.Header["Authorization"] = b
		r.carried(b.String())
	}
	return nil
}

// retrier takes a retrier from the pool and sets it up for one call; put it back with
// c.retriers.Put when the call is done.
func (c *Client) retrier(ctx context.Context, method, path string, paced bool, extra secrets) *retrier {
	r := c.retriers.Get().(*retrier)
	r.class, r.logger, r.tokens = classOf(method, paced), c.logger, c.tokens
	r.bearers, r.hide, r.extra = r.bearers[:0], c.hide, extra
	// Attempt logs cost allocations, so only when a logger would write them.
	r.log = c.logger != nil && c.logger.Enabled(ctx, slog.LevelDebug)
	r.method, r.path, r.n, r.bodyRetries = method, path, 0, 0
	if r.log {
		r.start = time.Now()
	}
	return r
}

// carried records that an attempt carried the Authorization value b.
func (r *retrier) carried(b string) {
	if b != r.bearer() {
		r.bearers = append(r.bearers, b)
	}
}

// bearer returns the Authorization value the last attempt carried, "" before the first.
func (r *retrier) bearer() string {
	if len(r.bearers) == 0 {
		return ""
	}
	return r.bearers[len(r.bearers)-1]
}

// secrets returns every credential the call's errors and log lines must not hold, in every form
// a server could echo it.
func (r *retrier) secrets() secrets {
	out := slices.Concat(r.hide, r.extra)
	for _, b := range r.bearers {
		out = append(out, secretForms(strings.TrimPrefix(b, "Bearer "))...)
	}
	return out
}

// release clears what the retrier held for its call (the request, tokens, the call's secrets)
// and returns it to c's pool.
func (c *Client) release(r *retrier) {
	clear(r.bearers)
	r.req, r.bearers, r.hide, r.extra = retryablehttp.Request{}, r.bearers[:0], nil, nil
	c.retriers.Put(r)
}

// retryBody reports whether a call should be sent again because its attempt timed out while its
// body was read, and how long to wait first: go-retryablehttp retries only until a response's
// headers arrive, and the body is read after it returns. Only idempotent calls, and at most the
// policy's MaxRetries times. (A body cut short is not retried: an io.ErrUnexpectedEOF from a
// dropped connection looks the same as one from JSON a server truncates every time.)
func (r *retrier) retryBody(err error) (time.Duration, bool) {
	if err == nil || r.class == classCreate || r.bodyRetries >= r.rc.RetryMax || !errors.Is(err, errAttemptTimeout) {
		return 0, false
	}
	r.bodyRetries++
	return backoff(r.rc.RetryWaitMin, r.rc.RetryWaitMax, r.bodyRetries-1, nil), true
}

// checkRetry decides whether an attempt is retried, following PingOne's guidance.
func (r *retrier) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if r.log {
		r.attempt(ctx, resp, err)
	}
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return false, ctxErr
		}
		if r.class == classCreate || errors.Is(err, errCrossHostRedirect) {
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
		// The server did nothing: safe for every method. Bulk jobs pace themselves and want
		// to see the 429 instead.
		retry = r.class != classPaced
	case http.StatusRequestTimeout, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		retry = r.class != classCreate
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

// attempt logs one attempt at debug level.
func (r *retrier) attempt(ctx context.Context, resp *http.Response, err error) {
	r.n++
	attrs := []slog.Attr{slog.String("method", r.method), slog.String("path", r.path),
		slog.Int("attempt", r.n), slog.Duration("duration", time.Since(r.start))}
	// The correlation id and a transport error's text are the server's: it may echo a header
	// or a body into them (net/http quotes a malformed status line in its error).
	hide := r.secrets()
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode), slog.String("correlation_id", hide.redact(resp.Header.Get("Correlation-Id"))))
	}
	if err != nil {
		var ue *url.Error // its text repeats the URL, query (filters, PII) included
		if errors.As(err, &ue) {
			err = ue.Err
		}
		attrs = append(attrs, slog.String("error", hide.redact(err.Error())))
	}
	r.logger.LogAttrs(ctx, slog.LevelDebug, "pingone: request", attrs...)
	r.start = time.Now()
}

// backoff is the wait before a retry, logged when the call has a logger.
func (r *retrier) backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	wait := backoff(minWait, maxWait, attempt, resp)
	if r.logger != nil && resp != nil {
		r.logRetry(resp, attempt, wait)
	}
	return wait
}

// backoff honours Retry-After on 429 and 503, and otherwise grows exponentially with jitter.
func backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return min(d, maxWait)
		}
	}
	exp := minWait // doubled without overflowing, however large the attempt or the waits
	for i := 0; i < attempt && exp < maxWait; i++ {
		exp *= 2
	}
	exp = max(min(exp, maxWait), 0)
	// "Equal jitter": at least half the exponential step, so many clients spread out without
	// any of them retrying at once.
	return exp/2 + rand.N(exp/2+1)
}

// logRetry logs a retry at debug level, with the method and path the retrier knows (a response
// from a custom transport, a test double say, may have no Request).
func (r *retrier) logRetry(resp *http.Response, attempt int, wait time.Duration) {
	// An API call's path is redacted by send only when the call began with debug on (r.log): a
	// level raised mid-call (a slog.LevelVar) must not log it raw. The token request's is ours.
	if !r.log && !r.ownPath {
		return
	}
	ctx := context.Background()
	if resp.Request != nil {
		ctx = resp.Request.Context()
	}
	if !r.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	r.logger.LogAttrs(ctx, slog.LevelDebug, "pingone: retrying", slog.String("method", r.method), slog.String("path", r.path),
		slog.Int("status", resp.StatusCode), slog.Int("retry", attempt+1), slog.Duration("wait", wait))
}

// giveUp returns the last response (so the caller gets its *APIError) or the error.
func giveUp(resp *http.Response, err error, _ int) (*http.Response, error) {
	if err != nil && resp != nil {
		drain(resp.Body)
		resp = nil
	}
	return resp, err
}

// parseRetryAfter reads a Retry-After header given in seconds or as an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		return time.Duration(min(s, int64(maxRetryAfter/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), maxRetryAfter), true
	}
	return 0, false
}

// maxRetryAfter bounds what a server may ask a caller to wait, in any of its forms: beyond a day
// it is a broken server, and APIError.RetryAfter invites time.Sleep.
const maxRetryAfter = 24 * time.Hour

// preciseRetryAfter prefers the millisecond retryAfter time PingOne puts in a rate-limit detail's
// innerError over the whole seconds of the Retry-After header, but never waits longer than the
// header says, so a skewed clock cannot stretch the wait.
func preciseRetryAfter(e *APIError, now time.Time) time.Duration {
	for _, d := range e.Details {
		s, _ := d.InnerError["retryAfter"].(string)
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			continue
		}
		w := min(max(t.Sub(now), 0), maxRetryAfter)
		if e.RetryAfter > 0 && w > e.RetryAfter {
			return e.RetryAfter
		}
		return w
	}
	return e.RetryAfter
}

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

// settling is how a call waits out PingOne's eventual consistency (WithEventualConsistency).
type settling struct {
	within      time.Duration // the waits add up to at most this; 0 turns it off
	first, most time.Duration // the first wait, doubled each time up to most
}

// transient reports whether err is an answer that eventual consistency may explain, to a method
// that is safe to send again.
func (s settling) transient(method string, err error) bool {
	if s.within <= 0 || err == nil || !idempotent(method) {
		return false
	}
	e, ok := errors.AsType[*APIError](err) // unlike errors.As, allocates nothing
	return ok && (e.StatusCode == http.StatusNotFound || e.StatusCode == http.StatusForbidden)
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

// sleepCtx waits for d, or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
