package pingone

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jarcoal/httpmock"
	"golang.org/x/oauth2"
)

// TestRedirectToAnotherHostRefused: the bearer token never follows a redirect elsewhere.
func TestRedirectToAnotherHostRefused(t *testing.T) {
	for _, code := range []int{http.StatusFound, http.StatusTemporaryRedirect} {
		var otherCalled atomic.Bool
		var otherAuth atomic.Value
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			otherCalled.Store(true)
			otherAuth.Store(r.Header.Get("Authorization"))
			_, _ = io.WriteString(w, `{"id":"x","name":"stolen"}`)
		}))
		api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+r.URL.Path, code)
		}))
		c, err := NewClient("", oauth2.StaticTokenSource(&oauth2.Token{AccessToken: testToken}), WithBaseURL(api.URL+"/v1"),
			WithRetryPolicy(fastRetry()))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Populations.Get(t.Context(), testEnv, testPop)
		if err == nil || !strings.Contains(err.Error(), "redirect") {
			t.Errorf("%d: err = %v, want a refused redirect", code, err)
		}
		if otherCalled.Load() {
			t.Errorf("%d: the other host was called (Authorization %q)", code, otherAuth.Load())
		}
		api.Close()
		other.Close()
	}
}

func TestBaseURLValidation(t *testing.T) {
	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: testToken})
	for _, tt := range []struct {
		url string
		ok  bool
	}{
		{"https://api.pingone.eu/v1", true}, {"https://api.pingone.eu/v1/", true}, {"http://127.0.0.1:8080/v1", true},
		{"http://localhost:1/v1", true}, {"http://[::1]:1/v1", true}, {"http://127.9.9.9/v1", true},
		{"http://api.pingone.eu/v1", false}, {"http://10.0.0.1/v1", false}, {"ftp://x/v1", false}, {"api.pingone.eu/v1", false},
		{"https://user:pw@api.pingone.eu/v1", false}, {"https://api.pingone.eu/v1?x=1", false}, {"", true /* region default */},
	} {
		_, err := NewClient(RegionEurope, ts, WithBaseURL(tt.url))
		if (err == nil) != tt.ok {
			t.Errorf("WithBaseURL(%q): err = %v, want ok=%v", tt.url, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("WithBaseURL(%q): err %v is not ErrInvalidArgument", tt.url, err)
		}
	}
	if _, err := NewClient("XX", ts); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("unknown region: err = %v", err)
	}
	if _, err := NewClient("", ts); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("no region, no base URL: err = %v", err)
	}
	if _, err := NewClient(RegionEurope, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("nil token source: err = %v", err)
	}
	if _, err := NewClient(RegionEurope, ts, WithRetryPolicy(RetryPolicy{MaxRetries: -1})); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("negative retries: err = %v", err)
	}
}

func TestUserAgent(t *testing.T) {
	for _, tt := range []struct{ opt, prefix string }{{"", "pingone-go/" + Version + " ("}, {"acme-sync/1.2", "acme-sync/1.2 pingone-go/" + Version + " ("}} {
		c, mt := newMockClient(t, WithUserAgent(tt.opt))
		var ua string
		mt.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
			ua = r.Header.Get("User-Agent")
			return httpmock.NewStringResponse(204, ""), nil
		})
		if err := c.Populations.Delete(t.Context(), testEnv, testPop); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(ua, tt.prefix) {
			t.Errorf("User-Agent = %q, want prefix %q", ua, tt.prefix)
		}
	}
}

func TestZeroClientPrints(t *testing.T) {
	var c *Client
	if got := fmt.Sprintf("%v %+v %#v", c, &Client{}, &Client{}); strings.Contains(got, "PANIC") {
		t.Errorf("printing a zero client panicked: %s", got)
	}
}

func TestBadURLNeverEchoesAPassword(t *testing.T) {
	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: testToken})
	for _, raw := range []string{"https://user:" + testSecret + "@api.pingone.eu/v1", "http://u:" + testSecret + "@example.com/v1", "https://u:" + testSecret + "@[::1/v1"} {
		_, err := NewClient(RegionEurope, ts, WithBaseURL(raw))
		if err == nil || containsSecret(err.Error()) {
			t.Errorf("WithBaseURL(%q): err = %v", raw, err)
		}
	}
	if _, err := NewWorkerClient("", testEnv, "id", testSecret, WithBaseURL("https://api.pingone.eu/v1")); !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "WithAuthURL") {
		t.Errorf("no region, no auth URL: %v", err)
	}
}
