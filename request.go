package pingone

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/hashicorp/go-retryablehttp"
)

// maxBody caps a successful response body. A page of 1,000 populations is under 1 MiB; anything
// far larger is a broken or hostile server, and reading it whole would exhaust memory.
const maxBody = 32 << 20

// maxPooledBody is the largest body read whole before decoding (see handle), and about the
// largest buffer kept for the next response: a page of 1,000 users.
// A larger one is left to the garbage collector rather than held by the pool.
const maxPooledBody = 1 << 20

// decoder is a response body type that decodes itself from a jsontext stream. The method is
// unexported so that the jsontext types never reach the public API.
type decoder interface {
	decodeFrom(*jsontext.Decoder) error
}

// encoder is a request body that encodes itself without reflection (a model's writeBody).
type encoder interface {
	appendJSON(dst []byte) ([]byte, error)
}

// callOpts are what one call adds to the common request path.
type callOpts struct {
	contentType string  // the body's media type, instead of application/json
	hide        secrets // credentials the body carries, redacted from every error like the client secret
	paced       bool    // a bulk job's move: a 429 goes back to the job's pacer instead of being retried
}

// set puts the call's headers on an attempt's request.
func (o *callOpts) set(h http.Header) {
	if o != nil && o.contentType != "" {
		h["Content-Type"] = []string{o.contentType}
	}
}

// isPaced reports whether a bulk job paces the call.
func (o *callOpts) isPaced() bool { return o != nil && o.paced }

// secrets returns the credentials the call's body carries.
func (o *callOpts) secrets() secrets {
	if o == nil {
		return nil
	}
	return o.hide
}

// call is a non-list request that decodes a T: the building block of every Get, Create and Update.
func call[T any, PT interface {
	*T
	decoder
}](ctx context.Context, c *Client, method string, body any, segs ...string) (*T, error) {
	u, err := c.endpoint(segs...)
	if err != nil {
		return nil, err
	}
	out := new(T)
	if err := c.do(ctx, method, u, body, PT(out)); err != nil {
		return nil, err
	}
	return out, nil
}

// endpoint builds an API URL from alternating literal segments and IDs. Every ID is checked and
// path-escaped, so "../x" or "a/b" can never address another resource.
func (c *Client) endpoint(segs ...string) (*url.URL, error) {
	n := len(c.base.Path)
	for i, s := range segs {
		if i%2 == 1 {
			// The label ("user ID") is built only for the error: this runs on every call.
			if err := checkSegment("", s); err != nil {
				return nil, checkSegment(strings.TrimSuffix(segs[i-1], "s")+" ID", s)
			}
		}
		n += 1 + len(s)
	}
	// One allocation for the path (a Builder's String does not copy): this runs on every call.
	var b strings.Builder
	b.Grow(n)
	b.WriteString(c.base.Path)
	escaped := false
	for _, s := range segs {
		b.WriteByte('/')
		b.WriteString(s)
		escaped = escaped || url.PathEscape(s) != s
	}
	u := *c.base
	u.Path = b.String()
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

// send is do with what one call adds (a media type, secrets its body carries, bulk pacing); opts
// may be nil. Each attempt goes through the call's retrier (retry.go); around it, send refreshes
// the token once on a 401 and waits out eventual consistency (WithEventualConsistency).
func (c *Client) send(ctx context.Context, method string, u *url.URL, in any, out decoder, opts *callOpts) error {
	if !c.sameOrigin(u) {
		return fmt.Errorf("pingone: refusing to send credentials to %s://%s, which is not the API host", u.Scheme, u.Host)
	}
	var body []byte
	if in != nil {
		var err error
		switch v := in.(type) {
		case encoder:
			body, err = v.appendJSON(make([]byte, 0, 512)) // a model's write body, without reflection; one buffer
		case jsontext.Value:
			body = v // already encoded (Do): not parsed and copied again
		default:
			body, err = json.Marshal(in)
		}
		if err != nil {
			// Only what the caller gave can fail to encode (a string that is not UTF-8, say).
			return fmt.Errorf("pingone: encode %s %s body: %w (%w)", method, u.Path, err, ErrInvalidArgument)
		}
	}
	if ctx == nil {
		return errNilContext
	}
	r := c.retrier(ctx, method, u.Path, opts.isPaced(), opts.secrets())
	defer c.release(r) // the pool keeps no request, token or ctx
	refreshed := false
	var waited, wait time.Duration // waiting out eventual consistency
	for {
		auth, err := c.tokens.get(ctx)
		if err != nil {
			return err
		}
		r.carried(auth.String())
		// A next page link is the server's choice, and the server knows the token: the path
		// and a transport error's URL may echo it.
		// (Built only when needed: the forms of a secret cost allocations.)
		if r.log {
			r.path = r.secrets().redact(u.Path)
		}
		req := &r.req
		if err := c.newRequest(ctx, method, u, auth, body, req); err != nil {
			return r.secrets().redactErr(fmt.Errorf("pingone: %s %s: %w", method, u.Path, err))
		}
		c.corr.set(req.Header)
		opts.set(req.Header)
		resp, err := r.rc.Do(req)
		bearer := r.bearer() // a retry may have carried a newer token
		if err != nil {
			return r.secrets().redactErr(fmt.Errorf("pingone: %s %s: %w", method, u.Path, err))
		}
		if resp.StatusCode == http.StatusUnauthorized && c.tokens.refreshable && !refreshed {
			// The token may have been revoked or expired early: drop it and try once more
			// with a new one. A second 401 is the caller's.
			drain(resp.Body)
			c.tokens.invalidate(bearer)
			refreshed = true
			continue
		}
		err = c.handle(resp, method, u.Path, out, r.secrets)
		if wait, again := r.retryBody(err); again {
			if werr := sleepCtx(ctx, wait); werr != nil {
				return err
			}
			continue
		}
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

// newRequest builds one attempt's request into req (the call's retrier keeps one, so a call
// allocates no wrapper). It fills http.Request directly rather than through http.NewRequest,
// which would format and re-parse the URL: this runs on every call.
func (c *Client) newRequest(ctx context.Context, method string, u *url.URL, auth authValue, body []byte, req *retryablehttp.Request) error {
	// Each request has its own header map (a RoundTripper may Set or Add), but the values are
	// the client's and the token's: slices of capacity 1 that nothing writes into, so an Add
	// copies. This runs on every call.
	hdr := http.Header{"Authorization": auth, "Accept": c.jsonType, "User-Agent": c.userAgent}
	if body != nil {
		hdr["Content-Type"] = c.jsonType
	}
	hr := (&http.Request{Method: method, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: hdr, Host: u.Host}).WithContext(ctx)
	*req = retryablehttp.Request{Request: hr} // what retryablehttp.FromRequest makes of a request without a body
	if body == nil {
		// Not nil, though net/http allows it and would then spare a reader: mock transports
		// (httpmock responders, hand-written RoundTrippers) read Body as a server's handler may.
		req.Body = http.NoBody
		return nil
	}
	return req.SetBody(body)
}

// handle turns a response into an error or a decoded body, and always closes the body.
func (c *Client) handle(resp *http.Response, method, path string, out decoder, hide func() secrets) error {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer drain(resp.Body)
		return newAPIError(resp, method, path, hide())
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
	var src io.Reader = &bd.body
	var readErr error
	if n := resp.ContentLength; n > 0 && n <= maxPooledBody {
		// A body of known length is read whole, into a buffer the pool keeps, and decoded from
		// there: the decoder parses a bytes.Buffer in place, without refilling and shifting a
		// buffer of its own. HTTP/1 ends the body at its length; over HTTP/2 a stream may stay
		// open after it, so reading stops there. A larger body is decoded as it arrives (a
		// header's claim never sizes more than maxPooledBody, and a 5,000-item page is not held
		// whole), as is one of unknown length (or of length 0, which a hand-made Response may
		// state for any body): a server may send its JSON and then stall before ending it.
		bd.buf.Reset()
		bd.buf.Grow(int(n) + bytes.MinRead) // ReadFrom wants MinRead spare bytes to see the end
		if resp.ProtoMajor == 2 {
			bd.lim = io.LimitedReader{R: &bd.body, N: n}
			_, readErr = bd.buf.ReadFrom(&bd.lim)
			bd.lim.R = nil
		} else {
			_, readErr = bd.buf.ReadFrom(&bd.body)
		}
		src = &bd.buf
	}
	bd.dec.Reset(src, decodeOptions)
	var err error
	if bd.dec.PeekKind() == 'n' {
		err = errNullBody // a decoder would read null as a zero value: an empty population, no error
	} else {
		err = out.decodeFrom(bd.dec)
	}
	if readErr != nil && err != nil {
		// A complete answer before the read failed (a length that overstates it, then a closed
		// connection) is the answer, as when decoding as it arrives; otherwise the read's error
		// says what happened (a timeout, which retryBody may retry).
		err = readErr
	}
	tooLarge := bd.body.n < 0
	if bd.body.eof {
		_ = resp.Body.Close() // nothing left to drain
	} else {
		drain(resp.Body)
	}
	bd.body.r = nil // the pool must not keep the response alive
	// Twice the largest body read whole: room for Grow's rounding, and no more.
	if bd.buf.Cap() <= 2*maxPooledBody {
		c.decoders.Put(bd)
	}
	if err != nil {
		if tooLarge {
			err = fmt.Errorf("body larger than %d bytes", maxBody)
		}
		// A decode error may quote what the server sent, and the path may be a next link the
		// server chose: either may echo a credential, so the whole message is redacted.
		return hide().redactErr(fmt.Errorf("pingone: %s %s: decode %d response (correlation id %q): %w", method, path, resp.StatusCode, resp.Header.Get("Correlation-Id"), err))
	}
	return nil
}

// bodyDecoder is a pooled JSON decoder with the capped reader it reads from; reusing both saves
// the decoder's buffer on every response.
type bodyDecoder struct {
	dec  *jsontext.Decoder
	buf  bytes.Buffer
	lim  io.LimitedReader // an HTTP/2 body's declared length, over body
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
