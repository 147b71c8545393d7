package pingone

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
)

// Sentinel errors. Match them with errors.Is; an *APIError matches the one its status (or PingOne
// code) stands for, and errors.As gives the details.
var (
	ErrBadRequest      = errors.New("pingone: bad request")      // 400
	ErrUnauthorized    = errors.New("pingone: unauthorized")     // 401
	ErrForbidden       = errors.New("pingone: forbidden")        // 403
	ErrNotFound        = errors.New("pingone: not found")        // 404
	ErrConflict        = errors.New("pingone: conflict")         // 409, or 400 with a UNIQUENESS_VIOLATION detail
	ErrRateLimited     = errors.New("pingone: rate limited")     // 429
	ErrServerError     = errors.New("pingone: server error")     // 5xx
	ErrInvalidArgument = errors.New("pingone: invalid argument") // caught before any request was sent
)

// maxErrorBody caps how much of an error response is read: enough for any PingOne error, and a
// hostile or broken proxy cannot make us buffer more.
const maxErrorBody = 1 << 20

// APIError is a non-2xx response from PingOne (or from its token endpoint). Its Error method
// gives one readable line; errors.Is matches it against the sentinel errors.
type APIError struct {
	StatusCode    int           // HTTP status
	Code          string        // PingOne code, such as "INVALID_DATA"; for the token endpoint the OAuth error, such as "invalid_client"
	Message       string        // PingOne's message, in English
	Target        string        // the request part the error is about, such as "filter", when PingOne names one
	Details       []ErrorDetail // per-field details, when PingOne sent any
	ID            string        // the error's id in the body; quote it to Ping support
	CorrelationID string        // the Correlation-Id response header
	Method        string        // request method
	Path          string        // request path, without host or query
	RetryAfter    time.Duration // from the Retry-After header, when present
	Body          string        // a short excerpt of the body when it was not a PingOne error document
}

// ErrorDetail is one entry of a PingOne error's details.
type ErrorDetail struct {
	Code       string         `json:"code"`                 // such as "UNIQUENESS_VIOLATION" or "CONSTRAINT_VIOLATION"
	Target     string         `json:"target"`               // the offending field, such as "name"
	Message    string         `json:"message"`              // what is wrong, in English
	InnerError map[string]any `json:"innerError,omitempty"` // further data, such as a 429's "retryAfter"
}

// Error returns one line: method, path, status, code, target, message, details, ids. It never holds
// a header value, so no credential can reach it.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("pingone: ")
	if e.Method != "" {
		b.WriteString(e.Method + " " + e.Path + ": ")
	}
	b.WriteString(strconv.Itoa(e.StatusCode))
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Target != "" {
		b.WriteString(" (target " + e.Target + ")")
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	for _, d := range e.Details {
		b.WriteString(" [")
		if d.Target != "" {
			b.WriteString(d.Target + ": ")
		}
		b.WriteString(d.Code)
		if d.Message != "" && d.Message != e.Message {
			b.WriteString(": " + d.Message)
		}
		b.WriteString("]")
	}
	if e.Body != "" {
		b.WriteString(": body " + strconv.Quote(e.Body))
	}
	if e.RetryAfter > 0 {
		b.WriteString(" (retry after " + e.RetryAfter.String() + ")")
	}
	if e.ID != "" {
		b.WriteString(" (error id " + e.ID + ")")
	}
	if e.CorrelationID != "" {
		b.WriteString(" (correlation id " + e.CorrelationID + ")")
	}
	// One line, whatever the server put in its messages.
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, b.String())
}

// Is reports whether the error stands for target, one of the sentinel errors. The status decides,
// and stable PingOne codes too, since PingOne warns that a status within a class may change.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound || e.Code == "NOT_FOUND"
	case ErrConflict:
		// The sources disagree on whether a duplicate name is a 409 or a 400 whose details say
		// UNIQUENESS_VIOLATION, so both count.
		return e.StatusCode == http.StatusConflict || e.HasDetail("UNIQUENESS_VIOLATION")
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests || e.Code == "REQUEST_LIMITED"
	case ErrServerError:
		return e.StatusCode >= 500 && e.StatusCode <= 599
	}
	return false
}

// HasDetail reports whether one of the error's details carries the PingOne detail code, such as
// "CONSTRAINT_VIOLATION".
func (e *APIError) HasDetail(code string) bool {
	for _, d := range e.Details {
		if d.Code == code {
			return true
		}
	}
	return false
}

// errorBody is PingOne's error document; the OAuth fields cover the token endpoint.
type errorBody struct {
	ID               string        `json:"id"`
	Code             string        `json:"code"`
	Message          string        `json:"message"`
	Target           string        `json:"target"`
	Details          []ErrorDetail `json:"details"`
	Error            string        `json:"error"`
	ErrorDescription string        `json:"error_description"`
}

// newAPIError builds the error for a non-2xx response, reading at most maxErrorBody bytes of it.
// It never fails: a body that is not PingOne JSON becomes a short excerpt. hide holds the
// credentials the request carried, which a server may echo back.
func newAPIError(resp *http.Response, method, path string, hide secrets) *APIError {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	return apiErrorOf(resp.StatusCode, resp.Header, raw, method, path, hide)
}

// apiErrorOf builds the error from a response's parts; the token path has them without a body
// left to read, since x/oauth2 has read it. Every credential in hide is replaced by [REDACTED]
// in the raw body before it is parsed or cut to an excerpt (a cut could leave half a secret that
// no longer matches), and again in every decoded string (JSON escapes could have hidden it).
func apiErrorOf(status int, h http.Header, raw []byte, method, path string, hide secrets) *APIError {
	raw = hide.redactBytes(raw)
	e := &APIError{StatusCode: status, Method: method, Path: path, CorrelationID: h.Get("Correlation-Id")}
	if d, ok := parseRetryAfter(h.Get("Retry-After"), time.Now()); ok {
		e.RetryAfter = d
	}
	parseErrorBody(e, raw)
	if e.Body != "" {
		// Cut the excerpt from a body redacted in its escaped forms too: a cut through an
		// escaped secret would leave half of it where no later redaction can recognise it.
		e.Body = excerpt([]byte(hide.redact(string(raw))), maxExcerpt)
	}
	e.RetryAfter = preciseRetryAfter(e, time.Now())
	hide.redactError(e)
	return e
}

// redacted replaces a credential wherever an error would carry it.
const redacted = "[REDACTED]"

// secrets are the credentials a request carried, in every form a server could echo them: as
// sent in a form body or a Basic header, and JSON-escaped. An error built from a response never
// holds one of them.
type secrets []string

// secretForms returns the forms of a credential that a server might echo.
func secretForms(s string) secrets {
	if s == "" {
		return nil
	}
	forms := secrets{s, url.QueryEscape(s), url.PathEscape(s)}
	if q, err := json.Marshal(s); err == nil {
		forms = append(forms, string(q[1:len(q)-1]), strings.ReplaceAll(string(q[1:len(q)-1]), "/", `\/`))
	}
	return forms
}

// basicForms returns the base64 forms of HTTP Basic credentials, with and without the form
// encoding that OAuth 2 asks for (x/oauth2 sends the form-encoded one), in the standard and the
// URL-safe alphabet. They are unpadded: the unpadded text is a prefix of the padded one, so both
// are caught.
func basicForms(id, secret string) secrets {
	var forms secrets
	for _, cred := range []string{url.QueryEscape(id) + ":" + url.QueryEscape(secret), id + ":" + secret} {
		forms = append(forms, base64.RawStdEncoding.EncodeToString([]byte(cred)), base64.RawURLEncoding.EncodeToString([]byte(cred)))
	}
	return forms
}

// redact replaces every credential in s. A server can also echo one in an escaped form no list
// of forms can foresee (lower-case or complete percent-encoding, \u escapes, HTML entities, one
// escape in the middle): if s with its escapes undone holds a credential, the unescaped text,
// redacted, is returned instead.
func (h secrets) redact(s string) string {
	for _, x := range h {
		if x != "" && strings.Contains(s, x) {
			s = strings.ReplaceAll(s, x, redacted)
		}
	}
	if len(h) == 0 || !strings.ContainsAny(s, `%\+&`) {
		return s
	}
	// An HTML error page may echo with entities (&amp;, &#x73;).
	for _, u := range []string{unescape(s, false), unescape(s, true), html.UnescapeString(s)} {
		if u != s && h.holds(u) {
			return h.redact(u) // u has fewer escapes than s, so this ends
		}
	}
	return s
}

// holds reports whether s contains one of the credentials.
func (h secrets) holds(s string) bool {
	for _, x := range h {
		if x != "" && strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// unescape undoes one level of percent-encoding (%XX in either case; '+' as a space when plus)
// and of JSON backslash escapes (\uXXXX, surrogate pairs included, and \" \\ \/ \b \f \n \r \t),
// leaving whatever is not a valid escape as it is.
func unescape(s string, plus bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(v))
			i += 2
		case c == '+' && plus:
			b.WriteByte(' ')
		case c == '\\' && i+5 < len(s) && s[i+1] == 'u' && allHex(s[i+2:i+6]):
			v, _ := strconv.ParseUint(s[i+2:i+6], 16, 16)
			r := rune(v)
			i += 5
			if utf16.IsSurrogate(r) && i+6 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' && allHex(s[i+3:i+7]) {
				lo, _ := strconv.ParseUint(s[i+3:i+7], 16, 16)
				if d := utf16.DecodeRune(r, rune(lo)); d != unicode.ReplacementChar {
					r = d
					i += 6
				}
			}
			b.WriteRune(r)
		case c == '\\' && i+1 < len(s) && strings.IndexByte(`"\/bfnrt`, s[i+1]) >= 0:
			i++
			if k := strings.IndexByte("bfnrt", s[i]); k >= 0 {
				b.WriteByte("\b\f\n\r\t"[k])
			} else {
				b.WriteByte(s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func allHex(s string) bool {
	for i := range len(s) {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

func (h secrets) redactBytes(b []byte) []byte {
	for _, x := range h {
		if x != "" && bytes.Contains(b, []byte(x)) {
			b = bytes.ReplaceAll(b, []byte(x), []byte(redacted))
		}
	}
	return b
}

// redactError redacts every string an APIError carries, inner errors included.
func (h secrets) redactError(e *APIError) {
	if len(h) == 0 {
		return
	}
	for _, p := range []*string{&e.Code, &e.Message, &e.Target, &e.ID, &e.CorrelationID, &e.Body, &e.Method, &e.Path} {
		*p = h.redact(*p)
	}
	for i := range e.Details {
		d := &e.Details[i]
		d.Code, d.Target, d.Message = h.redact(d.Code), h.redact(d.Target), h.redact(d.Message)
		if d.InnerError != nil {
			d.InnerError, _ = h.redactAny(d.InnerError).(map[string]any)
		}
	}
}

// redactAny redacts the strings (keys included) of a decoded JSON value.
func (h secrets) redactAny(v any) any {
	switch v := v.(type) {
	case string:
		return h.redact(v)
	case []any:
		for i := range v {
			v[i] = h.redactAny(v[i])
		}
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[h.redact(k)] = h.redactAny(x)
		}
		return out
	}
	return v
}

// redactErr returns err, or an error with err's text redacted if that text held a credential.
// (The redacted error no longer unwraps: a chain that holds a secret must not be reachable.)
func (h secrets) redactErr(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if clean := h.redact(msg); clean != msg {
		return errors.New(clean)
	}
	return err
}

// parseErrorBody fills e from a PingOne or OAuth error document, or keeps an excerpt of raw.
func parseErrorBody(e *APIError, raw []byte) {
	var b errorBody
	if err := json.Unmarshal(raw, &b, decodeOptions); err == nil && (b.Code != "" || b.Error != "" || b.Message != "") {
		e.ID, e.Code, e.Message, e.Target, e.Details = b.ID, b.Code, b.Message, b.Target, b.Details
		if e.Code == "" {
			e.Code, e.Message = b.Error, b.ErrorDescription
		}
		return
	}
	e.Body = excerpt(raw, maxExcerpt)
}

// maxExcerpt is how much of a body that is no error document an APIError keeps.
const maxExcerpt = 200

// excerpt returns at most n bytes of b as valid UTF-8 with whitespace runs folded, for messages.
func excerpt(b []byte, n int) string {
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "?")), " ")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
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

// invalidArgf returns an ErrInvalidArgument error for input refused before sending.
func invalidArgf(format string, args ...any) error {
	return fmt.Errorf("pingone: "+format+": %w", append(args, ErrInvalidArgument)...)
}
