package pingone

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
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

func (m TokenAuthMethod) style() (oauth2.AuthStyle, error) {
	switch m {
	case "":
		return oauth2.AuthStyleAutoDetect, nil
	case ClientSecretBasic:
		return oauth2.AuthStyleInHeader, nil
	case ClientSecretPost:
		return oauth2.AuthStyleInParams, nil
	}
	return 0, invalidArgf("unknown token auth method %q (want %s or %s)", string(m), ClientSecretBasic, ClientSecretPost)
}

// workerCredentials fetches worker-app tokens. It is only reachable through pointers and has its
// own String method, so no %v of a Client or of an error can print the secret.
type workerCredentials struct {
	id, secret     string
	tokenURL, path string
	hide           secrets // the secret in every form the token request carries it

	mu    sync.Mutex
	style oauth2.AuthStyle // AutoDetect until the app has accepted one (or it was pinned)
}

func (w *workerCredentials) String() string   { return "pingone.workerCredentials{REDACTED}" }
func (w *workerCredentials) GoString() string { return w.String() }

// token runs the client-credentials grant. Until a style is known it tries Basic, then the form
// body only when the endpoint refused the client: x/oauth2's own autodetection would also retry
// a 503 or a timeout with the other style, doubling every failure's requests.
func (w *workerCredentials) token(ctx context.Context) (*oauth2.Token, error) {
	w.mu.Lock()
	style := w.style
	w.mu.Unlock()
	if style != oauth2.AuthStyleAutoDetect {
		return w.fetch(ctx, style)
	}
	style = oauth2.AuthStyleInHeader
	tok, err := w.fetch(ctx, style)
	var apiErr *APIError
	if errors.As(err, &apiErr) && (apiErr.StatusCode == http.StatusBadRequest || apiErr.StatusCode == http.StatusUnauthorized) {
		style = oauth2.AuthStyleInParams
		tok, err = w.fetch(ctx, style)
	}
	if err == nil {
		w.mu.Lock()
		w.style = style
		w.mu.Unlock()
	}
	return tok, err
}

// fetch asks for one token with the given style. Errors never wrap x/oauth2's RetrieveError,
// whose response holds the request and so the Basic credentials, and a server that echoes the
// secret or the Basic header finds it redacted.
func (w *workerCredentials) fetch(ctx context.Context, style oauth2.AuthStyle) (*oauth2.Token, error) {
	cfg := clientcredentials.Config{ClientID: w.id, ClientSecret: w.secret, TokenURL: w.tokenURL, AuthStyle: style}
	tok, err := cfg.Token(ctx)
	if err == nil {
		if tok.AccessToken == "" {
			return nil, errors.New("pingone: token endpoint returned no access token")
		}
		return tok, nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, fmt.Errorf("pingone: fetch access token: %w", ctxErr)
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status, h := 0, http.Header{}
		if re.Response != nil {
			status, h = re.Response.StatusCode, re.Response.Header
		}
		e := apiErrorOf(status, h, re.Body, http.MethodPost, w.path, w.hide)
		if e.Code == "invalid_client" || e.Code == "unauthorized_client" {
			e.Message = "the worker app's client credentials were refused: " + e.Message
		}
		return nil, e
	}
	// Transport errors name only the token URL; parse errors quote at most a character of the
	// body. Redacted all the same, since that text came from the server.
	return nil, fmt.Errorf("pingone: fetch access token: %w", w.hide.redactErr(err))
}

// tokenCache hands out "Bearer …" header values. It fetches once for any number of concurrent
// callers, refreshes ahead of expiry, and lets a caller give up on its own ctx while the fetch
// goes on for the others; the fetch is cancelled when every waiter has gone.
type tokenCache struct {
	fetch       func(context.Context) (*oauth2.Token, error)
	timeout     time.Duration
	refreshable bool // a new fetch may return a new token (worker credentials)

	mu        sync.Mutex
	bearer    string    // "Bearer <token>", "" when none is cached
	refreshAt time.Time // zero: never expires
	inflight  *tokenCall
}

type tokenCall struct {
	ctx     context.Context // the fetch's: ends at the token timeout
	done    chan struct{}
	bearer  string
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
func (t *tokenCache) get(ctx context.Context) (string, error) {
	t.mu.Lock()
	if t.bearer != "" && (t.refreshAt.IsZero() || time.Now().Before(t.refreshAt)) {
		b := t.bearer
		t.mu.Unlock()
		return b, nil
	}
	call := t.inflight
	if call == nil {
		// The fetch serves every waiter, so the first caller's cancellation must not end it: it
		// keeps the caller's values (tracing, say) and has its own timeout. (The token request's
		// retry policy ignores this package's call marks; see retryClient.)
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
		return "", fmt.Errorf("pingone: fetch access token: no token within %s: %w", t.timeout, call.ctx.Err())
	case <-ctx.Done():
		t.mu.Lock()
		call.waiters--
		if call.waiters == 0 && t.inflight == call {
			call.cancel() // nobody wants it any more
			t.inflight = nil
		}
		t.mu.Unlock()
		return "", fmt.Errorf("pingone: waiting for access token: %w", ctx.Err())
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
			call.bearer = "Bearer " + tok.AccessToken
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
func (t *tokenCache) invalidate(bearer string) {
	t.mu.Lock()
	if t.bearer == bearer {
		t.bearer = ""
	}
	t.mu.Unlock()
}
