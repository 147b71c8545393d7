package pingone

import (
	"bytes"
	"context"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/oauth2"
)

// TokenAuthMethod is how a worker app presents its client secret to the token endpoint: the
// app's "Token Endpoint Authentication Method" in PingOne.
type TokenAuthMethod string

// The token endpoint authentication methods a worker client supports.
const (
	// ClientSecretBasic sends the client ID and secret in an HTTP Basic Authorization header.
	ClientSecretBasic TokenAuthMethod = "CLIENT_SECRET_BASIC"
	// ClientSecretPost sends them as client_id and client_secret in the form body.
	ClientSecretPost TokenAuthMethod = "CLIENT_SECRET_POST"
)

// WithTokenAuthMethod pins how NewWorkerClient presents the client secret. By default it tries
// ClientSecretBasic first and, only if the token endpoint refuses the client (400 or 401),
// ClientSecretPost; whichever the app accepts is then used for every later token.
func WithTokenAuthMethod(m TokenAuthMethod) Option {
	return func(s *settings) { s.authMethod = m }
}

// check refuses a TokenAuthMethod other than the two PingOne offers ("" tries both).
func (m TokenAuthMethod) check() error {
	switch m {
	case "", ClientSecretBasic, ClientSecretPost:
		return nil
	}
	return invalidArgf("unknown token auth method %q (want %s or %s)", string(m), ClientSecretBasic, ClientSecretPost)
}

// workerCredentials fetches worker-app tokens with the client-credentials grant (RFC 6749,
// section 4.4). It is only reachable through pointers and has its own String method, so no %v of
// a Client or of an error can print the secret.
type workerCredentials struct {
	id, secret string
	tokenURL   *url.URL
	hide       secrets  // the secret in every form the token request carries it
	retry      *retrier // the token request's own: retried like a GET (asking twice is harmless)

	mu     sync.Mutex
	method TokenAuthMethod // "" until the app has accepted one (or it was pinned)
}

func (w *workerCredentials) String() string   { return "pingone.workerCredentials{REDACTED}" }
func (w *workerCredentials) GoString() string { return w.String() }

// token runs the client-credentials grant. Until a method is known it tries Basic, then the form
// body only when the endpoint refused the client: trying the other method after a 503 or a
// timeout as well would double every failure's requests.
func (w *workerCredentials) token(ctx context.Context) (*oauth2.Token, error) {
	w.mu.Lock()
	m := w.method
	w.mu.Unlock()
	if m != "" {
		return w.fetch(ctx, m)
	}
	m = ClientSecretBasic
	tok, err := w.fetch(ctx, m)
	var apiErr *APIError
	if errors.As(err, &apiErr) && (apiErr.StatusCode == http.StatusBadRequest || apiErr.StatusCode == http.StatusUnauthorized) {
		m = ClientSecretPost
		tok, err = w.fetch(ctx, m)
	}
	if err == nil {
		w.mu.Lock()
		w.method = m
		w.mu.Unlock()
	}
	return tok, err
}

// fetch asks for one token, presenting the secret as m says. A refusal is an *APIError; a server
// that echoes the secret or the Basic header finds it redacted, in every error.
func (w *workerCredentials) fetch(ctx context.Context, m TokenAuthMethod) (*oauth2.Token, error) {
	tok, err := w.exchange(ctx, m)
	if err == nil {
		return tok, nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, fmt.Errorf("pingone: fetch access token: %w", ctxErr)
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return nil, apiErr
	}
	// Transport errors name only the token URL; parse errors quote at most a character of the
	// body. Redacted all the same, since that text came from the server.
	return nil, fmt.Errorf("pingone: fetch access token: %w", w.hide.redactErr(err))
}

// exchange sends one token request: a form with grant_type=client_credentials, the client's
// credentials in a Basic header (their form-encoded forms, as RFC 6749 section 2.3.1 asks) or in
// the form, and reads the JSON (or form-encoded) token response.
func (w *workerCredentials) exchange(ctx context.Context, m TokenAuthMethod) (*oauth2.Token, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	if m == ClientSecretPost {
		form.Set("client_id", w.id)
		form.Set("client_secret", w.secret)
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, w.tokenURL.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if m == ClientSecretBasic {
		req.SetBasicAuth(url.QueryEscape(w.id), url.QueryEscape(w.secret))
	}
	resp, err := w.retry.rc.Do(req)
	if err != nil {
		return nil, err
	}
	raw, err := readTokenAnswer(resp)
	drain(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read token response: %w", err)
	}
	tr, perr := parseTokenResponse(resp.Header.Get("Content-Type"), raw)
	if resp.StatusCode < 200 || resp.StatusCode > 299 || tr.Error != "" {
		// Some servers answer 200 with an OAuth error document.
		e := apiErrorOf(resp.StatusCode, resp.Header, raw, http.MethodPost, w.tokenURL.Path, w.hide)
		if e.Code == "invalid_client" || e.Code == "unauthorized_client" {
			e.Message = "the worker app's client credentials were refused: " + e.Message
		}
		return nil, e
	}
	if perr != nil {
		return nil, perr
	}
	if tr.AccessToken == "" {
		return nil, errors.New("pingone: token endpoint returned no access token")
	}
	tok := &oauth2.Token{AccessToken: tr.AccessToken, TokenType: tr.TokenType, RefreshToken: tr.RefreshToken}
	if n := int64(tr.ExpiresIn); n > 0 {
		tok.ExpiresIn = n
		tok.Expiry = time.Now().Add(time.Duration(n) * time.Second)
	}
	return tok, nil
}

// readTokenAnswer reads a token endpoint's answer (up to maxErrorBody): a JSON document as soon as
// it is complete, so a server that stalls after it costs nothing, as in handle; a form-encoded
// answer, or one that is not JSON (an HTML error page), to its end.
func readTokenAnswer(resp *http.Response) ([]byte, error) {
	body := io.LimitReader(resp.Body, maxErrorBody)
	if formEncoded(resp.Header.Get("Content-Type")) {
		return io.ReadAll(body)
	}
	var seen bytes.Buffer
	if v, err := jsontext.NewDecoder(io.TeeReader(body, &seen), decodeOptions).ReadValue(); err == nil {
		return bytes.Clone(v), nil
	}
	rest, err := io.ReadAll(body)
	return append(seen.Bytes(), rest...), err
}

// formEncoded reports whether a token answer's Content-Type says it is not JSON.
func formEncoded(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt == "application/x-www-form-urlencoded" || mt == "text/plain"
}

// tokenResponse is a token endpoint's answer (RFC 6749, sections 5.1 and 5.2).
type tokenResponse struct {
	AccessToken  string    `json:"access_token"`
	TokenType    string    `json:"token_type"`
	RefreshToken string    `json:"refresh_token"`
	ExpiresIn    expiresIn `json:"expires_in"` // a number, or a string holding one
	Error        string    `json:"error"`
}

// expiresIn is a token's lifetime in seconds, capped at math.MaxInt32. A value that is not a
// number (an empty string, say) means no stated lifetime, as in a form-encoded answer: it must
// not fail a token request whose access_token is good.
type expiresIn int64

func (e *expiresIn) UnmarshalJSON(b []byte) error {
	if f, err := strconv.ParseFloat(strings.Trim(string(b), `"`), 64); err == nil && f > 0 {
		*e = expiresIn(min(f, math.MaxInt32))
	}
	return nil
}

// parseTokenResponse reads a JSON token response, or a form-encoded one, which some servers send.
func parseTokenResponse(contentType string, raw []byte) (tokenResponse, error) {
	var tr tokenResponse
	if formEncoded(contentType) {
		vals, err := url.ParseQuery(string(raw))
		if err != nil {
			return tr, fmt.Errorf("cannot parse token response: %v", err)
		}
		tr = tokenResponse{AccessToken: vals.Get("access_token"), TokenType: vals.Get("token_type"),
			RefreshToken: vals.Get("refresh_token"), Error: vals.Get("error")}
		_ = tr.ExpiresIn.UnmarshalJSON([]byte(vals.Get("expires_in")))
		return tr, nil
	}
	if err := stdjson.Unmarshal(raw, &tr); err != nil {
		return tokenResponse{}, fmt.Errorf("cannot parse token response: %v", err)
	}
	return tr, nil
}

// tokenCache hands out "Bearer …" header values. It fetches once for any number of concurrent
// callers, refreshes ahead of expiry, and lets a caller give up on its own ctx while the fetch
// goes on for the others; the fetch is cancelled when every waiter has gone.
type tokenCache struct {
	fetch       func(context.Context) (*oauth2.Token, error)
	timeout     time.Duration
	refreshable bool // a new fetch may return a new token (worker credentials)

	mu        sync.Mutex
	bearer    authValue // nil when none is cached
	refreshAt time.Time // zero: never expires
	inflight  *tokenCall
}

// authValue is an Authorization header value, "Bearer <token>", as the one-element slice every
// request carrying it shares (http.Header values): one allocation per token, not per request.
// Its element is never written, and its capacity is 1, so a RoundTripper's Header.Add copies it.
type authValue []string

// String returns the header value, "" for none.
func (b authValue) String() string {
	if len(b) == 0 {
		return ""
	}
	return b[0]
}

type tokenCall struct {
	ctx     context.Context // the fetch's: ends at the token timeout
	done    chan struct{}
	bearer  authValue
	err     error
	waiters int
	cancel  context.CancelFunc
}

func newTokenCache(fetch func(context.Context) (*oauth2.Token, error), timeout time.Duration, refreshable bool) *tokenCache {
	return &tokenCache{fetch: fetch, timeout: timeout, refreshable: refreshable}
}

func (t *tokenCache) String() string   { return "pingone.tokenCache{REDACTED}" }
func (t *tokenCache) GoString() string { return t.String() }

// get returns the Authorization header value, fetching a token when none is valid.
func (t *tokenCache) get(ctx context.Context) (authValue, error) {
	t.mu.Lock()
	if t.bearer != nil && (t.refreshAt.IsZero() || time.Now().Before(t.refreshAt)) {
		b := t.bearer
		t.mu.Unlock()
		return b, nil
	}
	call := t.inflight
	if call == nil {
		// The fetch serves every waiter, so the first caller's cancellation must not end it: it
		// keeps the caller's values (tracing, say) and has its own timeout.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), t.timeout)
		call = &tokenCall{ctx: fctx, done: make(chan struct{}), cancel: cancel}
		t.inflight = call
		go t.run(fctx, call)
	}
	call.waiters++
	t.mu.Unlock()

	select {
	case <-call.done:
		return call.bearer, call.err
	case <-call.ctx.Done():
		// A TokenSource need not honour a ctx (oauth2.TokenSource has none), so the token
		// timeout is enforced here too: a source that never returns must not hang the call.
		select {
		case <-call.done: // it did finish in time
			return call.bearer, call.err
		default:
		}
		t.mu.Lock()
		call.waiters--
		if t.inflight == call {
			t.inflight = nil // the next call starts a new fetch
		}
		t.mu.Unlock()
		return nil, fmt.Errorf("pingone: fetch access token: no token within %s: %w", t.timeout, call.ctx.Err())
	case <-ctx.Done():
		t.mu.Lock()
		call.waiters--
		if call.waiters == 0 && t.inflight == call {
			call.cancel() // nobody wants it any more
			t.inflight = nil
		}
		t.mu.Unlock()
		return nil, fmt.Errorf("pingone: waiting for access token: %w", ctx.Err())
	}
}

func (t *tokenCache) run(ctx context.Context, call *tokenCall) {
	defer call.cancel()
	start := time.Now()
	tok, err := t.fetch(ctx)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.inflight == call {
		t.inflight = nil
	}
	if err != nil {
		call.err = err
	} else {
		if tok == nil || tok.AccessToken == "" { // a TokenSource may return (nil, nil)
			call.err = errors.New("pingone: token source returned an empty access token")
		} else {
			call.bearer = authValue{"Bearer " + tok.AccessToken}
			t.bearer = call.bearer
			t.refreshAt = time.Time{}
			if !tok.Expiry.IsZero() {
				// Refresh a little early: a tenth of the lifetime, at most a minute.
				margin := min(tok.Expiry.Sub(start)/10, time.Minute)
				t.refreshAt = tok.Expiry.Add(-margin)
			}
		}
	}
	close(call.done)
}

// invalidate drops the cached token if it is still the one the caller used, so that one 401
// causes one new fetch however many calls saw it.
func (t *tokenCache) invalidate(b string) {
	t.mu.Lock()
	if t.bearer.String() == b {
		t.bearer = nil
	}
	t.mu.Unlock()
}
