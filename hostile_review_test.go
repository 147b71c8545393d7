package pingone

// A hostile review of the issue 9 fixes: attacks that broke them, kept as regression tests, and
// the attacks that held and are worth keeping.

import (
	"context"
	"encoding/base64"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
	"golang.org/x/oauth2"
)

// tokenLeaks fails if the error, printed every way, holds the token.
func tokenLeaks(t *testing.T, err error, forbidden ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		got := fmt.Sprintf(f, err)
		for _, s := range forbidden {
			if strings.Contains(got, s) {
				t.Fatalf("%s of the error holds the credential %q:\n%s", f, s, got)
			}
		}
	}
}

// TestNextLinkEchoingTheTokenNotInErrors: the server chooses the next page link, and it knows
// the bearer token. Every error that quotes the link (or the URL the transport was given) must
// still hold no credential.
func TestNextLinkEchoingTheTokenNotInErrors(t *testing.T) {
	tests := []struct {
		name string
		// next is the page-1 next link, given the server's URL and the token it received.
		next func(base, tok string) string
		// page2 answers the request for the next page; nil drops the connection.
		page2 func(w http.ResponseWriter)
	}{
		{"token in the path, page 2 undecodable", func(base, tok string) string { return base + "/v1/environments/" + tok + "/populations" },
			func(w http.ResponseWriter) { _, _ = w.Write([]byte(`{"_embedded":{"populations":[1]}}`)) }},
		{"token path-escaped in the path, page 2 undecodable", func(base, tok string) string { return base + "/v1/x/" + url.PathEscape(tok+"/") },
			func(w http.ResponseWriter) { _, _ = w.Write([]byte(`[`)) }},
		{"token in the path, the link repeats", func(base, tok string) string { return base + "/v1/" + tok },
			func(w http.ResponseWriter) {
				_, _ = w.Write([]byte(`{"_embedded":{"populations":[{"id":"p2"}]},"_links":{"next":{"href":"/v1/` + testToken + `"}}}`))
			}},
		{"token in the cursor, connection dropped", func(base, tok string) string { return base + "/v1/x?cursor=" + url.QueryEscape(tok) }, nil},
		{"token in the path, connection dropped", func(base, tok string) string { return base + "/v1/" + tok }, nil},
		{"token in an unparsable link", func(base, tok string) string { return base + "/v1/%zz/" + tok }, nil},
		{"token as the host", func(base, tok string) string { return "https://" + tok + ".example/v1" }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var srv *httptest.Server
			srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if r.URL.Path == "/v1/environments/"+testEnv+"/populations" {
					tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
					fmt.Fprintf(w, `{"_embedded":{"populations":[{"id":"p1"}]},"_links":{"next":{"href":%q}}}`, tt.next(srv.URL, tok))
					return
				}
				if tt.page2 == nil {
					hj, _ := w.(http.Hijacker)
					conn, _, _ := hj.Hijack()
					_ = conn.Close()
					return
				}
				tt.page2(w)
			}))
			defer srv.Close()
			c, err := NewClient("", staticToken(), WithBaseURL(srv.URL+"/v1"), WithRetryPolicy(fastRetry()))
			if err != nil {
				t.Fatal(err)
			}
			var last error
			for _, err := range c.Populations.List(t.Context(), testEnv, nil) {
				last = err
			}
			tokenLeaks(t, last, testToken)
		})
	}
}

// TestNextLinkEchoingTheTokenNotInLogs: the debug log names each request's path, and a next link
// the server wrote may carry the token in its path.
func TestNextLinkEchoingTheTokenNotInLogs(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/v1/environments/"+testEnv+"/populations" {
			tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			fmt.Fprintf(w, `{"_embedded":{"populations":[{"id":"p1"}]},"_links":{"next":{"href":"/v1/x/%s"}}}`, tok)
			return
		}
		if n.Add(1) <= 2 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(`{"_embedded":{"populations":[{"id":"p2"}]}}`))
	}))
	defer srv.Close()
	var logs strings.Builder
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := NewClient("", staticToken(), WithBaseURL(srv.URL+"/v1"), WithRetryPolicy(fastRetry()), WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for _, err := range c.Populations.List(t.Context(), testEnv, nil) {
		if err != nil {
			t.Fatal(err)
		}
		got++
	}
	mu.Lock()
	defer mu.Unlock()
	if got != 2 || !strings.Contains(logs.String(), "pingone: retrying") {
		t.Fatalf("%d populations; logs:\n%s", got, logs.String())
	}
	if strings.Contains(logs.String(), testToken) {
		t.Errorf("the log holds the token:\n%s", logs.String())
	}
}

// unescapeAll undoes, a few times over, the escapes a reader could undo by eye: backslash
// escapes (\\, \/, \uXXXX, …) and percent-encoding.
func unescapeAll(s string) string {
	for range 4 {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			switch {
			case s[i] == '\\' && i+5 < len(s) && s[i+1] == 'u':
				if v, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil {
					b.WriteRune(rune(v))
					i += 5
					continue
				}
			case s[i] == '\\' && i+1 < len(s):
				b.WriteByte(s[i+1])
				i++
				continue
			case s[i] == '%' && i+2 < len(s):
				if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
					b.WriteByte(byte(v))
					i += 2
					continue
				}
			}
			b.WriteByte(s[i])
		}
		s = b.String()
	}
	return s
}

// TestEncodedEchoesOfTheSecretRedacted: a server may echo the secret or the Basic credentials
// in encodings the literal forms do not match: lower-case or complete percent-encoding, JSON
// \u escapes in a body that is not an error document, base64 without padding or URL-safe.
func TestEncodedEchoesOfTheSecretRedacted(t *testing.T) {
	const clientID = "client-1"
	const secret = "s3cr3t/+=&VALUE " + testSecret
	lowerHex := func(s string) string {
		e := []byte(url.QueryEscape(s))
		for i := range e {
			if e[i] == '%' {
				e[i+1], e[i+2] = strings.ToLower(string(e[i+1]))[0], strings.ToLower(string(e[i+2]))[0]
			}
		}
		return string(e)
	}
	allPercent := func(s string) string {
		var b strings.Builder
		for i := range len(s) {
			fmt.Fprintf(&b, "%%%02X", s[i])
		}
		return b.String()
	}
	someUnicode := func(s string) string { // every third character \u-escaped
		var b strings.Builder
		for i, r := range s {
			if i%3 == 0 {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	basic := clientID + ":" + secret
	tests := []struct {
		name string
		echo string // what the token endpoint sends back, in a body that is no error document
		leak string // the text that must not reach the error
	}{
		{"lower-case percent-encoding", lowerHex(secret), lowerHex(secret)},
		{"every byte percent-encoded", allPercent(secret), allPercent(secret)},
		{"JSON escapes in an excerpt", `{"echo":"` + someUnicode(secret) + `"}`, someUnicode(secret)},
		{"split by JSON escapes in an excerpt", `{"echo":"s3cr3t\/+=&VAL\u0055E secret-VAL\u0055E-51d0a9"}`, `VAL\u0055E-51d0a9`},
		{"HTML entities", "<p>" + strings.ReplaceAll(html.EscapeString(secret), "e", "&#x65;") + "</p>", "&amp;VALUE"},
		{"base64 Basic without padding", strings.TrimRight(base64.StdEncoding.EncodeToString([]byte(basic)), "="), base64.RawStdEncoding.EncodeToString([]byte(basic))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusBadGateway)
				_, _ = w.Write([]byte("echo " + tt.echo))
			}))
			defer srv.Close()
			c, err := NewWorkerClient("", testEnv, clientID, secret, WithBaseURL(srv.URL+"/v1"), WithAuthURL(srv.URL),
				WithRetryPolicy(RetryPolicy{MaxRetries: 0}), WithTokenAuthMethod(ClientSecretBasic))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Populations.Get(t.Context(), testEnv, testPop)
			tokenLeaks(t, err, tt.leak, testSecret)
			if got := unescapeAll(html.UnescapeString(err.Error())); strings.Contains(got, testSecret) {
				t.Fatalf("the error, unescaped, holds the secret:\n%s\n%s", err, got)
			}
		})
	}
}

// TestCancelledBulkJobStartsNoNewMove: once the job's ctx has ended, no worker may send a move it
// had not started. A worker that finished a move picked the next id over ctx.Done() half the
// time, and the pacer let it through, so a cancelled job kept moving users.
func TestCancelledBulkJobStartsNoNewMove(t *testing.T) {
	for run := range 30 {
		ctx, cancel := context.WithCancel(t.Context())
		var puts atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			if r.Method == http.MethodGet {
				_, _ = w.Write([]byte(`{"_embedded":{"users":[]}}`))
				return
			}
			puts.Add(1)
			cancel() // the caller gives up while this move succeeds
			_, _ = w.Write([]byte(`{"id":"u","population":{"id":"` + testPop + `"}}`))
		}))
		c, err := NewClient("", staticToken(), WithBaseURL(srv.URL+"/v1"), WithRetryPolicy(fastRetry()))
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]string, 20)
		for i := range ids {
			ids[i] = fmt.Sprintf("u%d", i)
		}
		res, err := c.Users.MoveMany(ctx, testEnv, ids, testPop, &BulkOptions{Concurrency: 1})
		srv.Close()
		cancel()
		if err == nil || res.Moved != int(puts.Load()) || len(res.Failed) != 0 {
			t.Fatalf("run %d: result %+v, %v after %d PUTs", run, res, err, puts.Load())
		}
		if n := puts.Load(); n != 1 {
			t.Fatalf("run %d: %d moves sent, but the ctx ended while the first was answered", run, n)
		}
	}
}

// TestRetireCountsEachUserOnce: Retire's sweeps after a CONSTRAINT_VIOLATION started with a
// fresh memory of the users the job had moved, so a listing that still showed them in the source
// (PingOne's listing lags behind moves) moved and counted them again: Moved 9 for 3 users.
func TestRetireCountsEachUserOnce(t *testing.T) {
	var mu sync.Mutex
	var puts, deletes int
	var progress []BulkProgress
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/users"):
			// The listing lags: it still shows every user in the source.
			_, _ = w.Write([]byte(`{"_embedded":{"users":[{"id":"u1","population":{"id":"` + testPop + `"}},{"id":"u2","population":{"id":"` + testPop + `"}},{"id":"u3","population":{"id":"` + testPop + `"}}]}}`))
		case r.Method == http.MethodGet:
			_, _ = w.Write([]byte(`{"id":"` + testPop + `","name":"old","default":false}`))
		case r.Method == http.MethodPut:
			puts++
			_, _ = w.Write([]byte(`{"id":"u","population":{"id":"target"}}`))
		case r.Method == http.MethodDelete:
			if deletes++; deletes < 3 {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"code":"INVALID_DATA","message":"has users","details":[{"code":"CONSTRAINT_VIOLATION"}]}`))
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	defer srv.Close()
	c, err := NewClient("", staticToken(), WithBaseURL(srv.URL+"/v1"), WithRetryPolicy(fastRetry()))
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Populations.Retire(t.Context(), testEnv, testPop, "target", &BulkOptions{Progress: func(p BulkProgress) {
		progress = append(progress, p) // called from one goroutine at a time
	}})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if res.Moved != 3 || puts != 3 {
		t.Errorf("Moved %d with %d PUTs, want 3 users moved once each", res.Moved, puts)
	}
	if last := progress[len(progress)-1]; last.Total != 3 || last.Done != 3 {
		t.Errorf("final progress %+v, want 3 of 3", last)
	}
}

// TestListingCyclingWithFreshCursorsEnds: a server that serves the same page again and again,
// each time under a new cursor, made GetDefault (and MoveAll) fetch until the ctx ended: forever
// with context.Background().
func TestListingCyclingWithFreshCursorsEnds(t *testing.T) {
	for _, cycle := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("cycle of %d pages", cycle), func(t *testing.T) {
			var n atomic.Int32
			var srv *httptest.Server
			srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				i := int(n.Add(1)) - 1
				if i > 100 {
					http.Error(w, "enough", http.StatusGone)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				k := i % cycle
				fmt.Fprintf(w, `{"_embedded":{"populations":[{"id":"p%d","default":false}],"users":[{"id":"u%d","population":{"id":"%s"}}]},"_links":{"next":{"href":"%s%s?cursor=fresh%d"}}}`,
					k, k, testPop, srv.URL, r.URL.Path, i)
			}))
			defer srv.Close()
			c, err := NewClient("", staticToken(), WithBaseURL(srv.URL+"/v1"), WithRetryPolicy(fastRetry()))
			if err != nil {
				t.Fatal(err)
			}
			for name, op := range map[string]func() error{
				"GetDefault": func() error { _, err := c.Populations.GetDefault(context.Background(), testEnv); return err },
				"MoveAll": func() error {
					_, err := c.Users.MoveAll(context.Background(), testEnv, testPop, "other", &BulkOptions{DryRun: true})
					return err
				},
			} {
				n.Store(0)
				err := op()
				if err == nil || !strings.Contains(err.Error(), "stopping") {
					t.Errorf("%s: err = %v after %d requests, want the listing stopped", name, err, n.Load())
				}
			}
		})
	}
}

// TestBulkPauseBoundedByMaxWait: a 429 whose rate-limit detail names a retryAfter time far in the
// future (with no Retry-After header, so nothing capped it) paused a bulk job for centuries; a
// Retry-After of a day paused it for a day. RetryPolicy.MaxWait is the longest single wait, for
// a bulk job's pauses too.
func TestBulkPauseBoundedByMaxWait(t *testing.T) {
	tests := []struct {
		name   string
		header string
		detail string
	}{
		{"retryAfter detail in the year 9999, no header", "", `,"details":[{"code":"REQUEST_LIMITED","innerError":{"retryAfter":"9999-12-31T23:59:59Z"}}]`},
		{"Retry-After of a day", "86400", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var puts atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if r.Method == http.MethodGet {
					_, _ = w.Write([]byte(`{"_embedded":{"users":[]}}`))
					return
				}
				if puts.Add(1) == 1 {
					if tt.header != "" {
						w.Header().Set("Retry-After", tt.header)
					}
					w.WriteHeader(http.StatusTooManyRequests)
					_, _ = w.Write([]byte(`{"code":"REQUEST_LIMITED","message":"slow down"` + tt.detail + `}`))
					return
				}
				_, _ = w.Write([]byte(`{}`))
			}))
			defer srv.Close()
			c, err := NewClient("", staticToken(), WithBaseURL(srv.URL+"/v1"),
				WithRetryPolicy(RetryPolicy{MaxRetries: 1, MinWait: time.Millisecond, MaxWait: 10 * time.Millisecond}))
			if err != nil {
				t.Fatal(err)
			}
			// Only a guard against hanging the test run: the job takes milliseconds.
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			res, err := c.Users.MoveMany(ctx, testEnv, []string{testUser}, testPop, nil)
			if err != nil || res.Moved != 1 {
				t.Fatalf("MoveMany = %+v, %v after %d PUTs; want the user moved after a pause of at most MaxWait", res, err, puts.Load())
			}
		})
	}
}

// tokenSourceFunc adapts a function to oauth2.TokenSource.
type tokenSourceFunc func() (*oauth2.Token, error)

func (f tokenSourceFunc) Token() (*oauth2.Token, error) { return f() }

// TestBrokenTokenSources: a TokenSource is input too. One that returns (nil, nil) crashed the
// process (a nil dereference in the fetch goroutine, which no caller can recover); one that never
// returns hung every call made with context.Background(), though WithTokenTimeout promises to
// bound a fetch.
func TestBrokenTokenSources(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	tests := map[string]oauth2.TokenSource{
		"nil token, nil error": tokenSourceFunc(func() (*oauth2.Token, error) { return nil, nil }),
		"never returns":        tokenSourceFunc(func() (*oauth2.Token, error) { <-release; return nil, errors.New("released") }),
	}
	for name, ts := range tests {
		t.Run(name, func(t *testing.T) {
			c, err := NewClient("", ts, WithBaseURL("http://127.0.0.1:1/v1"), WithTokenTimeout(50*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			// Only a guard against hanging the test run.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_, err = c.Populations.Get(ctx, testEnv, testPop)
			if err == nil || errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
				t.Fatalf("err = %v, want the token source's failure", err)
			}
		})
	}
}

// TestRedirectLoopEchoingTheTokenNotInErrors: a server that redirects (on its own host) to URLs
// holding the token until the client gives up; the error quotes the last URL.
func TestRedirectLoopEchoingTheTokenNotInErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		http.Redirect(w, r, "/v1/again/"+tok+"?t="+url.QueryEscape(tok)+"&n="+fmt.Sprint(len(r.URL.Path)), http.StatusFound)
	}))
	defer srv.Close()
	c, err := NewClient("", staticToken(), WithBaseURL(srv.URL+"/v1"), WithRetryPolicy(fastRetry()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Populations.Get(t.Context(), testEnv, testPop)
	tokenLeaks(t, err, testToken)
}

// TestHostileCallsLeaveNoGoroutines: stalled answers, dropped connections and cancelled bulk jobs
// leave nothing running once the calls have returned.
func TestHostileCallsLeaveNoGoroutines(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/users"):
			_, _ = w.Write([]byte(`{"_embedded":{"users":[]}}`))
		case strings.HasSuffix(r.URL.Path, "/drop"):
			conn, _, _ := w.(http.Hijacker).Hijack()
			_ = conn.Close()
		case strings.HasSuffix(r.URL.Path, "/stall"):
			<-release
		default: // a whole answer, then a body that never ends
			_, _ = w.Write([]byte(`{"id":"p","name":"n"}`))
			w.(http.Flusher).Flush()
			<-release
		}
	}))
	defer srv.Close()
	defer close(release)
	c, err := NewClient("", staticToken(), WithBaseURL(srv.URL+"/v1"), WithRetryPolicy(fastRetry()), WithAttemptTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	for _, id := range []string{"drop", "stall", testPop} {
		_, _ = c.Populations.Get(t.Context(), testEnv, id)
	}
	ctx, cancel := context.WithCancel(t.Context())
	res, err := c.Users.MoveMany(ctx, testEnv, []string{"u1", "u2", "u3"}, testPop, &BulkOptions{Concurrency: 2, Progress: func(BulkProgress) { cancel() }})
	cancel()
	_, _ = res, err
}

// FuzzExtraHoldsExactlyTheUnknownMembers is the exact form of the Extra-name property: the keys of
// a decoded population's Extra are the input's top-level member names that Population does not
// model, no more and no fewer. (FuzzDecodePopulation only checks that each key is a member name
// somewhere in the input, which a name garbled into another member's name would pass.)
func FuzzExtraHoldsExactlyTheUnknownMembers(f *testing.F) {
	f.Add([]byte(`{"id":"p","name":"N","x":{"y":[1]},"_links":{}}`))
	f.Add(largeObject(`{"id":"p","name":"N","theme":{"id":"t","mode":"x"}`, 300))
	f.Add(largeObject(`{"futureSetting1":0,"id":"p"`, 40))
	f.Fuzz(func(t *testing.T, data []byte) {
		var p Population
		if err := p.UnmarshalJSON(data); err != nil {
			return
		}
		var top map[string]stdjson.RawMessage
		if err := stdjson.Unmarshal(data, &top); err != nil || top == nil {
			return // encoding/json refuses what the tolerant decoder took: nothing to compare
		}
		want := map[string]bool{}
		for k := range top {
			want[normalName(k)] = true
		}
		for k := range want {
			if populationModel.known(k) {
				delete(want, k)
			}
		}
		got := map[string]bool{}
		for k := range p.Extra {
			got[normalName(k)] = true
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("Extra keys (-want +got):\n%s", diff)
		}
	})
}

// TestMoveAllFilterSingleQuotes: checkFilter reads strings by SCIM's rules (double quotes, JSON
// escapes). A filter balanced by those rules can still close MoveAll's parenthesis for a server
// that also takes single-quoted strings: here `or (username pr)` would stand outside it. A single
// quote outside a string is no SCIM, so it is refused before any request; inside one it is fine.
func TestMoveAllFilterSingleQuotes(t *testing.T) {
	tests := []struct {
		filter  string
		refused bool
	}{
		{`username eq '(' ) or (username pr) or (email eq ')'`, true},
		{`username eq 'x'`, true},
		{`name.family eq "O'Brien"`, false},
		{`username eq "a\\" and email ew "\")"`, false},
		{`username eq "x\`, true},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			c, mt := newMockClient(t)
			rec := answer(mt, ok(`{"_embedded":{"users":[]}}`))
			_, err := c.Users.MoveAll(t.Context(), testEnv, testPop, "target", &BulkOptions{Filter: tt.filter})
			if refused := errors.Is(err, ErrInvalidArgument); refused != tt.refused || !refused && err != nil {
				t.Fatalf("err = %v, want refused %v", err, tt.refused)
			}
			if n := len(rec.sent()); tt.refused && n != 0 {
				t.Errorf("%d requests sent for a refused filter", n)
			}
		})
	}
}

// TestRetireWhenTheDefaultTurnsOutToBeTheSource: between Retire's GET of the population (not the
// default) and its look-up of the default, the population became the default (or the server
// says so). Retire then moved every user to the population they were in, counted them as moved,
// and tried to delete the default. The check the issue 9 rework dropped is back: the resolved
// target must differ from the source.
func TestRetireWhenTheDefaultTurnsOutToBeTheSource(t *testing.T) {
	c, mt := newMockClient(t)
	rec := answer(mt,
		ok(`{"id":"`+testPop+`","name":"old","default":false}`),
		ok(`{"_embedded":{"populations":[{"id":"`+testPop+`","name":"old","default":true}]}}`),
		ok(`{"_embedded":{"users":[{"id":"u1","population":{"id":"`+testPop+`"}}]}}`),
		ok(`{}`))
	res, err := c.Populations.Retire(t.Context(), testEnv, testPop, "", nil)
	if !errors.Is(err, ErrDefaultPopulation) {
		t.Fatalf("Retire = %+v, %v; want ErrDefaultPopulation", res, err)
	}
	for _, s := range rec.sent() {
		if s.Method != http.MethodGet {
			t.Errorf("sent %s %s", s.Method, s.Path)
		}
	}
}

// TestRetireDeleteDroppedAfterActing: the server deletes the population and drops the connection
// before answering; the client's retry of the DELETE meets a 404. The population is gone, which is
// what Retire was asked for, yet it reported ErrNotFound as if it had failed.
func TestRetireDeleteDroppedAfterActing(t *testing.T) {
	var deleted atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodDelete && !deleted.Swap(true):
			conn, _, _ := w.(http.Hijacker).Hijack()
			_ = conn.Close() // deleted, but the answer never leaves
		case r.Method == http.MethodDelete || deleted.Load():
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"code":"NOT_FOUND","message":"no such population"}`))
		case strings.HasSuffix(r.URL.Path, "/users"):
			_, _ = w.Write([]byte(`{"_embedded":{"users":[]}}`))
		default:
			_, _ = w.Write([]byte(`{"id":"` + testPop + `","name":"old","default":false}`))
		}
	}))
	defer srv.Close()
	c, err := NewClient("", staticToken(), WithBaseURL(srv.URL+"/v1"), WithRetryPolicy(fastRetry()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Populations.Retire(t.Context(), testEnv, testPop, "target", nil); err != nil {
		t.Fatalf("Retire: %v, but the population was deleted", err)
	}
}

// TestUnknownMembersBoundedMemory: the 5,000-item cap bounds a page's items, not what one object
// holds. One population of 2.5 million tiny unknown members (a 30 MiB body, under maxBody) keeps
// about 230 MiB live in Extra, eight times the body; a page of users with many unknown members
// each does the same.
func TestUnknownMembersBoundedMemory(t *testing.T) {
	t.Skip("DEFECT: Extra has no bound: a 30 MiB body of tiny unknown members keeps ~230 MiB live; " +
		"needs a budget of unknown members per response (a judgement call on how many custom attributes PingOne can hold)")
	var b strings.Builder
	b.WriteString(`{"id":"p","name":"n"`)
	for i := 0; b.Len() < 30<<20; i++ {
		fmt.Fprintf(&b, `,"k%d":0`, i)
	}
	b.WriteString("}")
	c, mt := newMockClient(t)
	answer(mt, ok(b.String()))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	p, err := c.Populations.Get(t.Context(), testEnv, testPop)
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); err == nil && grew > 4*int64(b.Len()) {
		t.Errorf("decoding a %d MiB body kept %d MiB live (%d Extra members)", b.Len()>>20, grew>>20, len(p.Extra))
	}
	runtime.KeepAlive(p)
}

// FuzzRedact: redaction never panics, never leaves the secret in the text, even with its escapes
// undone, and leaves text without a credential as it was.
func FuzzRedact(f *testing.F) {
	f.Add("echo s3cr3t%2f%2b VALUE")
	f.Add(`x \u0073\ud83d\ude00 %zz \u12 %4`)
	f.Add("&amp;&#x73;3cr3t/+=")
	hide := append(secretForms("s3cr3t/+="), basicForms("id", "s3cr3t/+=")...)
	f.Fuzz(func(t *testing.T, s string) {
		got := hide.redact(s)
		if hide.holds(got) || hide.holds(unescape(got, false)) || hide.holds(unescape(got, true)) || hide.holds(html.UnescapeString(got)) {
			t.Fatalf("redact(%q) = %q still holds the secret", s, got)
		}
		if !strings.Contains(got, redacted) && got != s {
			t.Fatalf("redact(%q) = %q changed text without a credential", s, got)
		}
	})
}
