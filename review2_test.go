package pingone

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jarcoal/httpmock"
)

// A logger whose level is raised to debug while a call is in flight (a slog.LevelVar an operator
// flips) must not see an unredacted path in the call's "retrying" line: the path may hold the
// token (a next link the server chose; here an ID equal to it, which redacts the same way).
func TestReview2LevelFlipMidCallDoesNotLeakPath(t *testing.T) {
	var level slog.LevelVar
	level.Set(slog.LevelInfo)
	var mu sync.Mutex
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, &slog.HandlerOptions{Level: &level}))
	c, mt := newMockClient(t, WithLogger(logger))
	n := 0
	mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		n++
		if n == 1 {
			level.Set(slog.LevelDebug) // after the call began with debug off
			r := httpmock.NewStringResponse(503, `{}`)
			r.Request = req // as net/http sets it
			return r, nil
		}
		return httpmock.NewStringResponse(200, `{"id":"p","name":"n"}`), nil
	})
	if _, err := c.Populations.Get(t.Context(), testEnv, testToken); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if containsSecret(buf.String()) {
		t.Errorf("log holds the token:\n%s", buf.String())
	}
}

// MarshalJSON then json.Unmarshal must give the model back, whatever Extra a caller or PingOne
// put there: null members, members named like modelled ones that decoding itself produces (an
// unreadable timestamp), and write bodies never send read-only or modelled names from Extra.
func TestReview2RoundTripOddExtra(t *testing.T) {
	tests := []struct {
		name string
		in   Population
	}{
		{"null member", Population{ID: "p", Name: "n", Extra: map[string]json.RawMessage{"x": json.RawMessage("null")}}},
		{"unreadable createdAt kept", Population{ID: "p", Name: "n", Extra: map[string]json.RawMessage{"createdAt": json.RawMessage(`"yesterday"`)}}},
		{"non-string createdAt kept", Population{ID: "p", Name: "n", Extra: map[string]json.RawMessage{"createdAt": json.RawMessage(`12`)}}},
		{"nested ref extra", Population{ID: "p", Name: "n", Theme: &Ref{ID: "t", Extra: map[string]json.RawMessage{"k": json.RawMessage(`[1,{"a":null}]`)}}}},
		{"empty ref", Population{ID: "p", Name: "n", Theme: &Ref{}}},
		{"empty identifiers", Population{ID: "p", Name: "n", AlternativeIdentifiers: []string{}}},
		{"times", Population{ID: "p", Name: "n", CreatedAt: time.Date(2024, 2, 3, 4, 5, 6, 7, time.UTC)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			var got Population
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("%s: %v", b, err)
			}
			if diff := cmp.Diff(tt.in, got); diff != "" {
				t.Errorf("round trip of %s (-want +got):\n%s", b, diff)
			}
		})
	}
}

// A timestamp MarshalJSON cannot write as RFC 3339 (a year past 9999) must not come back as a
// zero time with a string in Extra: encoding/json refuses such a time.Time, and so should we.
func TestReview2MarshalYearOutOfRange(t *testing.T) {
	p := Population{ID: "p", Name: "n", CreatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	if b, err := json.Marshal(p); err == nil {
		t.Errorf("Marshal = %s, want an error (it would decode as a zero time)", b)
	}
}

// Update sends neither read-only fields nor Extra members named like modelled ones, _links or
// invalid JSON; other Extra members go as they are.
func TestReview2UpdateBodyExtraNames(t *testing.T) {
	c, mt := newMockClient(t)
	rec := answer(mt, ok(`{"id":"p","name":"n"}`))
	p := &Population{ID: "p", Name: "n", UserCount: 9, Environment: &Ref{ID: "e"},
		CreatedAt: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		Theme:     &Ref{ID: "t", Extra: map[string]json.RawMessage{"id": json.RawMessage(`"other"`), "x": json.RawMessage(`1`)}},
		Extra: map[string]json.RawMessage{
			"id": json.RawMessage(`"evil"`), "userCount": json.RawMessage(`1`), "name": json.RawMessage(`"dup"`),
			"_links": json.RawMessage(`{}`), "createdAt": json.RawMessage(`"x"`), "bad": json.RawMessage(`{`),
			"nil": nil, "keep": json.RawMessage(`null`),
		}}
	if _, err := c.Populations.Update(t.Context(), testEnv, "p", p); err != nil {
		t.Fatal(err)
	}
	want := mustJSON(t, `{"name":"n","default":false,"theme":{"id":"t","x":1},"keep":null}`)
	if diff := cmp.Diff(want, rec.sent()[0].Body); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
}

// Token endpoint answers that are odd but usable give a working client; the Authorization the
// API sees is the token's.
func TestReview2TokenAnswers(t *testing.T) {
	tests := []struct {
		name, ctype, body string
	}{
		{"form encoded", "application/x-www-form-urlencoded", "access_token=" + testToken + "&token_type=bearer&expires_in=3600"},
		{"no expires_in", "application/json", `{"access_token":"` + testToken + `","token_type":"Bearer"}`},
		{"huge expires_in", "application/json", `{"access_token":"` + testToken + `","token_type":"Bearer","expires_in":99999999999999999999}`},
		{"expires_in string", "application/json", `{"access_token":"` + testToken + `","token_type":"Bearer","expires_in":"3600"}`},
		{"expires_in empty string", "application/json", `{"access_token":"` + testToken + `","token_type":"Bearer","expires_in":""}`},
		{"expires_in float", "application/json", `{"access_token":"` + testToken + `","token_type":"Bearer","expires_in":3600.0}`},
		{"token_type mac", "application/json", `{"access_token":"` + testToken + `","token_type":"mac","expires_in":3600}`},
		{"no content type", "", `{"access_token":"` + testToken + `","expires_in":3600}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mt := httpmock.NewMockTransport()
			mt.RegisterResponder("POST", "https://auth.pingone.eu/"+testEnv+"/as/token", func(*http.Request) (*http.Response, error) {
				r := httpmock.NewStringResponse(200, tt.body)
				if tt.ctype != "" {
					r.Header.Set("Content-Type", tt.ctype)
				}
				return r, nil
			})
			var auth string
			mt.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
				auth = r.Header.Get("Authorization")
				return httpmock.NewStringResponse(200, `{"id":"p","name":"n"}`), nil
			})
			c, err := NewWorkerClient(RegionEurope, testEnv, "client-1", testSecret, WithHTTPClient(&http.Client{Transport: mt}), WithRetryPolicy(fastRetry()))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Populations.Get(t.Context(), testEnv, testPop); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff("Bearer "+testToken, auth); diff != "" {
				t.Errorf("Authorization (-want +got):\n%s", diff)
			}
			if strings.Contains(auth, "mac") {
				t.Error("token type leaked into header")
			}
		})
	}
}

// Concurrent calls share the retrier pool: each call's attempt and retry lines must name its
// own path, with its own attempt numbers, however the pool hands retriers around.
func TestReview2PooledRetrierStateStaysWithItsCall(t *testing.T) {
	var mu sync.Mutex
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&lockedWriter{w: &buf, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, mt := newMockClient(t, WithLogger(logger))
	var seenMu sync.Mutex
	seen := map[string]int{}
	mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		seenMu.Lock()
		seen[req.URL.Path]++
		first := seen[req.URL.Path] == 1
		seenMu.Unlock()
		if first {
			r := httpmock.NewStringResponse(503, `{}`)
			r.Request = req
			return r, nil
		}
		return httpmock.NewStringResponse(200, `{"id":"p","name":"n"}`), nil
	})
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, err := c.Populations.Get(t.Context(), testEnv, "pop-"+strings.Repeat("x", i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	type line struct {
		Msg     string `json:"msg"`
		Path    string `json:"path"`
		Attempt int    `json:"attempt"`
		Retry   int    `json:"retry"`
	}
	got := map[string][]string{}
	mu.Lock()
	defer mu.Unlock()
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var x line
		if err := json.Unmarshal([]byte(l), &x); err != nil {
			t.Fatal(err)
		}
		got[x.Path] = append(got[x.Path], x.Msg+" "+string(rune('0'+x.Attempt))+string(rune('0'+x.Retry)))
	}
	for i := range n {
		p := "/v1/environments/" + testEnv + "/populations/pop-" + strings.Repeat("x", i)
		want := []string{"pingone: request 10", "pingone: retrying 01", "pingone: request 20"}
		if diff := cmp.Diff(want, got[p]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", p, diff)
		}
	}
}

// A bulk job cancelled while 429s come and go reports exactly what the server did: Moved is the
// number of moves the server answered with success, and no user the server moved is a failure.
func TestReview2BulkCountsUnderCancelAnd429(t *testing.T) {
	for range 1 {
		c, mt := newMockClient(t)
		ctx, cancel := context.WithCancel(t.Context())
		var mu sync.Mutex
		movedBy := map[string]bool{}
		calls, puts := map[string]int{}, 0
		mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
			if req.Method == http.MethodGet {
				return httpmock.NewStringResponse(200, `{"_embedded":{"users":[]}}`), nil
			}
			id := strings.Split(strings.TrimPrefix(req.URL.Path, "/v1/environments/"+testEnv+"/users/"), "/")[0]
			mu.Lock()
			defer mu.Unlock()
			calls[id]++
			puts++
			if calls[id] == 1 && (puts < 4 || puts%15 == 0) { // a few, so the pacer learns no slow rate
				r := httpmock.NewStringResponse(429, `{"code":"REQUEST_LIMITED","message":"slow down"}`)
				r.Header.Set("Retry-After", "0")
				return r, nil
			}
			movedBy[id] = true
			if len(movedBy) == 40 {
				cancel()
			}
			return httpmock.NewStringResponse(200, `{"id":"`+id+`","population":{"id":"`+testPop+`"}}`), nil
		})
		var ids []string
		for i := range 200 {
			ids = append(ids, fmt.Sprintf("user-%s", strings.Repeat("a", i%7)+fmt.Sprint(i)))
		}
		res, err := c.Users.MoveMany(ctx, testEnv, ids, testPop, &BulkOptions{Concurrency: 16})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		mu.Lock()
		if res.Moved != len(movedBy) {
			t.Errorf("Moved = %d, server moved %d", res.Moved, len(movedBy))
		}
		for _, f := range res.Failed {
			if movedBy[f.UserID] {
				t.Errorf("user %s reported failed but moved: %v", f.UserID, f.Err)
			}
		}
		mu.Unlock()
		cancel()
	}
}
