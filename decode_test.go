package pingone

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestLooseTimestamps: createdAt and updatedAt in forms other than RFC 3339 never fail a Get or
// a List; what cannot be read stays in Extra, raw, and Update never sends it.
func TestLooseTimestamps(t *testing.T) {
	at := time.Date(2026, 3, 23, 16, 34, 44, 760e6, time.UTC)
	tests := []struct {
		value     string // createdAt as PingOne sent it
		want      time.Time
		wantExtra map[string]json.RawMessage
	}{
		{`"2026-03-23T16:34:44.760Z"`, at, nil},
		{`"2026-03-23T18:34:44.760+02:00"`, at, nil},
		{`"2026-03-23T16:34:44.760"`, at, nil},
		{`"2026-03-23 16:34:44.760Z"`, at, nil},
		{`"2026-03-23 16:34:44.760"`, at, nil},
		{`"2026-03-23T16:34:44.760+0000"`, at, nil},
		{`" 2026-03-23T16:34:44.760Z "`, at, nil},
		{`null`, time.Time{}, nil},
		{`""`, time.Time{}, nil},
		{`"23/03/2026"`, time.Time{}, map[string]json.RawMessage{"createdAt": json.RawMessage(`"23/03/2026"`)}},
		{`1711211684760`, time.Time{}, map[string]json.RawMessage{"createdAt": json.RawMessage(`1711211684760`)}},
		{`{"epochMillis":1711211684760}`, time.Time{}, map[string]json.RawMessage{"createdAt": json.RawMessage(`{"epochMillis":1711211684760}`)}},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			c, mt := newMockClient(t)
			popJSON := `{"id":"p","name":"N","createdAt":` + tt.value + `,"updatedAt":` + tt.value + `}`
			userJSON := `{"id":"u","username":"a","email":"a@example.com","createdAt":` + tt.value + `}`
			rec := answer(mt, ok(popJSON), ok(pageJSON("", popJSON, `{"id":"q","name":"M"}`)), ok(userJSON), ok(popJSON))
			ctx := t.Context()
			var wantPopExtra map[string]json.RawMessage
			if tt.wantExtra != nil {
				wantPopExtra = map[string]json.RawMessage{"createdAt": tt.wantExtra["createdAt"], "updatedAt": tt.wantExtra["createdAt"]}
			}
			wantPop := &Population{ID: "p", Name: "N", CreatedAt: tt.want, UpdatedAt: tt.want, Extra: wantPopExtra}

			got, err := c.Populations.Get(ctx, testEnv, "p")
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if diff := cmp.Diff(wantPop, got); diff != "" {
				t.Errorf("Get (-want +got):\n%s", diff)
			}
			var listed []*Population
			for p, err := range c.Populations.List(ctx, testEnv, nil) {
				if err != nil {
					t.Fatalf("List: %v", err)
				}
				listed = append(listed, p)
			}
			if diff := cmp.Diff([]*Population{wantPop, {ID: "q", Name: "M"}}, listed); diff != "" {
				t.Errorf("List (-want +got):\n%s", diff)
			}
			u, err := c.Users.Get(ctx, testEnv, "u")
			if err != nil {
				t.Fatalf("Users.Get: %v", err)
			}
			if diff := cmp.Diff(&User{ID: "u", Username: "a", Email: "a@example.com", CreatedAt: tt.want, Extra: tt.wantExtra}, u); diff != "" {
				t.Errorf("Users.Get (-want +got):\n%s", diff)
			}
			// MarshalJSON writes an unreadable timestamp back from Extra, so it decodes back there.
			b, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			var back Population
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantPop, &back); diff != "" {
				t.Errorf("MarshalJSON round trip of %s (-want +got):\n%s", b, diff)
			}
			if _, err := c.Populations.Update(ctx, testEnv, "p", got); err != nil {
				t.Fatalf("Update: %v", err)
			}
			if diff := cmp.Diff(map[string]any{"name": "N", "default": false}, rec.sent()[3].Body); diff != "" {
				t.Errorf("Update body (-want +got):\n%s", diff)
			}
		})
	}
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

// TestMemberNamesWithInvalidUTF8: a member name holding invalid UTF-8, escaped or not, never fails
// a read; the member lands in Extra under the name with each bad byte (or lone surrogate escape)
// replaced by U+FFFD, as in decoded string values.
func TestMemberNamesWithInvalidUTF8(t *testing.T) {
	tests := []struct{ name, want string }{
		{"a\xff", "a\uFFFD"},
		{`a\u0041` + "\xff", "aA\uFFFD"},
		{`\n` + "\xfe\xff", "\n\uFFFD\uFFFD"},
		{`x\ud800y`, "x\uFFFDy"},
		{`\u0064escription`, ""}, // an escaped modelled name is the field, not Extra
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.name), func(t *testing.T) {
			var p Population
			if err := p.UnmarshalJSON([]byte(`{"id":"p","` + tt.name + `":"v"}`)); err != nil {
				t.Fatalf("UnmarshalJSON: %v", err)
			}
			want := Population{ID: "p", Description: "v"}
			if tt.want != "" {
				want = Population{ID: "p", Extra: map[string]json.RawMessage{tt.want: json.RawMessage(`"v"`)}}
			}
			if diff := cmp.Diff(want, p); diff != "" {
				t.Errorf("decoded (-want +got):\n%s", diff)
			}
		})
	}
}
