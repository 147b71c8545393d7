package pingone

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

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

// WithRetryPolicy replaces the default retry policy; RetryPolicy{MaxRetries: 0} turns retries off.
func WithRetryPolicy(p RetryPolicy) Option { return func(s *settings) { s.retry = &p } }

// RetryPolicy says how often and how long to retry. A 429 is retried for every method; 408, 500,
// 502, 503, 504 and connection errors for GET, PUT and DELETE only. Waits grow exponentially from
// MinWait with jitter, up to MaxWait; a Retry-After header is honoured (capped at MaxWait). Every
// wait ends at once when the call's ctx is done. After the last attempt the caller gets the
// *APIError of the last response.
type RetryPolicy struct {
	MaxRetries int           // retries after the first attempt; 0 turns retries off
	MinWait    time.Duration // first backoff; 0 means 500 ms
	MaxWait    time.Duration // longest single wait; 0 means 30 s
}

// DefaultRetryPolicy returns the policy a Client uses unless told otherwise: 4 retries, waits from
// 500 ms up to 30 s.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxRetries: 4, MinWait: 500 * time.Millisecond, MaxWait: 30 * time.Second}
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
		attrs = append(attrs, slog.String("method", r.Method), slog.String("path", r.URL.Path))
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

type callLogKey struct{}

// pacedKey marks a ctx whose calls are paced by a bulk job, which handles 429s itself.
type pacedKey struct{}

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
		w := max(t.Sub(now), 0)
		if e.RetryAfter > 0 && w > e.RetryAfter {
			return e.RetryAfter
		}
		return w
	}
	return e.RetryAfter
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
		return time.Duration(min(s, 24*3600)) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
