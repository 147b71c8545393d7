package pingone

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func ptr[T any](v T) *T { return &v }

func TestUserWriteRequests(t *testing.T) {
	userPath := "/v1/environments/" + testEnv + "/users/" + testUser
	jsonHeaders := map[string]string{"Authorization": "Bearer " + testToken, "Accept": "application/json", "Content-Type": "application/json"}
	importHeaders := map[string]string{"Authorization": "Bearer " + testToken, "Accept": "application/json", "Content-Type": importMediaType}
	getHeaders := map[string]string{"Authorization": "Bearer " + testToken, "Accept": "application/json"}
	// A user as Get returns it, changed and sent back whole.
	read := wantUser()
	read.Email = "ada@example.org"
	read.Extra["title"] = json.RawMessage(`"Countess"`)
	read.Extra["emailVerified"] = json.RawMessage(`true`) // read-only: not sent back
	popJSON := strings.TrimSuffix(strings.TrimSpace(populationJSON), "}")
	tests := []requestCase{
		{
			name: "Update sends every writable field and Extra, not population or read-only ones", resp: ok(userJSON),
			call: func(ctx context.Context, c *Client) (any, error) { return c.Users.Update(ctx, testEnv, testUser, read) },
			want: sent{Method: "PUT", Path: userPath, Header: jsonHeaders,
				Body: mustJSON(t, `{"username":"ada","email":"ada@example.org","name":{"given":"Ada","family":"Lovelace"},"mfaEnabled":false,"title":"Countess"}`)},
			result: wantUser(),
		},
		{
			name: "Update leaves out what is empty, which clears it", resp: ok(userJSON),
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Users.Update(ctx, testEnv, testUser, &User{Username: "ada"})
			},
			want: sent{Method: "PUT", Path: userPath, Header: jsonHeaders, Body: mustJSON(t, `{"username":"ada"}`)},
		},
		{
			name: "Patch sends only the email", resp: ok(userJSON),
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Users.Patch(ctx, testEnv, testUser, &UserPatch{Email: ptr("ada@example.org")})
			},
			want:   sent{Method: "PATCH", Path: userPath, Header: jsonHeaders, Body: mustJSON(t, `{"email":"ada@example.org"}`)},
			result: wantUser(),
		},
		{
			name: "Patch clears with null and sets Extra", resp: ok(userJSON),
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Users.Patch(ctx, testEnv, testUser, &UserPatch{Username: ptr("ada2"), ExternalID: ptr(""),
					Name: &UserName{Given: "Ada"}, Extra: map[string]json.RawMessage{"title": json.RawMessage(`"Countess"`),
						"email": json.RawMessage(`"dropped@example.com"`), "password": json.RawMessage(`{"value":"x"}`)}})
			},
			want: sent{Method: "PATCH", Path: userPath, Header: jsonHeaders,
				Body: mustJSON(t, `{"username":"ada2","externalId":null,"name":{"given":"Ada"},"title":"Countess"}`)},
		},
		{
			name: "Patch sends a read name whole, members the SDK does not model included", resp: ok(userJSON),
			call: func(ctx context.Context, c *Client) (any, error) {
				var u User
				if err := json.Unmarshal([]byte(`{"username":"ada","name":{"given":"Ada","honorificPrefix":"Dr","nick":"A"}}`), &u); err != nil {
					return nil, err
				}
				u.Name.Given = "Augusta"
				return c.Users.Patch(ctx, testEnv, testUser, &UserPatch{Name: &u.Name})
			},
			want: sent{Method: "PATCH", Path: userPath, Header: jsonHeaders,
				Body: mustJSON(t, `{"name":{"given":"Augusta","honorificPrefix":"Dr","nick":"A"}}`)},
			result: wantUser(),
		},
		{
			name: "Import with password and status", resp: status(201, userJSON),
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Users.Import(ctx, testEnv, &User{Username: "ada", Email: "ada@example.com", Population: &Ref{ID: testPop},
					Lifecycle: UserLifecycle{Status: LifecycleVerificationRequired}},
					&ImportPassword{Value: NewPassword("Pa55-w0rd!"), ForceChange: true})
			},
			want: sent{Method: "POST", Path: "/v1/environments/" + testEnv + "/users", Header: importHeaders,
				Body: mustJSON(t, `{"username":"ada","email":"ada@example.com","population":{"id":"`+testPop+`"},
					"password":{"value":"Pa55-w0rd!","forceChange":true},"lifecycle":{"status":"VERIFICATION_REQUIRED"}}`)},
			result: wantUser(),
		},
		{
			name: "Import without password", resp: status(201, userJSON),
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Users.Import(ctx, testEnv, &User{Username: "ada", Email: "ada@example.com"}, nil)
			},
			want: sent{Method: "POST", Path: "/v1/environments/" + testEnv + "/users", Header: importHeaders,
				Body: mustJSON(t, `{"username":"ada","email":"ada@example.com"}`)},
		},
		{
			name: "GetWithPopulation, HAL _embedded", resp: ok(strings.TrimSuffix(strings.TrimSpace(userJSON), "}") +
				`,"_embedded":{"population":` + populationJSON + `}}`),
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Users.GetWithPopulation(ctx, testEnv, testUser)
			},
			want:   sent{Method: "GET", Path: userPath, Query: "expand=population", Header: getHeaders},
			result: &UserWithPopulation{User: wantUser(), Population: wantPopulation()},
		},
		{
			name: "GetWithPopulation, inline population",
			resp: ok(strings.Replace(userJSON, `"population": {"id": "`+testPop+`"}`, `"population": `+popJSON+`}`, 1)),
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Users.GetWithPopulation(ctx, testEnv, testUser)
			},
			want:   sent{Method: "GET", Path: userPath, Query: "expand=population", Header: getHeaders},
			result: &UserWithPopulation{User: wantUser(), Population: wantPopulation()},
		},
		{
			name: "GetWithPopulation, not expanded", resp: ok(userJSON),
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Users.GetWithPopulation(ctx, testEnv, testUser)
			},
			want:   sent{Method: "GET", Path: userPath, Query: "expand=population", Header: getHeaders},
			result: &UserWithPopulation{User: wantUser()},
		},
	}
	runRequestCases(t, tests)
}

func TestUserWriteInvalidInput(t *testing.T) {
	c, mt := newMockClient(t)
	rec := answer(mt, ok(`{}`))
	ctx := t.Context()
	pw := &ImportPassword{Value: NewPassword("pw")}
	calls := map[string]func() error{
		"update nil":         func() error { _, err := c.Users.Update(ctx, testEnv, testUser, nil); return err },
		"update no username": func() error { _, err := c.Users.Update(ctx, testEnv, testUser, &User{Email: "a@b"}); return err },
		"update bad user":    func() error { _, err := c.Users.Update(ctx, testEnv, "a/b", &User{Username: "a"}); return err },
		"patch nil":          func() error { _, err := c.Users.Patch(ctx, testEnv, testUser, nil); return err },
		"patch nothing":      func() error { _, err := c.Users.Patch(ctx, testEnv, testUser, &UserPatch{}); return err },
		"patch only dropped": func() error {
			_, err := c.Users.Patch(ctx, testEnv, testUser, &UserPatch{Extra: map[string]json.RawMessage{"id": json.RawMessage(`"x"`)}})
			return err
		},
		"patch clear username": func() error {
			_, err := c.Users.Patch(ctx, testEnv, testUser, &UserPatch{Username: ptr("")})
			return err
		},
		"import nil":      func() error { _, err := c.Users.Import(ctx, testEnv, nil, pw); return err },
		"import no email": func() error { _, err := c.Users.Import(ctx, testEnv, &User{Username: "a"}, pw); return err },
		"import bad status": func() error {
			_, err := c.Users.Import(ctx, testEnv, &User{Username: "a", Email: "a@b", Lifecycle: UserLifecycle{Status: "LOCKED"}}, pw)
			return err
		},
		"import empty password": func() error {
			_, err := c.Users.Import(ctx, testEnv, &User{Username: "a", Email: "a@b"}, &ImportPassword{})
			return err
		},
		"expand empty user": func() error { _, err := c.Users.GetWithPopulation(ctx, testEnv, ""); return err },
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

// TestImportPasswordRedacted: a server that echoes the password in its error, in any form, never
// gets it into the error; and no way of printing a Password shows it.
func TestImportPasswordRedacted(t *testing.T) {
	const pw = `s3cr3t/Pa55"word`
	for name, echo := range map[string]string{
		"plain":        `s3cr3t/Pa55\"word`,
		"escaped /":    `s3cr3t\/Pa55\"word`,
		"query-escape": `s3cr3t%2FPa55%22word`,
	} {
		t.Run(name, func(t *testing.T) {
			var logs strings.Builder
			c, mt := newMockClient(t, WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
			answer(mt, status(400, `{"id":"e1","code":"INVALID_DATA","message":"bad password `+echo+`",
				"details":[{"code":"INVALID_VALUE","target":"password.value","message":"`+echo+` is too weak","innerError":{"value":"`+echo+`"}}]}`))
			_, err := c.Users.Import(t.Context(), testEnv, &User{Username: "a", Email: "a@b"}, &ImportPassword{Value: NewPassword(pw)})
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v, want *APIError", err)
			}
			for _, s := range []string{err.Error(), fmt.Sprintf("%+v", apiErr), fmt.Sprintf("%#v", apiErr.Details), logs.String()} {
				if strings.Contains(s, "s3cr3t") {
					t.Errorf("password leaked: %s", s)
				}
			}
			if !strings.Contains(err.Error(), redacted) {
				t.Errorf("err = %v, want the echo replaced by %s", err, redacted)
			}
		})
	}
	p := NewPassword(pw)
	holder := struct {
		P Password
		p Password
	}{p, p}
	ip := &ImportPassword{Value: p}
	for _, s := range []string{fmt.Sprint(p), fmt.Sprintf("%v %+v %#v %s %q %x", p, p, p, p, p, p),
		fmt.Sprintf("%v %+v %#v", holder, holder, holder), fmt.Sprintf("%v %+v %#v", ip, ip, ip)} {
		if strings.Contains(s, "s3cr3t") {
			t.Errorf("printed password: %s", s)
		}
	}
	b, _ := p.MarshalJSON()
	if string(b) != `"[REDACTED]"` {
		t.Errorf("MarshalJSON = %s", b)
	}
}

// TestUserPasswordNeverKept: PingOne never returns a password, so a user decoded by any call holds
// none, whatever a server echoes (here, in every answer); and one a caller sets in Extra is
// neither marshaled nor sent.
func TestUserPasswordNeverKept(t *testing.T) {
	const password = "pw-HUNTER2-0b7c"
	echoed := `{"id":"u","username":"ada","password":{"value":"` + password + `","forceChange":false}}`
	calls := []struct {
		name string
		call func(ctx context.Context, c *Client) (any, error)
	}{
		{"Get", func(ctx context.Context, c *Client) (any, error) { return c.Users.Get(ctx, testEnv, testUser) }},
		{"Create", func(ctx context.Context, c *Client) (any, error) {
			return c.Users.Create(ctx, testEnv, &User{Username: "ada", Email: "ada@example.org"})
		}},
		{"Update", func(ctx context.Context, c *Client) (any, error) {
			return c.Users.Update(ctx, testEnv, testUser, &User{Username: "ada"})
		}},
		{"Patch", func(ctx context.Context, c *Client) (any, error) {
			return c.Users.Patch(ctx, testEnv, testUser, &UserPatch{Email: ptr("ada@example.org")})
		}},
		{"ListPage", func(ctx context.Context, c *Client) (any, error) {
			return c.Users.ListPage(ctx, testEnv, nil)
		}},
		{"GetWithPopulation", func(ctx context.Context, c *Client) (any, error) {
			return c.Users.GetWithPopulation(ctx, testEnv, testUser)
		}},
	}
	for _, tt := range calls {
		t.Run(tt.name, func(t *testing.T) {
			c, mt := newMockClient(t)
			body := echoed
			if tt.name == "ListPage" {
				body = `{"_embedded":{"users":[` + echoed + `]}}`
			}
			answer(mt, ok(body))
			got, err := tt.call(t.Context(), c)
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			for what, s := range map[string]string{"json.Marshal": string(b), "%+v": fmt.Sprintf("%+v", got)} {
				if strings.Contains(s, password) || strings.Contains(s, `"password"`) {
					t.Errorf("%s of the result holds the password: %s", what, s)
				}
			}
		})
	}
	t.Run("set in Extra", func(t *testing.T) {
		c, mt := newMockClient(t)
		rec := answer(mt, ok(`{"id":"u"}`))
		u := &User{Username: "ada", Extra: map[string]json.RawMessage{"password": json.RawMessage(`"` + password + `"`)}}
		b, err := json.Marshal(u)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(`{"username":"ada","enabled":false}`, string(b)); diff != "" {
			t.Errorf("MarshalJSON (-want +got):\n%s", diff)
		}
		if _, err := c.Users.Update(t.Context(), testEnv, testUser, u); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(mustJSON(t, `{"username":"ada"}`), rec.sent()[0].Body); diff != "" {
			t.Errorf("Update body (-want +got):\n%s", diff)
		}
	})
}
