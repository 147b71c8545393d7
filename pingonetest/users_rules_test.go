package pingonetest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestUserWriteRules: PUT replaces a user, PATCH changes only what it names (null clears), neither
// moves the user, and usernames stay unique; sent as raw JSON so the fake's rules are checked
// apart from the SDK.
func TestUserWriteRules(t *testing.T) {
	srv, _ := setup(t)
	env := "/environments/" + srv.EnvironmentID
	_, created := raw(t, srv, "POST", env+"/users", "application/json",
		`{"username":"ada","email":"ada@example.com","externalId":"e1","mobilePhone":"+1","name":{"given":"Ada","family":"L"}}`, true)
	raw(t, srv, "POST", env+"/users", "application/json", `{"username":"bob","email":"bob@example.com"}`, true)
	id := created["id"].(string)
	pop := created["population"]
	pick := func(m map[string]any) map[string]any {
		out := map[string]any{}
		for _, k := range []string{"username", "email", "externalId", "mobilePhone", "name", "population"} {
			if v, ok := m[k]; ok {
				out[k] = v
			}
		}
		return out
	}
	steps := []struct {
		name, method, body string
		status             int
		want               map[string]any // the user's attributes afterwards (on success)
	}{
		{"PATCH changes only the email", "PATCH", `{"email":"ada@example.org"}`, 200,
			map[string]any{"username": "ada", "email": "ada@example.org", "externalId": "e1", "mobilePhone": "+1",
				"name": map[string]any{"given": "Ada", "family": "L"}, "population": pop}},
		{"PATCH null clears, unknown ignored, population ignored", "PATCH",
			`{"externalId":null,"title":"x","population":{"id":"elsewhere"}}`, 200,
			map[string]any{"username": "ada", "email": "ada@example.org", "mobilePhone": "+1",
				"name": map[string]any{"given": "Ada", "family": "L"}, "population": pop}},
		{"PATCH to a taken username", "PATCH", `{"username":"BOB"}`, 409, nil},
		{"PATCH with a wrong type", "PATCH", `{"email":5}`, 400, nil},
		{"PUT replaces: what is left out is cleared", "PUT", `{"username":"ada2","email":"a@example.com"}`, 200,
			map[string]any{"username": "ada2", "email": "a@example.com", "population": pop}},
		{"PUT without username", "PUT", `{"email":"a@example.com"}`, 400, nil},
		{"PUT keeps its own username in another case", "PUT", `{"username":"ADA2"}`, 200,
			map[string]any{"username": "ADA2", "population": pop}},
	}
	for _, st := range steps {
		resp, body := raw(t, srv, st.method, env+"/users/"+id, "application/json", st.body, true)
		if resp.StatusCode != st.status {
			t.Fatalf("%s: status %d, want %d: %v", st.name, resp.StatusCode, st.status, body)
		}
		if st.want == nil {
			continue
		}
		_, got := raw(t, srv, "GET", env+"/users/"+id, "", "", true)
		if diff := cmp.Diff(st.want, pick(got)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", st.name, diff)
		}
		if diff := cmp.Diff(pick(body), pick(got)); diff != "" {
			t.Errorf("%s: response differs from a later GET (-resp +get):\n%s", st.name, diff)
		}
	}
	if resp, _ := raw(t, srv, "PATCH", env+"/users/nobody", "application/json", `{"email":"x@y"}`, true); resp.StatusCode != 404 {
		t.Errorf("PATCH unknown user: %d, want 404", resp.StatusCode)
	}
}

// TestImportRules: only the import media type sets a password and a lifecycle status; the
// password is never returned, never recorded, and CheckPassword verifies it.
func TestImportRules(t *testing.T) {
	srv, _ := setup(t)
	env := "/environments/" + srv.EnvironmentID
	const imp = "application/vnd.pingidentity.user.import+json"
	body := func(user, status string) string {
		return `{"username":"` + user + `","email":"` + user + `@example.com","password":{"value":"Pw-` + user + `","forceChange":true},"lifecycle":{"status":"` + status + `"}}`
	}
	tests := []struct {
		name, user, contentType, status string
		code                            int
		wantStatus                      string
		wantPassword                    bool
	}{
		{"import, verification required", "ada", imp, "VERIFICATION_REQUIRED", 201, "VERIFICATION_REQUIRED", true},
		{"import, account ok", "bob", imp, "ACCOUNT_OK", 201, "ACCOUNT_OK", true},
		{"plain create ignores password and status", "cy", "application/json", "VERIFICATION_REQUIRED", 201, "ACCOUNT_OK", false},
		{"import with an unknown status", "dee", imp, "LOCKED", 400, "", false},
	}
	for _, tt := range tests {
		resp, got := raw(t, srv, "POST", env+"/users", tt.contentType, body(tt.user, tt.status), true)
		if resp.StatusCode != tt.code {
			t.Fatalf("%s: status %d, want %d: %v", tt.name, resp.StatusCode, tt.code, got)
		}
		if tt.code != 201 {
			continue
		}
		if _, ok := got["password"]; ok {
			t.Errorf("%s: the response carries a password: %v", tt.name, got)
		}
		if st := got["lifecycle"].(map[string]any)["status"]; st != tt.wantStatus {
			t.Errorf("%s: lifecycle.status = %v, want %s", tt.name, st, tt.wantStatus)
		}
		id := got["id"].(string)
		if srv.CheckPassword(id, "Pw-"+tt.user) != tt.wantPassword {
			t.Errorf("%s: CheckPassword = %v, want %v", tt.name, !tt.wantPassword, tt.wantPassword)
		}
		if srv.CheckPassword(id, "wrong") || srv.CheckPassword(id, "") {
			t.Errorf("%s: CheckPassword accepts a wrong password", tt.name)
		}
	}
	for _, r := range srv.Requests() {
		if strings.Contains(r.Body, "Pw-") {
			t.Errorf("Requests() recorded a password: %s", r.Body)
		}
	}
	if resp, got := raw(t, srv, "POST", env+"/users", imp, `{"username":"e","email":"e@x","password":{"value":""}}`, true); resp.StatusCode != 400 {
		t.Errorf("empty password: %d %v, want 400", resp.StatusCode, got)
	}
}

// TestExpandAndDefaultIdPRules: expand=population embeds the population; other expansions are
// refused; the default identity provider is set by {"id"} and reset by {} or a null id.
func TestExpandAndDefaultIdPRules(t *testing.T) {
	srv, _ := setup(t)
	env := "/environments/" + srv.EnvironmentID
	_, u := raw(t, srv, "POST", env+"/users", "application/json", `{"username":"ada","email":"a@example.com"}`, true)
	id := u["id"].(string)
	popID := u["population"].(map[string]any)["id"].(string)
	_, got := raw(t, srv, "GET", env+"/users/"+id+"?expand=population", "", "", true)
	emb, _ := got["_embedded"].(map[string]any)
	if p, _ := emb["population"].(map[string]any); p["id"] != popID || p["name"] != "Default" {
		t.Errorf("expand=population: _embedded = %v, want the Default population", got["_embedded"])
	}
	if _, got := raw(t, srv, "GET", env+"/users/"+id, "", "", true); got["_embedded"] != nil {
		t.Errorf("without expand: _embedded = %v, want none", got["_embedded"])
	}
	if resp, _ := raw(t, srv, "GET", env+"/users/"+id+"?expand=groups", "", "", true); resp.StatusCode != 400 {
		t.Errorf("expand=groups: %d, want 400", resp.StatusCode)
	}

	idp := env + "/populations/" + popID + "/defaultIdentityProvider"
	for _, st := range []struct {
		method, body string
		status       int
		wantID       any
	}{
		{"GET", "", 200, nil},
		{"PUT", `{"id":"idp-1"}`, 200, "idp-1"},
		{"GET", "", 200, "idp-1"},
		{"PUT", `{"id":""}`, 400, nil},
		{"PUT", `{"id":"idp-1","type":"SAML"}`, 400, nil},
		{"PUT", `{"id":null}`, 200, nil},
		{"PUT", `{"id":"idp-2"}`, 200, "idp-2"},
		{"PUT", `{}`, 200, nil},
		{"GET", "", 200, nil},
		{"DELETE", "", 405, nil},
	} {
		ct := ""
		if st.body != "" {
			ct = "application/json"
		}
		resp, got := raw(t, srv, st.method, idp, ct, st.body, true)
		if resp.StatusCode != st.status {
			t.Fatalf("%s %s: status %d, want %d: %v", st.method, st.body, resp.StatusCode, st.status, got)
		}
		if st.status == http.StatusOK && got["id"] != st.wantID {
			t.Errorf("%s %s: id = %v, want %v", st.method, st.body, got["id"], st.wantID)
		}
	}
	if resp, _ := raw(t, srv, "GET", env+"/populations/nope/defaultIdentityProvider", "", "", true); resp.StatusCode != 404 {
		t.Errorf("unknown population: %d, want 404", resp.StatusCode)
	}
}

// TestUsernameRule: a username is 1 to 128 characters (code points, not bytes) of letters, marks,
// spaces, symbols, digits and punctuation, as the published description says; create, PUT and
// PATCH refuse any other with 400 INVALID_DATA and an INVALID_VALUE detail on username whose
// innerError gives the range or the pattern.
func TestUsernameRule(t *testing.T) {
	srv, _ := setup(t)
	env := "/environments/" + srv.EnvironmentID
	_, created := raw(t, srv, "POST", env+"/users", "application/json", `{"username":"ada","email":"ada@example.com"}`, true)
	id := created["id"].(string)
	tooLong := map[string]any{"rangeMinimumValue": 1.0, "rangeMaximumValue": 128.0}
	badChar := map[string]any{"allowedPattern": `^[\p{L}\p{M}\p{Zs}\p{S}\p{N}\p{P}]*$`}
	tests := []struct {
		name, username string
		inner          map[string]any // nil: accepted
	}{
		{"128 letters", strings.Repeat("a", 128), nil},
		{"128 two-byte letters", strings.Repeat("é", 128), nil},
		{"an email with a space, a symbol and a mark", "Ada Lovelace+1€e\u0301@example.com", nil},
		{"129 letters", strings.Repeat("a", 129), tooLong},
		{"300 letters", strings.Repeat("a", 300), tooLong},
		{"a control character", "ada\u0007", badChar},
		{"a tab", "ada\tx", badChar},
		{"a line separator", "ada\u2028x", badChar},
	}
	for _, tt := range tests {
		name, _ := json.Marshal(tt.username)
		for _, call := range []struct{ method, path, body string }{
			{"POST", env + "/users", `{"username":` + string(name) + `,"email":"x@example.com"}`},
			{"PUT", env + "/users/" + id, `{"username":` + string(name) + `}`},
			{"PATCH", env + "/users/" + id, `{"username":` + string(name) + `}`},
		} {
			resp, body := raw(t, srv, call.method, call.path, "application/json", call.body, true)
			if tt.inner == nil {
				if resp.StatusCode/100 != 2 || body["username"] != tt.username {
					t.Errorf("%s: %s answered %d %v, want the username accepted", tt.name, call.method, resp.StatusCode, body)
				}
				if call.method == "POST" && resp.StatusCode/100 == 2 {
					raw(t, srv, "DELETE", env+"/users/"+body["id"].(string), "", "", true)
				}
				continue
			}
			want := map[string]any{"status": 400, "code": "INVALID_DATA",
				"details": []any{map[string]any{"code": "INVALID_VALUE", "target": "username", "innerError": tt.inner}}}
			got := map[string]any{"status": resp.StatusCode, "code": body["code"], "details": body["details"]}
			if details, ok := body["details"].([]any); ok && len(details) == 1 {
				d, _ := details[0].(map[string]any)
				got["details"] = []any{map[string]any{"code": d["code"], "target": d["target"], "innerError": d["innerError"]}}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: %s (-want +got):\n%s", tt.name, call.method, diff)
			}
		}
	}
}
