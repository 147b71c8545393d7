package pingone

import (
	stdcmp "cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jarcoal/httpmock"
	"golang.org/x/oauth2"
)

// Credentials the tests hunt for in every error string, log line and %v.
const (
	testToken  = "tok-SECRET-8c1f2e"
	testSecret = "secret-VALUE-51d0a9"
	testEnv    = "11111111-1111-4111-8111-111111111111"
	testPop    = "22222222-2222-4222-8222-222222222222"
	testUser   = "33333333-3333-4333-8333-333333333333"
	apiBase    = "https://api.pingone.eu/v1"
)

// fastRetry is the one retry policy of the tests, inside the package and out (export_test.go):
// three retries a millisecond or two apart, and a Retry-After honoured up to 2 s (pingonetest's
// rate limit asks for 1 s), so that no test waits on the default backoff.
func fastRetry() RetryPolicy {
	return RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: 2 * time.Second}
}

// newMockClient returns a client on an httpmock transport (never httpmock.Activate, which swaps
// the process-wide default transport).
func newMockClient(t *testing.T, opts ...Option) (*Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	base := []Option{WithHTTPClient(&http.Client{Transport: mt}), WithRetryPolicy(fastRetry())}
	c, err := NewClient(RegionEurope, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: testToken}), append(base, opts...)...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c, mt
}

// sent is what a request carried, for diffs.
type sent struct {
	Method, Path, Query string
	Header              map[string]string
	Body                any
}

// recorder records requests and answers with canned responses, the last one repeating.
type recorder struct {
	mu        sync.Mutex
	reqs      []sent
	responses []response
}

type response struct {
	status int
	body   string
	header map[string]string
}

func (r *recorder) responder(req *http.Request) (*http.Response, error) {
	b, _ := io.ReadAll(req.Body)
	var body any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &body); err != nil {
			body = "INVALID JSON: " + string(b)
		}
	}
	h := map[string]string{}
	for _, k := range []string{"Authorization", "Accept", "Content-Type", headerTransactionID, headerSessionID} {
		if v := req.Header.Get(k); v != "" {
			h[k] = v
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, sent{Method: req.Method, Path: req.URL.EscapedPath(), Query: req.URL.RawQuery, Header: h, Body: body})
	resp := r.responses[min(len(r.reqs)-1, len(r.responses)-1)]
	hr := httpmock.NewStringResponse(resp.status, resp.body)
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Correlation-Id", "corr-1")
	for k, v := range resp.header {
		hr.Header.Set(k, v)
	}
	hr.Request = req
	return hr, nil
}

func (r *recorder) sent() []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sent(nil), r.reqs...)
}

// answer registers a recorder for every request to the mock transport.
func answer(mt *httpmock.MockTransport, responses ...response) *recorder {
	r := &recorder{responses: responses}
	mt.RegisterNoResponder(r.responder)
	return r
}

func ok(body string) response               { return response{status: 200, body: body} }
func status(code int, body string) response { return response{status: code, body: body} }

func mustJSON(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return v
}

func containsSecret(s string) bool {
	return strings.Contains(s, testToken) || strings.Contains(s, testSecret)
}

// requestCase is one row of a request table: the call, the response the mock gives, what must
// be on the wire and what must be decoded.
type requestCase struct {
	name   string
	resp   response
	call   func(context.Context, *Client) (any, error)
	want   sent
	result any
}

func runRequestCases(t *testing.T, tests []requestCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mt := newMockClient(t)
			rec := answer(mt, tt.resp)
			got, err := tt.call(t.Context(), c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if diff := cmp.Diff([]sent{tt.want}, rec.sent()); diff != "" {
				t.Errorf("request mismatch (-want +got):\n%s", diff)
			}
			if tt.result != nil {
				if diff := cmp.Diff(tt.result, got); diff != "" {
					t.Errorf("result mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// tokenServer is a worker token endpoint on httpmock that counts fetches.
type tokenServer struct {
	fetches  atomic.Int32
	delay    time.Duration
	refuse   bool
	lifetime int
}

func (ts *tokenServer) responder(r *http.Request) (*http.Response, error) {
	n := ts.fetches.Add(1)
	time.Sleep(ts.delay)
	if ts.refuse {
		return httpmock.NewStringResponse(401, `{"error":"invalid_client","error_description":"Request denied: invalid client credentials"}`), nil
	}
	id, secret, _ := r.BasicAuth()
	if id != "client-1" || secret != testSecret {
		return httpmock.NewStringResponse(401, `{"error":"invalid_client"}`), nil
	}
	resp := httpmock.NewStringResponse(200, fmt.Sprintf(`{"access_token":"%s-%d","token_type":"Bearer","expires_in":%d}`, testToken, n, stdcmp.Or(ts.lifetime, 3600)))
	resp.Header.Set("Content-Type", "application/json")
	return resp, nil
}

func newWorkerMock(t *testing.T, ts *tokenServer, opts ...Option) (*Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder("POST", "https://auth.pingone.eu/"+testEnv+"/as/token", ts.responder)
	base := []Option{WithHTTPClient(&http.Client{Transport: mt}), WithRetryPolicy(fastRetry())}
	c, err := NewWorkerClient(RegionEurope, testEnv, "client-1", testSecret, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, mt
}

// hostRecorder records each request's scheme, host, path and query, and its Authorization.
type hostRecorder struct {
	mu   sync.Mutex
	reqs []string
}

func (h *hostRecorder) record(r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.reqs = append(h.reqs, r.Method+" "+r.URL.Scheme+"://"+r.URL.Host+r.URL.EscapedPath()+"?"+r.URL.RawQuery+" "+r.Header.Get("Authorization"))
}

func (h *hostRecorder) sent() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.reqs...)
}

// longValue is a JSON string value of n bytes, so that bodies cross the decoder's buffer
// boundaries at many different offsets.
func longValue(i, n int) string {
	return `"` + strings.Repeat(string(rune('a'+i%26)), n) + `"`
}

// unknownMembers returns k members that no model knows, with values of varying lengths, as JSON
// text (without braces) and as the map Extra must hold.
func unknownMembers(seed, k int) (string, map[string]string) {
	var b strings.Builder
	want := map[string]string{}
	for m := range k {
		name := fmt.Sprintf("futureSetting%d_%d", m, seed)
		val := longValue(seed+m, 1+(seed*37+m*101)%700)
		if m%3 == 1 {
			val = `{"nested":` + val + `,"list":[1,2,{"x":` + val + `}]}`
		}
		fmt.Fprintf(&b, `,%q:%s`, name, val)
		want[name] = val
	}
	return b.String(), want
}

func jsonEqual(t *testing.T, a, b string) bool {
	t.Helper()
	return cmp.Equal(mustJSON(t, a), mustJSON(t, b))
}

// echoServer answers every request with an error that repeats the whole request back: headers,
// form body, query, in the message, the details, an inner error and the raw body.
func echoServer(t *testing.T, status int, jsonBody bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		echo := fmt.Sprintf("you sent %s %s with Authorization=%s body=%s secret=%s", r.Method, r.URL, r.Header.Get("Authorization"), body, form.Get("client_secret"))
		if u, p, ok := r.BasicAuth(); ok {
			echo += " basic user " + u + " pass " + p
		}
		w.Header().Set("Correlation-Id", r.Header.Get("Authorization"))
		if !jsonBody {
			// Pad so that a 200-byte excerpt would cut the echoed token in half.
			w.WriteHeader(status)
			_, _ = io.WriteString(w, strings.Repeat("x", 150)+echo+echo)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": echo, "code": "INVALID_DATA", "message": echo, "error": "invalid_client", "error_description": echo,
			"details": []any{map[string]any{"code": echo, "target": echo, "message": echo,
				"innerError": map[string]any{echo: []any{echo, map[string]any{"x": echo}}}}},
		})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// noRequestTransport answers like a test double that does not set Response.Request.
type noRequestTransport struct{ n atomic.Int32 }

func (t *noRequestTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	status := http.StatusServiceUnavailable
	if t.n.Add(1) > 2 {
		status = http.StatusOK
	}
	return &http.Response{StatusCode: status, Header: http.Header{"Retry-After": {"0"}}, Body: io.NopCloser(strings.NewReader(`{"id":"p","name":"n"}`))}, nil
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// loopingServer serves pages of one population each whose next links are given by next(n) for
// the n-th request (0-based); it counts requests.
func loopingServer(t *testing.T, next func(base string, n int) string) (*Client, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if i > 200 {
			http.Error(w, "enough", http.StatusGone) // the test failed; end it
			return
		}
		base := srv.URL + r.URL.Path
		w.Header().Set("Content-Type", "application/json")
		pop := `{"id":"p` + fmt.Sprint(i) + `","name":"n","default":false}`
		user := `{"id":"u` + fmt.Sprint(i) + `","population":{"id":"` + testPop + `"}}`
		if strings.Contains(r.URL.RawQuery, "empty") {
			pop, user = "", ""
		}
		fmt.Fprintf(w, `{"_embedded":{"populations":[%s],"users":[%s]},"_links":{"next":{"href":%q}}}`, pop, user, next(base, i))
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient("", staticToken(), WithBaseURL(srv.URL+"/v1"), WithRetryPolicy(fastRetry()))
	if err != nil {
		t.Fatal(err)
	}
	return c, &n
}

func staticToken() oauth2.TokenSource {
	return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: testToken})
}
