package pingonetest

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
)

// apiError is a PingOne error document.
type apiError struct {
	status  int
	ID      string        `json:"id"`
	Code    string        `json:"code"`
	Message string        `json:"message"`
	Details []errorDetail `json:"details,omitempty"`
}

type errorDetail struct {
	Code       string         `json:"code"`
	Target     string         `json:"target,omitempty"`
	Message    string         `json:"message"`
	InnerError map[string]any `json:"innerError,omitempty"`
}

func newError(status int, code, msg string, details ...errorDetail) *apiError {
	return &apiError{status: status, Code: code, Message: msg, Details: details}
}

func invalidData(target, detailCode, msg string) *apiError {
	return newError(http.StatusBadRequest, "INVALID_DATA",
		"The request could not be completed. One or more validation errors were in the request.",
		errorDetail{Code: detailCode, Target: target, Message: msg})
}

func notFound() *apiError {
	return newError(http.StatusNotFound, "NOT_FOUND", "The request could not be completed. The requested resource was not found.")
}

func defaultCode(status int) string {
	switch {
	case status == http.StatusBadRequest:
		return "INVALID_DATA"
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		return "ACCESS_FAILED"
	case status == http.StatusNotFound:
		return "NOT_FOUND"
	case status == http.StatusTooManyRequests:
		return "REQUEST_LIMITED"
	case status >= 500:
		return "UNEXPECTED_ERROR"
	}
	return "REQUEST_FAILED"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"code":"UNEXPECTED_ERROR","message":"encode failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (s *Server) writeError(w http.ResponseWriter, e *apiError) {
	s.mu.Lock()
	e.ID = s.newAuxID()
	s.mu.Unlock()
	writeJSON(w, e.status, e)
}

// serve is the entry point: record, fault, rate-limit, authenticate, route.
func (s *Server) serve(rw http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	idx := s.record(r, body)
	w := &statusWriter{ResponseWriter: rw}
	defer func() {
		s.mu.Lock()
		if idx < len(s.requests) { // Reset may have run meanwhile
			s.requests[idx].Status = w.status
		}
		s.mu.Unlock()
	}()
	s.mu.Lock()
	w.Header().Set("Correlation-Id", s.newAuxID())
	s.mu.Unlock()
	if s.cfg.latency > 0 {
		select {
		case <-time.After(s.cfg.latency):
		case <-r.Context().Done():
			return // the client gave up: nobody waits for the answer
		}
	}

	if f := s.takeFault(r); f != nil {
		if f.Delay > 0 {
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
				return
			}
		}
		switch {
		case f.CloseConnection:
			if conn, _, err := w.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
			panic(http.ErrAbortHandler)
		case f.Truncate:
			rec := httptest.NewRecorder()
			s.route(rec, r, body)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			full := rec.Body.Bytes()
			w.Header().Set("Content-Length", strconv.Itoa(len(full)))
			w.WriteHeader(rec.Code)
			_, _ = w.Write(full[:len(full)/2])
			w.Flush()
			panic(http.ErrAbortHandler) // the client sees the connection end mid-body
		case f.Status != 0:
			if f.Apply {
				s.route(httptest.NewRecorder(), r, body)
			}
			if f.RetryAfter > 0 {
				ra := strconv.Itoa(int((f.RetryAfter + time.Second - 1) / time.Second))
				if f.RetryAfterHTTPDate {
					ra = time.Now().Add(f.RetryAfter).UTC().Format(http.TimeFormat)
				}
				w.Header().Set("Retry-After", ra)
			}
			if f.Body != "" {
				ct := "application/json"
				if strings.HasPrefix(strings.TrimSpace(f.Body), "<") {
					ct = "text/html; charset=utf-8"
				}
				w.Header().Set("Content-Type", ct)
				w.WriteHeader(f.Status)
				_, _ = io.WriteString(w, f.Body)
				return
			}
			code := f.Code
			if code == "" {
				code = defaultCode(f.Status)
			}
			e := newError(f.Status, code, "Injected fault: "+http.StatusText(f.Status))
			if f.Status == http.StatusTooManyRequests && f.RetryAfter > 0 {
				// Like PingOne, the exact time in the detail; the header has whole seconds.
				e.Details = []errorDetail{{Code: "LIMIT_EXCEEDED", Message: "Injected rate limit.",
					InnerError: map[string]any{"retryAfter": time.Now().Add(f.RetryAfter).UTC().Format("2006-01-02T15:04:05.000Z07:00")}}}
			}
			s.writeError(w, e)
			return
		}
	}
	s.route(w, r, body)
}

// statusWriter remembers the status written, for Request.Status.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// record keeps a copy of the request with credentials redacted, and returns its index.
func (s *Server) record(r *http.Request, body []byte) int {
	h := r.Header.Clone()
	if a := h.Get("Authorization"); a != "" {
		scheme, _, _ := strings.Cut(a, " ")
		h.Set("Authorization", scheme+" REDACTED")
	}
	b := string(body)
	if r.Method == http.MethodPost && strings.HasSuffix(strings.TrimSuffix(r.URL.Path, "/"), "/users") {
		b = redactPassword(body) // an import's password, or one sent by mistake with a plain create
	}
	if strings.HasSuffix(r.URL.Path, "/as/token") {
		if form, err := url.ParseQuery(b); err == nil && form.Has("client_secret") {
			form.Set("client_secret", "REDACTED")
			b = form.Encode()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if strings.HasSuffix(r.URL.Path, "/as/token") {
		s.tokenRequests++ // faulted ones too: they reached the server
	}
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: h, Body: b, Time: time.Now()})
	return len(s.requests) - 1
}

// route dispatches to the token endpoint or the API.
func (s *Server) route(w http.ResponseWriter, r *http.Request, body []byte) {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(segs) == 3 && segs[1] == "as" && segs[2] == "token" {
		s.tokenEndpoint(w, r, segs[0], body)
		return
	}
	if len(segs) < 3 || segs[0] != "v1" || segs[1] != "environments" {
		s.writeError(w, notFound())
		return
	}
	if e := s.limit(w); e != nil {
		s.writeError(w, e)
		return
	}
	envID := segs[2]
	if e := s.authorize(r, envID); e != nil {
		s.writeError(w, e)
		return
	}
	rest := segs[3:]
	type route struct {
		methods []string
		handle  func() (int, any, *apiError)
	}
	var rt *route
	switch {
	case len(rest) == 1 && rest[0] == "populations":
		rt = &route{[]string{"GET", "POST"}, func() (int, any, *apiError) {
			if r.Method == "GET" {
				return s.list(r, envID, "populations")
			}
			return s.createPopulation(r, envID, body)
		}}
	case len(rest) == 2 && rest[0] == "populations":
		rt = &route{[]string{"GET", "PUT", "DELETE"}, func() (int, any, *apiError) {
			switch r.Method {
			case "GET":
				return s.getPopulation(r, envID, rest[1])
			case "PUT":
				return s.updatePopulation(r, envID, rest[1], body)
			}
			return s.deletePopulation(envID, rest[1])
		}}
	case len(rest) == 1 && rest[0] == "users":
		rt = &route{[]string{"GET", "POST"}, func() (int, any, *apiError) {
			if r.Method == "GET" {
				return s.list(r, envID, "users")
			}
			return s.createUser(r, envID, body)
		}}
	case len(rest) == 3 && rest[0] == "populations" && rest[2] == "defaultIdentityProvider":
		rt = &route{[]string{"GET", "PUT"}, func() (int, any, *apiError) {
			if r.Method == "GET" {
				return s.getDefaultIdP(r, envID, rest[1])
			}
			return s.setDefaultIdP(r, envID, rest[1], body)
		}}
	case len(rest) == 2 && rest[0] == "users":
		rt = &route{[]string{"GET", "PUT", "PATCH", "DELETE"}, func() (int, any, *apiError) {
			switch r.Method {
			case "GET":
				return s.getUser(r, envID, rest[1])
			case "PUT":
				return s.replaceUser(r, envID, rest[1], body)
			case "PATCH":
				return s.patchUser(r, envID, rest[1], body)
			}
			return s.deleteUser(envID, rest[1])
		}}
	case len(rest) == 3 && rest[0] == "users" && rest[2] == "population":
		rt = &route{[]string{"GET", "PUT"}, func() (int, any, *apiError) {
			if r.Method == "GET" {
				return s.getUserPopulation(r, envID, rest[1])
			}
			return s.moveUser(r, envID, rest[1], body)
		}}
	}
	if rt == nil {
		s.writeError(w, notFound())
		return
	}
	if !slices.Contains(rt.methods, r.Method) {
		w.Header().Set("Allow", strings.Join(rt.methods, ", "))
		s.writeError(w, newError(http.StatusMethodNotAllowed, "INVALID_REQUEST", "The request could not be completed. The method is not supported for this resource."))
		return
	}
	status, v, e := rt.handle()
	if e != nil {
		s.writeError(w, e)
		return
	}
	if v == nil {
		w.WriteHeader(status)
		return
	}
	writeJSON(w, status, v)
}

// limit applies the rate limit, in fixed one-second windows or with a token bucket.
func (s *Server) limit(w http.ResponseWriter) *apiError {
	if s.cfg.rateLimit <= 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	var reset time.Time // when a request would be admitted again
	if s.cfg.tokenBucket {
		limit := float64(s.cfg.rateLimit)
		if s.bucketAt.IsZero() {
			s.bucket = limit
		} else {
			s.bucket = min(limit, s.bucket+now.Sub(s.bucketAt).Seconds()*limit)
		}
		s.bucketAt = now
		if s.bucket >= 1 {
			s.bucket--
			return nil
		}
		reset = now.Add(time.Duration((1 - s.bucket) / limit * float64(time.Second)))
	} else {
		if now.Sub(s.window) >= time.Second {
			s.window, s.windowCount = now, 0
		}
		s.windowCount++
		if s.windowCount <= s.cfg.rateLimit {
			return nil
		}
		reset = s.window.Add(time.Second)
	}
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(time.Until(reset).Seconds())))))
	return newError(http.StatusTooManyRequests, "REQUEST_LIMITED", "The request could not be completed. Too many requests.",
		errorDetail{Code: "LIMIT_EXCEEDED", Message: fmt.Sprintf("More than %d requests per second.", s.cfg.rateLimit),
			InnerError: map[string]any{"retryAfter": reset.UTC().Format("2006-01-02T15:04:05.000Z07:00")}})
}

// authorize checks the bearer token and the environment.
func (s *Server) authorize(r *http.Request, envID string) *apiError {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[tok]
	if !strings.EqualFold(scheme, "Bearer") || !ok || !time.Now().Before(t.expires) {
		return newError(http.StatusUnauthorized, "ACCESS_FAILED", "The request could not be completed. The access token is missing, expired or invalid.",
			errorDetail{Code: "INVALID_TOKEN", Message: "Access token is missing, expired or invalid."})
	}
	if s.envs[envID] == nil {
		return notFound()
	}
	if t.env != envID {
		return newError(http.StatusForbidden, "ACCESS_FAILED", "The request could not be completed. You do not have access to this resource.")
	}
	return nil
}

// tokenEndpoint implements the client-credentials grant with client_secret_basic or _post.
func (s *Server) tokenEndpoint(w http.ResponseWriter, r *http.Request, envID string, body []byte) {
	oauthErr := func(status int, code, desc string) {
		writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
	}
	if r.Method != http.MethodPost {
		oauthErr(http.StatusMethodNotAllowed, "invalid_request", "use POST")
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		oauthErr(http.StatusBadRequest, "invalid_request", "malformed form body")
		return
	}
	id, secret, basic := r.BasicAuth()
	if basic {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	s.mu.Lock()
	_, envOK := s.envs[envID]
	s.mu.Unlock()
	switch {
	case !envOK:
		oauthErr(http.StatusNotFound, "invalid_request", "unknown environment")
	case form.Get("grant_type") != "client_credentials":
		oauthErr(http.StatusBadRequest, "unsupported_grant_type", "only client_credentials is supported")
	case id != s.ClientID || secret != s.ClientSecret:
		w.Header().Set("WWW-Authenticate", `Basic realm="PingOne"`)
		oauthErr(http.StatusUnauthorized, "invalid_client", "Request denied: Unsupported authentication method or invalid client credentials")
	default:
		s.mu.Lock()
		tok := randomString(32)
		if s.cfg.deterministic {
			// A counter of its own, never reset: a revoked token is never issued again.
			s.tokenSeq++
			tok = fmt.Sprintf("pingonetest-token-%d", s.tokenSeq)
		}
		s.tokens[tok] = token{env: envID, expires: time.Now().Add(s.cfg.tokenLifetime)}
		s.mu.Unlock()
		secs := int64((s.cfg.tokenLifetime + time.Second - 1) / time.Second)
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": secs})
	}
}

// decodeBody checks the content type and decodes the JSON body into v, which is one of the
// fake's own request types. Member names match exactly (encoding/json would take "NAME" for
// "name"); with strict, a member v does not have is refused, naming it. A value of the wrong type
// is refused naming its member.
func decodeBody(r *http.Request, body []byte, v any, strict bool, types ...string) *apiError {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !slices.Contains(append(types, "application/json"), mt) {
		return newError(http.StatusUnsupportedMediaType, "INVALID_REQUEST", "The request could not be completed. The Content-Type is not supported.")
	}
	err = jsonv2.Unmarshal(body, v, jsonv2.RejectUnknownMembers(strict))
	var se *jsonv2.SemanticError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se) && se.JSONPointer != "":
		target := strings.ReplaceAll(strings.TrimPrefix(string(se.JSONPointer), "/"), "/", ".")
		if errors.Is(se.Err, jsonv2.ErrUnknownName) {
			return invalidData(target, "INVALID_VALUE", "unknown or read-only member "+strconv.Quote(target))
		}
		return invalidData(target, "INVALID_VALUE", "a value of the wrong type")
	}
	return newError(http.StatusBadRequest, "INVALID_DATA", "The request could not be completed. The request body is not valid JSON.")
}

// link is a HAL link.
type link struct {
	Href string `json:"href"`
}

func baseURL(r *http.Request) string { return "http://" + r.Host + "/v1" }

// A cursor is the offset into the filtered result, and with WithFilterInCursor the filter too,
// base64url-encoded to keep it opaque.
func (s *Server) encodeCursor(offset int, filter string) string {
	c := "o:" + strconv.Itoa(offset)
	if s.cfg.filterInCursor {
		c += ";" + filter
	}
	return base64.RawURLEncoding.EncodeToString([]byte(c))
}

func decodeCursor(c string) (offset int, filter string, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !bytes.HasPrefix(b, []byte("o:")) {
		return 0, "", false
	}
	n, filter, _ := strings.Cut(string(b[2:]), ";")
	offset, err = strconv.Atoi(n)
	return offset, filter, err == nil && offset >= 0
}
