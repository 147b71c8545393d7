package pingone

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
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

func fastRetry() RetryPolicy {
	return RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond}
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
