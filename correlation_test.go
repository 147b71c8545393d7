package pingone

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"
)

func TestPopulationDefaultIdPRequests(t *testing.T) {
	idpPath := "/v1/environments/" + testEnv + "/populations/" + testPop + "/defaultIdentityProvider"
	jsonHeaders := map[string]string{"Authorization": "Bearer " + testToken, "Accept": "application/json", "Content-Type": "application/json"}
	getHeaders := map[string]string{"Authorization": "Bearer " + testToken, "Accept": "application/json"}
	const idp = "44444444-4444-4444-8444-444444444444"
	tests := []requestCase{
		{
			name: "Get", resp: ok(`{"_links":{"self":{"href":"x"}},"id":"` + idp + `","type":"OPENID_CONNECT"}`),
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Populations.GetDefaultIdentityProvider(ctx, testEnv, testPop)
			},
			want:   sent{Method: "GET", Path: idpPath, Header: getHeaders},
			result: &Ref{ID: idp, Extra: map[string]json.RawMessage{"type": json.RawMessage(`"OPENID_CONNECT"`)}},
		},
		{
			name: "Get PingOne", resp: ok(`{"_links":{"self":{"href":"x"}}}`),
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Populations.GetDefaultIdentityProvider(ctx, testEnv, testPop)
			},
			want: sent{Method: "GET", Path: idpPath, Header: getHeaders}, result: &Ref{},
		},
		{
			name: "Set", resp: ok(`{"id":"` + idp + `"}`),
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Populations.SetDefaultIdentityProvider(ctx, testEnv, testPop, idp)
			},
			want:   sent{Method: "PUT", Path: idpPath, Header: jsonHeaders, Body: mustJSON(t, `{"id":"`+idp+`"}`)},
			result: &Ref{ID: idp},
		},
		{
			name: "Reset sends {}", resp: ok(`{}`),
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Populations.ResetDefaultIdentityProvider(ctx, testEnv, testPop)
			},
			want: sent{Method: "PUT", Path: idpPath, Header: jsonHeaders, Body: map[string]any{}}, result: &Ref{},
		},
	}
	runRequestCases(t, tests)
	c, mt := newMockClient(t)
	rec := answer(mt, ok(`{}`))
	for _, id := range []string{"", "../x", "a b"} {
		if _, err := c.Populations.SetDefaultIdentityProvider(t.Context(), testEnv, testPop, id); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("Set(%q): err = %v, want ErrInvalidArgument", id, err)
		}
	}
	if n := len(rec.sent()); n != 0 {
		t.Errorf("%d requests sent, want 0", n)
	}
}

func TestCorrelationIDs(t *testing.T) {
	getHeaders := func(tx, sess string) map[string]string {
		h := map[string]string{"Authorization": "Bearer " + testToken, "Accept": "application/json"}
		if tx != "" {
			h[headerTransactionID] = tx
		}
		if sess != "" {
			h[headerSessionID] = sess
		}
		return h
	}
	userPath := "/v1/environments/" + testEnv + "/users/" + testUser
	var logs strings.Builder
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, mt := newMockClient(t, WithLogger(logger), WithCorrelationIDs(CorrelationIDs{SessionID: "sess-1"}))
	rec := answer(mt, ok(userJSON))
	tc, err := c.WithCorrelationIDs(CorrelationIDs{TransactionID: "run-42/β"})
	if err != nil {
		t.Fatal(err)
	}
	tc2, err := tc.WithCorrelationIDs(CorrelationIDs{TransactionID: "run-43", SessionID: "sess-2"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := c.Users.Get(ctx, testEnv, testUser); err != nil {
		t.Fatal(err)
	}
	if _, err := tc.Users.Get(ctx, testEnv, testUser); err != nil {
		t.Fatal(err)
	}
	if err := tc2.Do(ctx, "GET", "environments/"+testEnv+"/users/"+testUser, nil, nil); err != nil {
		t.Fatal(err)
	}
	want := []sent{
		{Method: "GET", Path: userPath, Header: getHeaders("", "sess-1")},
		{Method: "GET", Path: userPath, Header: getHeaders("run-42/β", "sess-1")},
		{Method: "GET", Path: userPath, Header: getHeaders("run-43", "sess-2")},
	}
	if diff := cmp.Diff(want, rec.sent()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("log lines = %d, want 3:\n%s", len(lines), logs.String())
	}
	for i, want := range []string{"session_id=sess-1", "transaction_id=run-42/β session_id=sess-1", "transaction_id=run-43 session_id=sess-2"} {
		if !strings.Contains(lines[i], want) || (i == 0 && strings.Contains(lines[i], "transaction_id")) {
			t.Errorf("log line %d = %s, want %s", i, lines[i], want)
		}
		if strings.Count(lines[i], "session_id") != 1 {
			t.Errorf("log line %d repeats the session id: %s", i, lines[i])
		}
	}
	if got := tc.CorrelationIDs(); got != (CorrelationIDs{TransactionID: "run-42/β", SessionID: "sess-1"}) {
		t.Errorf("CorrelationIDs() = %+v", got)
	}
	if got := c.CorrelationIDs(); got != (CorrelationIDs{SessionID: "sess-1"}) {
		t.Errorf("parent changed: %+v", got)
	}
}

func TestCorrelationIDsInvalid(t *testing.T) {
	c, _ := newMockClient(t)
	for _, ids := range []CorrelationIDs{
		{TransactionID: "a\r\nX-Evil: 1"}, {SessionID: "tab\there"}, {TransactionID: "\xff"},
		{SessionID: strings.Repeat("x", 101)}, {TransactionID: "nul\x00"},
	} {
		if _, err := c.WithCorrelationIDs(ids); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("WithCorrelationIDs(%q): err = %v, want ErrInvalidArgument", ids, err)
		}
		ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: testToken})
		if _, err := NewClient(RegionEurope, ts, WithCorrelationIDs(ids)); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("NewClient with %q: err = %v, want ErrInvalidArgument", ids, err)
		}
		_, err := NewWorkerClient(RegionEurope, testEnv, "id", testSecret, WithCorrelationIDs(ids))
		if !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("NewWorkerClient with %q: err = %v, want ErrInvalidArgument", ids, err)
		}
	}
	if _, err := c.WithCorrelationIDs(CorrelationIDs{TransactionID: strings.Repeat("é", 100)}); err != nil {
		t.Errorf("100 characters: %v", err)
	}
}
