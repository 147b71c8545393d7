package pingone

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
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
	RetryAfter    time.Duration // from the Retry-After header, when present; at most a day
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
	if !parseErrorBody(e, raw) {
		// Cut the excerpt from a body redacted in its escaped forms too: a cut through an
		// escaped secret would leave half of it where no later redaction can recognise it.
		e.Body = excerpt([]byte(hide.redact(string(raw))), maxExcerpt)
	}
	e.RetryAfter = preciseRetryAfter(e, time.Now())
	hide.redactError(e)
	return e
}

// parseErrorBody fills e from a PingOne or OAuth error document, and reports whether raw was one
// (if not, the caller keeps an excerpt).
func parseErrorBody(e *APIError, raw []byte) bool {
	var b errorBody
	if err := json.Unmarshal(raw, &b, decodeOptions); err == nil && (b.Code != "" || b.Error != "" || b.Message != "") {
		e.ID, e.Code, e.Message, e.Target, e.Details = b.ID, b.Code, b.Message, b.Target, b.Details
		if e.Code == "" {
			e.Code, e.Message = b.Error, b.ErrorDescription
		}
		return true
	}
	return false
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

// errNilContext refuses a nil ctx wherever a call would first use it.
var errNilContext = invalidArgf("nil context")

// invalidArgf returns an ErrInvalidArgument error for input refused before sending.
func invalidArgf(format string, args ...any) error {
	return fmt.Errorf("pingone: "+format+": %w", append(args, ErrInvalidArgument)...)
}
