package pingone

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jarcoal/httpmock"
)

func TestOneTokenFetchForConcurrentCalls(t *testing.T) {
	ts := &tokenServer{delay: 20 * time.Millisecond}
	c, mt := newWorkerMock(t, ts)
	var seen sync.Map
	mt.RegisterResponder("GET", `=~^https://api\.pingone\.eu/v1/`, func(r *http.Request) (*http.Response, error) {
		seen.Store(r.Header.Get("Authorization"), true)
		return httpmock.NewStringResponse(200, `{"id":"p","name":"n"}`), nil
	})
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			_, err := c.Populations.Get(t.Context(), testEnv, testPop)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := ts.fetches.Load(); n != 1 {
		t.Errorf("token fetches = %d, want 1", n)
	}
	if _, ok := seen.Load("Bearer " + testToken + "-1"); !ok {
		t.Errorf("API did not see the fetched token")
	}
}

func TestTokenRefreshedBeforeExpiry(t *testing.T) {
	ts := &tokenServer{lifetime: 1} // refreshed 100 ms before its one second is up
	c, mt := newWorkerMock(t, ts)
	answer(mt, status(204, ""))
	for range 3 {
		if err := c.Populations.Delete(t.Context(), testEnv, testPop); err != nil {
			t.Fatal(err)
		}
	}
	if n := ts.fetches.Load(); n != 1 {
		t.Fatalf("fetches = %d, want 1 while the token is fresh", n)
	}
	time.Sleep(950 * time.Millisecond)
	if err := c.Populations.Delete(t.Context(), testEnv, testPop); err != nil {
		t.Fatal(err)
	}
	if n := ts.fetches.Load(); n != 2 {
		t.Errorf("fetches = %d, want 2 after the token neared expiry", n)
	}
}

func TestUnauthorizedRefreshesOnce(t *testing.T) {
	for _, tt := range []struct {
		name                string
		responses           []response
		wantErr             error
		wantCalls, wantToks int32
	}{
		{"revoked token: one refresh, then success", []response{status(401, `{"code":"ACCESS_FAILED"}`), status(204, "")}, nil, 2, 2},
		{"second 401 is returned, no loop", []response{status(401, `{"code":"ACCESS_FAILED"}`)}, ErrUnauthorized, 2, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ts := &tokenServer{}
			c, mt := newWorkerMock(t, ts)
			rec := &recorder{responses: tt.responses}
			mt.RegisterResponder("DELETE", `=~^https://api\.pingone\.eu/v1/`, rec.responder)
			err := c.Populations.Delete(t.Context(), testEnv, testPop)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			got := rec.sent()
			if int32(len(got)) != tt.wantCalls || ts.fetches.Load() != tt.wantToks {
				t.Errorf("API calls %d, token fetches %d; want %d, %d", len(got), ts.fetches.Load(), tt.wantCalls, tt.wantToks)
			}
			if got[0].Header["Authorization"] == got[len(got)-1].Header["Authorization"] {
				t.Errorf("the retry used the same token")
			}
		})
	}
}

func TestWorkerClientPostAuthStyle(t *testing.T) {
	// An app configured for client_secret_post refuses Basic; the client falls back to the form.
	mt := httpmock.NewMockTransport()
	var styles []string
	mt.RegisterResponder("POST", "https://auth.pingone.eu/"+testEnv+"/as/token", func(r *http.Request) (*http.Response, error) {
		_ = r.ParseForm()
		if _, _, basic := r.BasicAuth(); basic {
			styles = append(styles, "basic")
			return httpmock.NewStringResponse(401, `{"error":"invalid_client"}`), nil
		}
		styles = append(styles, "post")
		if r.PostForm.Get("client_secret") != testSecret || r.PostForm.Get("grant_type") != "client_credentials" {
			return httpmock.NewStringResponse(401, `{"error":"invalid_client"}`), nil
		}
		resp := httpmock.NewStringResponse(200, `{"access_token":"`+testToken+`","token_type":"Bearer","expires_in":3600}`)
		resp.Header.Set("Content-Type", "application/json")
		return resp, nil
	})
	answer(mt, status(204, ""))
	c, err := NewWorkerClient(RegionEurope, testEnv, "client-1", testSecret, WithHTTPClient(&http.Client{Transport: mt}))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Populations.Delete(t.Context(), testEnv, testPop); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"basic", "post"}, styles); diff != "" {
		t.Errorf("auth styles (-want +got):\n%s", diff)
	}
}

// TestWithTokenURL: a custom domain's token URL is used exactly as given, and checked like the
// other URLs.
func TestWithTokenURL(t *testing.T) {
	tests := []struct {
		name    string
		opts    []Option
		want    []string // requests: method, URL, and the token request's form body
		wantErr error
	}{
		{name: "custom domain", opts: []Option{WithTokenURL("https://login.example.com/as/token")},
			want: []string{"POST https://login.example.com/as/token grant_type=client_credentials", "GET https://api.pingone.eu/v1/environments/" + testEnv + "/populations/" + testPop}},
		{name: "wins over WithAuthURL", opts: []Option{WithAuthURL("https://auth.example.com"), WithTokenURL("https://login.example.com/as/token")},
			want: []string{"POST https://login.example.com/as/token grant_type=client_credentials", "GET https://api.pingone.eu/v1/environments/" + testEnv + "/populations/" + testPop}},
		{name: "without it, the environment's path", opts: nil,
			want: []string{"POST https://auth.pingone.eu/" + testEnv + "/as/token grant_type=client_credentials", "GET https://api.pingone.eu/v1/environments/" + testEnv + "/populations/" + testPop}},
		{name: "plain http on loopback", opts: []Option{WithTokenURL("http://127.0.0.1:9999/as/token")},
			want: []string{"POST http://127.0.0.1:9999/as/token grant_type=client_credentials", "GET https://api.pingone.eu/v1/environments/" + testEnv + "/populations/" + testPop}},
		{name: "plain http elsewhere", opts: []Option{WithTokenURL("http://login.example.com/as/token")}, wantErr: ErrInvalidArgument},
		{name: "query", opts: []Option{WithTokenURL("https://login.example.com/as/token?x=1")}, wantErr: ErrInvalidArgument},
		{name: "not absolute", opts: []Option{WithTokenURL("/as/token")}, wantErr: ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mt := httpmock.NewMockTransport()
			var mu sync.Mutex
			var got []string
			mt.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
				line := r.Method + " " + r.URL.Scheme + "://" + r.URL.Host + r.URL.EscapedPath()
				resp := httpmock.NewStringResponse(200, `{"id":"`+testPop+`","name":"p"}`)
				if r.Method == http.MethodPost {
					b, _ := io.ReadAll(r.Body)
					line += " " + string(b)
					resp = httpmock.NewStringResponse(200, `{"access_token":"`+testToken+`","token_type":"Bearer","expires_in":3600}`)
				}
				mu.Lock()
				got = append(got, line)
				mu.Unlock()
				resp.Header.Set("Content-Type", "application/json")
				return resp, nil
			})
			opts := append([]Option{WithHTTPClient(&http.Client{Transport: mt}), WithRetryPolicy(fastRetry())}, tt.opts...)
			c, err := NewWorkerClient(RegionEurope, testEnv, "client-id", testSecret, opts...)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("NewWorkerClient: %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if _, err := c.Populations.Get(t.Context(), testEnv, testPop); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}

	// A custom domain needs no region.
	if _, err := NewWorkerClient("", testEnv, "client-id", testSecret,
		WithBaseURL("https://api.example.com/v1"), WithTokenURL("https://login.example.com/as/token")); err != nil {
		t.Errorf("custom domain without a region: %v", err)
	}
}

func TestTokenFailureIsNotDoubledByAuthStyles(t *testing.T) {
	tests := []struct {
		name   string
		status int
		method TokenAuthMethod
		want   int
	}{
		{"503, autodetect: retried, never re-tried with the other style", 503, "", 3},
		{"401, autodetect: basic then post", 401, "", 2},
		{"401, pinned to post", 401, ClientSecretPost, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int32
			var sawBasic, sawPost atomic.Bool
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n.Add(1)
				_ = r.ParseForm()
				if _, _, ok := r.BasicAuth(); ok {
					sawBasic.Store(true)
				}
				if r.PostForm.Get("client_secret") != "" {
					sawPost.Store(true)
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, `{"error":"invalid_client"}`)
			}))
			defer srv.Close()
			c, err := NewWorkerClient("", testEnv, "id", testSecret, WithBaseURL(srv.URL+"/v1"), WithAuthURL(srv.URL),
				WithRetryPolicy(RetryPolicy{MaxRetries: 2, MinWait: time.Millisecond, MaxWait: time.Millisecond}), WithTokenAuthMethod(tt.method))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Populations.Get(t.Context(), testEnv, testPop); err == nil {
				t.Fatal("no error")
			}
			if int(n.Load()) != tt.want {
				t.Errorf("%d token requests, want %d", n.Load(), tt.want)
			}
			if tt.method == ClientSecretPost && sawBasic.Load() {
				t.Error("pinned to client_secret_post, but sent Basic credentials")
			}
			if tt.method == "" && tt.status == 401 && !(sawBasic.Load() && sawPost.Load()) {
				t.Error("autodetect did not try both styles")
			}
		})
	}
	if _, err := NewWorkerClient(RegionEurope, testEnv, "id", testSecret, WithTokenAuthMethod("private_key_jwt")); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("unknown auth method: %v", err)
	}
}

// TestOneTokenFor1000ConcurrentFirstCalls: a cold client fetches one token for 1,000 callers.
func TestOneTokenFor1000ConcurrentFirstCalls(t *testing.T) {
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/"+testEnv+"/as/token" {
			fetches.Add(1)
			time.Sleep(10 * time.Millisecond) // so that the callers pile up behind the fetch
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"t","token_type":"Bearer","expires_in":3600}`))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c, err := NewWorkerClient("", testEnv, "id", testSecret, WithBaseURL(srv.URL+"/v1"), WithAuthURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 1000 {
		wg.Go(func() {
			if err := c.Populations.Delete(t.Context(), testEnv, testPop); err != nil {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if fetches.Load() != 1 || failed.Load() != 0 {
		t.Errorf("token fetches %d, failed calls %d; want 1 and 0", fetches.Load(), failed.Load())
	}
}
