package pingone

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
)

const userJSON = `{
  "_links": {"self": {"href": "https://api.pingone.eu/v1/environments/` + testEnv + `/users/` + testUser + `"}},
  "id": "` + testUser + `",
  "environment": {"id": "` + testEnv + `"},
  "username": "ada",
  "email": "ada@example.com",
  "name": {"given": "Ada", "family": "Lovelace"},
  "population": {"id": "` + testPop + `"},
  "enabled": true,
  "lifecycle": {"status": "ACCOUNT_OK"},
  "mfaEnabled": false,
  "createdAt": "2026-03-23T16:34:44.760Z",
  "updatedAt": "2026-03-23T16:34:44.760Z"
}`

func wantUser() *User {
	ts := time.Date(2026, 3, 23, 16, 34, 44, 760e6, time.UTC)
	return &User{
		ID: testUser, Environment: &Ref{ID: testEnv}, Username: "ada", Email: "ada@example.com",
		Name: UserName{Given: "Ada", Family: "Lovelace"}, Population: &Ref{ID: testPop}, Enabled: true,
		Lifecycle: UserLifecycle{Status: "ACCOUNT_OK"}, CreatedAt: ts, UpdatedAt: ts,
		Extra: map[string]json.RawMessage{"mfaEnabled": json.RawMessage("false")},
	}
}

func TestUserRequests(t *testing.T) {
	userPath := "/v1/environments/" + testEnv + "/users/" + testUser
	jsonHeaders := map[string]string{"Authorization": "Bearer " + testToken, "Accept": "application/json", "Content-Type": "application/json"}
	getHeaders := map[string]string{"Authorization": "Bearer " + testToken, "Accept": "application/json"}
	tests := []requestCase{
		{
			name: "Create", resp: status(201, userJSON),
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Users.Create(ctx, testEnv, &User{ID: "ignored", Enabled: true, Username: "ada", Email: "ada@example.com",
					Name: UserName{Given: "Ada"}, Population: &Ref{ID: testPop}})
			},
			want: sent{Method: "POST", Path: "/v1/environments/" + testEnv + "/users", Header: jsonHeaders,
				Body: mustJSON(t, `{"username":"ada","email":"ada@example.com","name":{"given":"Ada"},"population":{"id":"`+testPop+`"}}`)},
			result: wantUser(),
		},
		{
			name: "Get", resp: ok(userJSON),
			call: func(ctx context.Context, c *Client) (any, error) { return c.Users.Get(ctx, testEnv, testUser) },
			want: sent{Method: "GET", Path: userPath, Header: getHeaders}, result: wantUser(),
		},
		{
			name: "ListPage by population", resp: ok(`{"_embedded":{"users":[` + userJSON + `]},"count":1.0}`),
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Users.ListPage(ctx, testEnv, &ListOptions{Filter: `population.id eq "` + testPop + `"`})
			},
			want: sent{Method: "GET", Path: "/v1/environments/" + testEnv + "/users",
				Query: "filter=population.id+eq+%22" + testPop + "%22", Header: getHeaders},
			result: &Page[User]{Items: []User{*wantUser()}, Count: 1},
		},
		{
			name: "Delete", resp: status(204, ""),
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.Users.Delete(ctx, testEnv, testUser) },
			want: sent{Method: "DELETE", Path: userPath, Header: getHeaders},
		},
		{
			name: "GetPopulation", resp: ok(`{"_links":{"self":{"href":"x"}},"id":"` + testPop + `"}`),
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Users.GetPopulation(ctx, testEnv, testUser)
			},
			want: sent{Method: "GET", Path: userPath + "/population", Header: getHeaders}, result: &Ref{ID: testPop},
		},
		{
			name: "MovePopulation sends exactly {id}", resp: ok(`{"id":"` + testPop + `"}`),
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.Users.MovePopulation(ctx, testEnv, testUser, testPop)
			},
			want: sent{Method: "PUT", Path: userPath + "/population", Header: jsonHeaders, Body: mustJSON(t, `{"id":"`+testPop+`"}`)},
		},
	}
	runRequestCases(t, tests)
}

func TestMovePopulationExactBytes(t *testing.T) {
	c, mt := newMockClient(t)
	var raw string
	mt.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		raw = string(b)
		return httpmock.NewStringResponse(200, `{"id":"p"}`), nil
	})
	if err := c.Users.MovePopulation(t.Context(), testEnv, testUser, "p-1"); err != nil {
		t.Fatal(err)
	}
	if raw != `{"id":"p-1"}` {
		t.Errorf("body = %s, want exactly {\"id\":\"p-1\"}", raw)
	}
}

func TestUserInvalidInput(t *testing.T) {
	c, mt := newMockClient(t)
	rec := answer(mt, ok(`{}`))
	ctx := t.Context()
	calls := map[string]func() error{
		"create nil":         func() error { _, err := c.Users.Create(ctx, testEnv, nil); return err },
		"create no email":    func() error { _, err := c.Users.Create(ctx, testEnv, &User{Username: "a"}); return err },
		"create no username": func() error { _, err := c.Users.Create(ctx, testEnv, &User{Email: "a@b"}); return err },
		"create bad pop": func() error {
			_, err := c.Users.Create(ctx, testEnv, &User{Username: "a", Email: "a@b", Population: &Ref{ID: "../x"}})
			return err
		},
		"get empty":        func() error { _, err := c.Users.Get(ctx, testEnv, ""); return err },
		"move empty pop":   func() error { return c.Users.MovePopulation(ctx, testEnv, testUser, "") },
		"move bad pop":     func() error { return c.Users.MovePopulation(ctx, testEnv, testUser, "a/b") },
		"move bad user":    func() error { return c.Users.MovePopulation(ctx, testEnv, "..", testPop) },
		"population empty": func() error { _, err := c.Users.GetPopulation(ctx, testEnv, ""); return err },
		"delete empty env": func() error { return c.Users.Delete(ctx, "", testUser) },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: err = %v, want ErrInvalidArgument", name, err)
		}
	}
	if n := len(rec.sent()); n != 0 {
		t.Errorf("%d requests sent for invalid input, want 0", n)
	}
}
