package pingone

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestModelsRoundTripThroughEncodingJSON checks that encoding/json keeps every field of a model,
// read-only ones and Extra included: json.Marshal then json.Unmarshal gives the value back.
func TestModelsRoundTripThroughEncodingJSON(t *testing.T) {
	at := time.Date(2026, 3, 23, 16, 34, 44, 760_000_000, time.UTC)
	extra := map[string]json.RawMessage{"riskScore": json.RawMessage(`7`), "newFeature": json.RawMessage(`{"on":true,"levels":[1,2]}`)}
	pop := &Population{ID: "p1", Environment: &Ref{ID: "e1"}, Name: "Staff", Description: "d", Default: true, UserCount: 3,
		PasswordPolicy: &Ref{ID: "pp", Extra: map[string]json.RawMessage{"name": json.RawMessage(`"Standard"`)}}, Theme: &Ref{},
		PreferredLanguage: "en", AlternativeIdentifiers: []string{}, CreatedAt: at, UpdatedAt: at.Add(time.Hour), Extra: extra}
	// An unreadable timestamp is kept in Extra under its own name, and must come back there.
	odd := &Population{Name: "Odd", Extra: map[string]json.RawMessage{"createdAt": json.RawMessage(`"23/03/2026"`)}}
	user := &User{ID: "u1", Environment: &Ref{ID: "e1"}, Username: "ada", Email: "ada@example.org",
		Name: UserName{Given: "Ada", Family: "Lovelace"}, ExternalID: "x1", Population: &Ref{ID: "p1"}, Enabled: true,
		Lifecycle: UserLifecycle{Status: LifecycleAccountOK}, CreatedAt: at, Extra: extra}
	tests := []struct {
		name     string
		in, back any
		wantKeys []string // members json.Marshal must write, Extra ones included
	}{
		{"population", pop, new(Population), []string{"id", "environment", "name", "userCount", "theme", "alternativeIdentifiers", "createdAt", "riskScore", "newFeature"}},
		{"unreadable timestamp", odd, new(Population), []string{"name", "createdAt"}},
		{"user", user, new(User), []string{"id", "username", "name", "population", "enabled", "lifecycle", "riskScore"}},
		{"ref", &Ref{ID: "t", Extra: extra}, new(Ref), []string{"id", "riskScore", "newFeature"}},
		{"zero population", &Population{}, new(Population), []string{"name", "default", "userCount"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.in)
			if err != nil {
				t.Fatalf("json.Marshal: %v", err)
			}
			var members map[string]json.RawMessage
			if err := json.Unmarshal(b, &members); err != nil {
				t.Fatalf("json.Marshal wrote %s: %v", b, err)
			}
			for _, k := range tt.wantKeys {
				if _, ok := members[k]; !ok {
					t.Errorf("json.Marshal left out %q: %s", k, b)
				}
			}
			if err := json.Unmarshal(b, tt.back); err != nil {
				t.Fatalf("json.Unmarshal: %v", err)
			}
			if diff := cmp.Diff(tt.in, tt.back, sameJSON); diff != "" {
				t.Errorf("round trip (-want +got):\n%s\n%s", diff, b)
			}
		})
	}
}

// TestMarshalSkipsUnsendableExtra checks that json.Marshal never writes an Extra member that is not
// valid JSON, nor one that repeats a member it has written.
func TestMarshalSkipsUnsendableExtra(t *testing.T) {
	p := Population{Name: "Staff", Extra: map[string]json.RawMessage{"name": json.RawMessage(`"other"`), "bad": json.RawMessage(`{`), "ok": json.RawMessage(`1`)}}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"name":"Staff","default":false,"userCount":0,"ok":1}`; string(b) != want {
		t.Errorf("json.Marshal = %s, want %s", b, want)
	}
}

// TestUserSubObjects checks the small objects of a user (name, lifecycle): what reads as what,
// and what a write body and MarshalJSON write back. The name's unknown members are kept and sent
// back (sorted, the last of a repeated one, compact, see restText), so Update erases none; the
// lifecycle's are dropped (it is never sent). Neither fails the read.
func TestUserSubObjects(t *testing.T) {
	tests := []struct {
		name      string
		in        string // the user's members, without braces
		want      User
		wantErr   bool
		body      string // what Users.Update sends for it
		marshaled string // what MarshalJSON writes
	}{
		{"full", `"username":"ada","name":{"given":"Ada","middle":"King","family":"Lovelace","formatted":"Ada Lovelace","honorificPrefix":"Dr","honorificSuffix":"FRS"},"lifecycle":{"status":"ACCOUNT_OK"}`,
			User{Username: "ada", Name: UserName{Given: "Ada", Middle: "King", Family: "Lovelace", Formatted: "Ada Lovelace", HonorificPrefix: "Dr", HonorificSuffix: "FRS"},
				Lifecycle: UserLifecycle{Status: "ACCOUNT_OK"}}, false,
			`{"username":"ada","name":{"given":"Ada","middle":"King","family":"Lovelace","formatted":"Ada Lovelace","honorificPrefix":"Dr","honorificSuffix":"FRS"}}`,
			`{"username":"ada","name":{"given":"Ada","middle":"King","family":"Lovelace","formatted":"Ada Lovelace","honorificPrefix":"Dr","honorificSuffix":"FRS"},"enabled":false,"lifecycle":{"status":"ACCOUNT_OK"}}`},
		{"unknown members, null and a number", `"username":"ada","name":{"given":"Ada","nick":{"x": [1.0]},"family":null,"middle":7},"lifecycle":{"status":null,"since":"2026"}`,
			User{Username: "ada", Name: UserName{Given: "Ada", Middle: "7", rest: `"nick":{"x":[1.0]}`}, Lifecycle: UserLifecycle{rest: `"since":"2026"`}}, false,
			`{"username":"ada","name":{"given":"Ada","middle":"7","nick":{"x":[1.0]}}}`,
			`{"username":"ada","name":{"given":"Ada","middle":"7","nick":{"x":[1.0]}},"enabled":false,"lifecycle":{"since":"2026"}}`},
		{"unknown members in a form encoding/json keeps", `"username":"ada","name":{"a":"\u0041<\u2028","b":{ "c" : "\/" }}`,
			User{Username: "ada", Name: UserName{rest: `"a":"A\u003c\u2028","b":{"c":"/"}`}}, false,
			`{"username":"ada","name":{"a":"A\u003c\u2028","b":{"c":"/"}}}`,
			`{"username":"ada","name":{"a":"A\u003c\u2028","b":{"c":"/"}},"enabled":false}`},
		{"only unknown members, repeated, sorted, _links skipped", `"username":"ada","name":{"z":1,"_links":{},"a":"x","z":2}`,
			User{Username: "ada", Name: UserName{rest: `"a":"x","z":2`}}, false,
			`{"username":"ada","name":{"a":"x","z":2}}`, `{"username":"ada","name":{"a":"x","z":2},"enabled":false}`},
		{"invalid UTF-8 in an unknown member", "\"username\":\"ada\",\"name\":{\"n\xff\":\"v\xfe\"}",
			User{Username: "ada", Name: UserName{rest: "\"n\uFFFD\":\"v\uFFFD\""}}, false,
			"{\"username\":\"ada\",\"name\":{\"n\uFFFD\":\"v\uFFFD\"}}", "{\"username\":\"ada\",\"name\":{\"n\uFFFD\":\"v\uFFFD\"},\"enabled\":false}"},
		{"null objects", `"username":"ada","name":null,"lifecycle":null`, User{Username: "ada"}, false,
			`{"username":"ada"}`, `{"username":"ada","enabled":false}`},
		{"escaped member names", `"username":"ada","name":{"giv\u0065n":"Ada","Family":"x"}`,
			User{Username: "ada", Name: UserName{Given: "Ada", rest: `"Family":"x"`}}, false,
			`{"username":"ada","name":{"given":"Ada","Family":"x"}}`, `{"username":"ada","name":{"given":"Ada","Family":"x"},"enabled":false}`},
		{"a string for the name", `"username":"ada","name":"Ada"`, User{}, true, "", ""},
		{"an array for the lifecycle", `"username":"ada","lifecycle":[]`, User{}, true, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u User
			err := json.Unmarshal([]byte("{"+tt.in+"}"), &u)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if diff := cmp.Diff(tt.want, u); diff != "" {
				t.Errorf("decoded (-want +got):\n%s", diff)
			}
			body, err := userModel.body(&u, false).appendJSON(nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.body, string(body)); diff != "" {
				t.Errorf("Update body (-want +got):\n%s", diff)
			}
			m, err := json.Marshal(&u)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.marshaled, string(m)); diff != "" {
				t.Errorf("MarshalJSON (-want +got):\n%s", diff)
			}
		})
	}
}
