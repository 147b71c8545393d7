package pingone

// Regression tests for what a hostile or broken server did to the SDK (issue 9): each one failed
// before its fix.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jarcoal/httpmock"
	"golang.org/x/oauth2"
)

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

func TestUnknownMemberNamesSurviveLargeBodies(t *testing.T) {
	t.Run("a page of 900 users", func(t *testing.T) {
		var items []string
		wants := map[string]map[string]string{}
		for i := range 900 {
			id := fmt.Sprintf("u%03d", i)
			extra, want := unknownMembers(i, 4)
			wants[id] = want
			items = append(items, fmt.Sprintf(`{"id":%q,"username":%q,"email":"e@x"%s,"population":{"id":"p"},"_links":{"self":{"href":"https://api.pingone.eu/v1/x"}}}`, id, id, extra))
		}
		c, mt := newMockClient(t)
		answer(mt, ok(`{"_embedded":{"users":[`+strings.Join(items, ",")+`]},"count":900}`))
		page, err := c.Users.ListPage(t.Context(), testEnv, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 900 {
			t.Fatalf("%d items, want 900", len(page.Items))
		}
		for _, u := range page.Items {
			got := map[string]string{}
			for k, v := range u.Extra {
				got[k] = string(v)
			}
			if diff := cmp.Diff(wants[u.ID], got); diff != "" {
				t.Fatalf("user %s Extra (-want +got):\n%s", u.ID, diff)
			}
		}
	})
	t.Run("Get then Update sends every unknown member back by its name", func(t *testing.T) {
		extra, want := unknownMembers(7, 300)
		c, mt := newMockClient(t)
		body := `{"id":"p","name":"Staff","theme":{"id":"t"}` + extra + `}`
		rec := answer(mt, ok(body))
		p, err := c.Populations.Get(t.Context(), testEnv, testPop)
		if err != nil {
			t.Fatal(err)
		}
		p.Description = "changed"
		if _, err := c.Populations.SetDefault(t.Context(), testEnv, testPop); err != nil {
			t.Fatal(err)
		}
		sentBody, _ := rec.sent()[2].Body.(map[string]any) // Get, SetDefault's Get, its PUT
		for name, v := range want {
			got, err := json.Marshal(sentBody[name])
			if err != nil || !jsonEqual(t, v, string(got)) {
				t.Fatalf("member %q sent as %s, want %s", name, got, v)
			}
		}
		for name := range sentBody {
			if _, ok := want[name]; !ok && !populationModel.known(name) {
				t.Fatalf("Update sent a member nobody sent: %q", name)
			}
		}
	})
}

func jsonEqual(t *testing.T, a, b string) bool {
	t.Helper()
	return cmp.Equal(mustJSON(t, a), mustJSON(t, b))
}

func TestRefKeepsUnknownMembers(t *testing.T) {
	c, mt := newMockClient(t)
	rec := answer(mt, ok(`{"id":"p","name":"Staff","theme":{"id":"t","mode":"dark","_links":{"self":{"href":"x"}}},"passwordPolicy":{"id":"pp","strict":true}}`))
	p, err := c.Populations.Get(t.Context(), testEnv, testPop)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Populations.Update(t.Context(), testEnv, testPop, p); err != nil {
		t.Fatal(err)
	}
	want := mustJSON(t, `{"name":"Staff","default":false,"theme":{"id":"t","mode":"dark"},"passwordPolicy":{"id":"pp","strict":true}}`)
	if diff := cmp.Diff(want, rec.sent()[1].Body); diff != "" {
		t.Errorf("Update body (-want +got):\n%s", diff)
	}
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

func TestEchoedCredentialsNeverInErrors(t *testing.T) {
	const clientID = "client/id+1"
	const secret = "s3cr3t/+=&VALUE " + testSecret
	forbidden := []string{secret, testSecret, testToken, url.QueryEscape(secret),
		base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(clientID) + ":" + url.QueryEscape(secret))),
		base64.StdEncoding.EncodeToString([]byte(clientID + ":" + secret))}
	check := func(t *testing.T, err error) {
		t.Helper()
		if err == nil {
			t.Fatal("no error")
		}
		var apiErr *APIError
		errors.As(err, &apiErr)
		for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
			for _, v := range []any{err, apiErr} {
				got := fmt.Sprintf(f, v)
				for _, s := range forbidden {
					if strings.Contains(got, s) {
						t.Fatalf("%s of the error holds the credential %q:\n%s", f, s, got)
					}
				}
			}
		}
	}
	for _, jsonBody := range []bool{true, false} {
		for _, method := range []TokenAuthMethod{"", ClientSecretBasic, ClientSecretPost} {
			t.Run(fmt.Sprintf("token endpoint json=%v %s", jsonBody, method), func(t *testing.T) {
				srv := echoServer(t, http.StatusUnauthorized, jsonBody)
				c, err := NewWorkerClient("", testEnv, clientID, secret, WithBaseURL(srv.URL+"/v1"), WithAuthURL(srv.URL),
					WithRetryPolicy(fastRetry()), WithTokenAuthMethod(method))
				if err != nil {
					t.Fatal(err)
				}
				_, err = c.Populations.Get(t.Context(), testEnv, testPop)
				check(t, err)
			})
		}
		t.Run(fmt.Sprintf("API json=%v", jsonBody), func(t *testing.T) {
			srv := echoServer(t, http.StatusBadRequest, jsonBody)
			c, err := NewClient("", staticToken(), WithBaseURL(srv.URL+"/v1"), WithRetryPolicy(fastRetry()))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Populations.Get(t.Context(), testEnv, testPop)
			check(t, err)
		})
	}
	t.Run("a 200 whose fields echo the token fails to decode without quoting it", func(t *testing.T) {
		c, mt := newMockClient(t)
		answer(mt, ok(`{"id":"p","name":"n","userCount":"Bearer `+testToken+`","default":"`+testToken+`"}`))
		_, err := c.Populations.Get(t.Context(), testEnv, testPop)
		check(t, err)
	})
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

func TestRetryLogWithoutResponseRequest(t *testing.T) {
	var logs strings.Builder
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := NewClient(RegionEurope, staticToken(), WithHTTPClient(&http.Client{Transport: &noRequestTransport{}}),
		WithLogger(logger), WithRetryPolicy(fastRetry()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Populations.Get(t.Context(), testEnv, testPop); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if got := strings.Count(logs.String(), "pingone: retrying"); got != 2 {
		t.Errorf("%d retry lines, want 2:\n%s", got, logs.String())
	}
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

func TestRepeatingNextLinkEndsTheListing(t *testing.T) {
	links := map[string]func(base string, n int) string{
		"itself":            func(base string, n int) string { return base + "?limit=1&cursor=c" },
		"back to the first": func(base string, n int) string { return base + "?cursor=" + fmt.Sprint(n%3) },
		"the first page":    func(base string, n int) string { return base },
		"reordered query":   func(base string, n int) string { return base + []string{"?a=1&b=2", "?b=2&a=1"}[n%2] },
		"fresh cursors, empty pages": func(base string, n int) string {
			return base + "?empty=1&cursor=" + fmt.Sprint(n)
		},
	}
	ops := map[string]func(context.Context, *Client) error{
		"Populations.List": func(ctx context.Context, c *Client) error {
			for _, err := range c.Populations.List(ctx, testEnv, nil) {
				if err != nil {
					return err
				}
			}
			return nil
		},
		"Users.List": func(ctx context.Context, c *Client) error {
			for _, err := range c.Users.List(ctx, testEnv, nil) {
				if err != nil {
					return err
				}
			}
			return nil
		},
		"GetDefault": func(ctx context.Context, c *Client) error {
			_, err := c.Populations.GetDefault(ctx, testEnv)
			return err
		},
		"MoveAll": func(ctx context.Context, c *Client) error {
			_, err := c.Users.MoveAll(ctx, testEnv, testPop, "other", &BulkOptions{DryRun: true})
			return err
		},
	}
	for ln, next := range links {
		for on, op := range ops {
			t.Run(ln+"/"+on, func(t *testing.T) {
				c, n := loopingServer(t, next)
				err := op(context.Background(), c)
				if err == nil || !strings.Contains(err.Error(), "stopping") {
					t.Fatalf("err = %v after %d requests, want the listing stopped", err, n.Load())
				}
				if n.Load() > maxEmptyPages+1 {
					t.Errorf("%d requests before stopping", n.Load())
				}
			})
		}
	}
}

func TestHugePageRefused(t *testing.T) {
	c, mt := newMockClient(t)
	body := `{"_embedded":{"populations":[` + strings.Repeat(`{},`, 1_000_000) + `{}]}}`
	answer(mt, ok(body))
	_, err := c.Populations.ListPage(t.Context(), testEnv, nil)
	if err == nil || !strings.Contains(err.Error(), "items in one page") {
		t.Fatalf("err = %v, want the page refused", err)
	}
}

func TestNullIsNotAResource(t *testing.T) {
	tests := []struct {
		name string
		body string
		call func(context.Context, *Client) error
	}{
		{"Get null", `null`, func(ctx context.Context, c *Client) error {
			_, err := c.Populations.Get(ctx, testEnv, testPop)
			return err
		}},
		{"Get  null with spaces", " \n null ", func(ctx context.Context, c *Client) error { _, err := c.Users.Get(ctx, testEnv, testUser); return err }},
		{"GetPopulation null", `null`, func(ctx context.Context, c *Client) error {
			_, err := c.Users.GetPopulation(ctx, testEnv, testUser)
			return err
		}},
		{"page null", `null`, func(ctx context.Context, c *Client) error {
			_, err := c.Populations.ListPage(ctx, testEnv, nil)
			return err
		}},
		{"null item", `{"_embedded":{"populations":[{"id":"a"},null]}}`, func(ctx context.Context, c *Client) error {
			_, err := c.Populations.ListPage(ctx, testEnv, nil)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mt := newMockClient(t)
			answer(mt, ok(tt.body))
			if err := tt.call(t.Context(), c); err == nil || !strings.Contains(err.Error(), "null") {
				t.Errorf("err = %v, want an error about null", err)
			}
		})
	}
}

func TestStalledServersEndTheCall(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("stall") == "headers" || strings.HasSuffix(r.URL.Path, "/never") {
			<-release
			return
		}
		// A whole, valid answer, then a body that never ends.
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"p","name":"n"}`+strings.Repeat(" ", 100))
		w.(http.Flusher).Flush()
		<-release
	}))
	defer srv.Close()
	defer close(release) // before Close, which waits for the handlers
	c, err := NewClient("", staticToken(), WithBaseURL(srv.URL+"/v1"), WithRetryPolicy(RetryPolicy{MaxRetries: 1, MinWait: time.Millisecond}),
		WithAttemptTimeout(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	run := func(name string, call func() error, wantErr bool) {
		t.Run(name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() { done <- call() }()
			select {
			case err := <-done:
				if (err != nil) != wantErr {
					t.Errorf("err = %v, want error %v", err, wantErr)
				}
			case <-time.After(30 * time.Second): // a liveness bound, not a speed check
				t.Fatal("the call hung")
			}
		})
	}
	run("no answer", func() error { _, err := c.Populations.Get(context.Background(), testEnv, "never"); return err }, true)
	run("a body that stalls after the JSON", func() error { _, err := c.Populations.Get(context.Background(), testEnv, testPop); return err }, false)
	run("a move whose body stalls", func() error { return c.Users.MovePopulation(context.Background(), testEnv, testUser, testPop) }, false)

	def, err := NewClient(RegionEurope, staticToken())
	if err != nil {
		t.Fatal(err)
	}
	if got := def.hc.Timeout; got != DefaultAttemptTimeout {
		t.Errorf("default attempt timeout %v, want %v", got, DefaultAttemptTimeout)
	}
	mine, err := NewClient(RegionEurope, staticToken(), WithHTTPClient(&http.Client{Timeout: time.Minute}))
	if err != nil {
		t.Fatal(err)
	}
	if got := mine.hc.Timeout; got != time.Minute {
		t.Errorf("the caller's client's timeout became %v", got)
	}
}

func TestMoveAllFilterCannotWiden(t *testing.T) {
	for _, f := range []string{`username sw "x") or (username sw "x"`, `username sw "x`, `(username sw "x"`, `username eq "a\"") or (x eq "`, `)`} {
		t.Run(f, func(t *testing.T) {
			c, mt := newMockClient(t)
			rec := answer(mt, ok(`{}`))
			_, err := c.Users.MoveAll(t.Context(), testEnv, testPop, "to", &BulkOptions{Filter: f})
			if !errors.Is(err, ErrInvalidArgument) || len(rec.sent()) != 0 {
				t.Errorf("err = %v after %d requests, want ErrInvalidArgument before any", err, len(rec.sent()))
			}
		})
	}
	for _, f := range []string{`username eq "a)b"`, `(email ew "@x") or (username sw "(")`, `username eq "a\"(b"`} {
		if err := checkFilter(f); err != nil {
			t.Errorf("checkFilter(%q) = %v, want nil", f, err)
		}
	}

	// A server whose listing returns users of other populations: only the source's are moved.
	c, mt := newMockClient(t)
	mt.RegisterRegexpResponder(http.MethodGet, regexpUsers, httpmock.NewStringResponder(200, `{"_embedded":{"users":[
		{"id":"in-source","population":{"id":"`+testPop+`"}},
		{"id":"elsewhere","population":{"id":"other-pop"}},
		{"id":"no-population"},
		{"id":"already","population":{"id":"to"}}]}}`))
	var puts []string
	var mu sync.Mutex
	mt.RegisterRegexpResponder(http.MethodPut, regexpMove, func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		puts = append(puts, r.URL.Path)
		mu.Unlock()
		return httpmock.NewStringResponse(200, `{}`), nil
	})
	res, err := c.Users.MoveAll(t.Context(), testEnv, testPop, "to", nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/v1/environments/" + testEnv + "/users/in-source/population"}; !cmp.Equal(want, puts) {
		t.Errorf("PUTs %v, want only %v", puts, want)
	}
	var failed []string
	for _, f := range res.Failed {
		failed = append(failed, f.UserID)
	}
	slices.Sort(failed)
	if res.Moved != 1 || res.Skipped != 1 || !cmp.Equal(failed, []string{"elsewhere", "no-population"}) {
		t.Errorf("result %+v, failed %v", res, failed)
	}
}

// TestMoveAnsweredAsCtxEndsCounts: a move the server made and answered while the job's ctx was
// ending is counted as moved.
func TestMoveAnsweredAsCtxEndsCounts(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var mu sync.Mutex
	moved := map[string]bool{}
	c, mt := newMockClient(t)
	mt.RegisterRegexpResponder(http.MethodPut, regexpMove, func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		moved[r.URL.Path] = true
		n := len(moved)
		mu.Unlock()
		if n == 40 {
			cancel() // the job is cancelled while this move's answer is on its way
			time.Sleep(20 * time.Millisecond)
		}
		return httpmock.NewStringResponse(200, `{}`), nil
	})
	var ids []string
	for i := range 100 {
		ids = append(ids, fmt.Sprintf("u%d", i))
	}
	mt.RegisterRegexpResponder(http.MethodGet, regexpUsers, httpmock.NewStringResponder(200, `{}`))
	res, err := c.Users.MoveMany(ctx, testEnv, ids, "to", &BulkOptions{Concurrency: 8})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if res.Moved != len(moved) || len(res.Failed) != 0 {
		t.Errorf("result says %d moved and %d failed; the server moved %d", res.Moved, len(res.Failed), len(moved))
	}
}

func TestRetireChecksArgumentsBeforeAnyRequest(t *testing.T) {
	tests := []struct{ env, pop, to string }{
		{testEnv, testPop, "bad/id"},
		{testEnv, testPop, testPop},
		{testEnv, "../x", ""},
		{"", testPop, ""},
	}
	for _, tt := range tests {
		c, mt := newMockClient(t)
		rec := answer(mt, ok(`{"id":"x","name":"n"}`))
		if _, err := c.Populations.Retire(t.Context(), tt.env, tt.pop, tt.to, nil); !errors.Is(err, ErrInvalidArgument) || len(rec.sent()) != 0 {
			t.Errorf("Retire(%q, %q, %q) = %v after %d requests", tt.env, tt.pop, tt.to, err, len(rec.sent()))
		}
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

var (
	regexpUsers = regexp.MustCompile(`/users$`)
	regexpMove  = regexp.MustCompile(`/users/[^/]+/population$`)
)

func staticToken() oauth2.TokenSource {
	return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: testToken})
}
