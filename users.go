package pingone

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// UsersService manages users and their population: /environments/{envID}/users.
type UsersService struct{ c *Client }

// userBody checks u and returns what to send for it; create is false for Update, since PingOne
// moves users only through /population. Import adds the password and lifecycle.
func userBody(u *User, create bool) (*writeBody[User], error) {
	if u == nil {
		return nil, invalidArgf("nil user")
	}
	if u.Username == "" {
		return nil, invalidArgf("username is required")
	}
	if create && u.Population != nil {
		if err := checkSegment("population ID", u.Population.ID); err != nil {
			return nil, err
		}
	}
	return userModel.body(u, create), nil
}

// Create creates a user: POST /environments/{envID}/users. Username and Email are required; a nil
// Population puts the user in the default population. u is not modified. A username already
// taken is ErrConflict. Like every POST, it is not retried after a 5xx or a timeout.
func (s *UsersService) Create(ctx context.Context, envID string, u *User) (*User, error) {
	if u != nil && (u.Username == "" || u.Email == "") {
		return nil, invalidArgf("username and email are required")
	}
	body, err := userBody(u, true)
	if err != nil {
		return nil, err
	}
	return call[User](ctx, s.c, http.MethodPost, body, "environments", envID, "users")
}

// Get reads a user: GET /environments/{envID}/users/{userID}. An unknown ID is ErrNotFound.
func (s *UsersService) Get(ctx context.Context, envID, userID string) (*User, error) {
	return call[User](ctx, s.c, http.MethodGet, nil, "environments", envID, "users", userID)
}

// List returns every user matching opts, fetching pages lazily: GET /environments/{envID}/users,
// then each _links.next. Any SCIM filter PingOne supports works, such as
// `population.id eq "…"`. It stops fetching when the loop breaks, and on an error it yields
// (nil, err) once and stops. Ranging it again starts over.
func (s *UsersService) List(ctx context.Context, envID string, opts *ListOptions) iter.Seq2[*User, error] {
	return listAll[User](ctx, s.c, opts, "users", "environments", envID, "users")
}

// ListPage returns one page of users: GET /environments/{envID}/users. Pass the page's NextCursor
// as opts.Cursor to get the next one.
func (s *UsersService) ListPage(ctx context.Context, envID string, opts *ListOptions) (*Page[User], error) {
	return listPage[User](ctx, s.c, opts, "users", "environments", envID, "users")
}

// Delete deletes a user: DELETE /environments/{envID}/users/{userID}.
func (s *UsersService) Delete(ctx context.Context, envID, userID string) error {
	u, err := s.c.endpoint("environments", envID, "users", userID)
	if err != nil {
		return err
	}
	return s.c.do(ctx, http.MethodDelete, u, nil, nil)
}

// GetPopulation returns the user's population: GET /environments/{envID}/users/{userID}/population.
func (s *UsersService) GetPopulation(ctx context.Context, envID, userID string) (*Ref, error) {
	return call[Ref](ctx, s.c, http.MethodGet, nil, "environments", envID, "users", userID, "population")
}

// MovePopulation moves a user to another population:
// PUT /environments/{envID}/users/{userID}/population with the body {"id":"<populationID>"}. It is
// idempotent, so it is retried like any PUT. An unknown population is an *APIError (400).
func (s *UsersService) MovePopulation(ctx context.Context, envID, userID, populationID string) error {
	return s.movePopulation(ctx, envID, userID, populationID, nil)
}

// movePopulation is MovePopulation with what the call adds (a bulk job's pacing); opts may be nil.
func (s *UsersService) movePopulation(ctx context.Context, envID, userID, populationID string, opts *callOpts) error {
	if err := checkSegment("population ID", populationID); err != nil {
		return err
	}
	u, err := s.c.endpoint("environments", envID, "users", userID, "population")
	if err != nil {
		return err
	}
	return s.c.send(ctx, http.MethodPut, u, refModel.body(&Ref{ID: populationID}, false), nil, opts)
}

// Update replaces a user: PUT /environments/{envID}/users/{userID}. Username is required. PUT
// replaces the whole user: an empty Email, ExternalID or Name member, and any attribute left out
// of Extra, is cleared. So change a user by reading it first (Get → change → Update): members
// PingOne sent that the SDK does not model (mobilePhone, title, address, …) travel in Extra and
// are sent back. Population is not sent, since PingOne changes it only through MovePopulation;
// read-only fields are ignored. To change one attribute without resending the rest, use Patch.
func (s *UsersService) Update(ctx context.Context, envID, userID string, u *User) (*User, error) {
	body, err := userBody(u, false)
	if err != nil {
		return nil, err
	}
	return call[User](ctx, s.c, http.MethodPut, body, "environments", envID, "users", userID)
}

// UserPatch is a change to some of a user's attributes, for UsersService.Patch. A nil field is
// left as it is; a pointer to "" clears the attribute (it is sent as null, as PingOne asks).
type UserPatch struct {
	// Username sets the username; it cannot be cleared.
	Username *string
	// Email sets or clears the email address.
	Email *string
	// Name replaces the user's whole name: PingOne patches top-level attributes, so send every
	// part of the name you want to keep (a name read from PingOne sends the members the SDK
	// does not model too).
	Name *UserName
	// ExternalID sets or clears the user's ID in another system.
	ExternalID *string
	// Extra sets other attributes by name as raw JSON, such as "title": `"Manager"`; the value
	// null clears one. Members named like a field above, "population", "password", "lifecycle",
	// "_links" or a read-only attribute are not sent.
	Extra map[string]json.RawMessage
}

// userPatchBody is what Patch sends: only the members the patch sets, null clearing one.
type userPatchBody struct {
	Username   string                    `json:"username,omitempty"`
	Email      jsontext.Value            `json:"email,omitzero"`
	Name       *writeBody[UserName]      `json:"name,omitempty"` // the name's table: its other members too
	ExternalID jsontext.Value            `json:"externalId,omitzero"`
	Extra      map[string]jsontext.Value `json:",embed"`
}

// patchString is a patch member: absent for nil, null for "" and the quoted string otherwise.
func patchString(p *string) jsontext.Value {
	switch {
	case p == nil:
		return nil
	case *p == "":
		return jsontext.Value("null")
	}
	v, _ := jsontext.AppendQuote(nil, *p) // never fails: invalid UTF-8 becomes U+FFFD
	return v
}

// Patch changes only the attributes p sets: PATCH /environments/{envID}/users/{userID}, and
// returns the whole user as PingOne then has it. It is the safe way to change one attribute, such
// as the email, since nothing else is sent. Like a POST, it is retried only after a 429.
//
//	email := "ada@example.org"
//	user, err := c.Users.Patch(ctx, envID, userID, &pingone.UserPatch{Email: &email})
func (s *UsersService) Patch(ctx context.Context, envID, userID string, p *UserPatch) (*User, error) {
	if p == nil {
		return nil, invalidArgf("nil user patch")
	}
	if p.Username != nil && *p.Username == "" {
		return nil, invalidArgf("a username cannot be cleared")
	}
	body := &userPatchBody{Email: patchString(p.Email), ExternalID: patchString(p.ExternalID),
		Extra: extraToSend(p.Extra, userModel.known)}
	if p.Name != nil {
		body.Name = userNameModel.body(p.Name, false)
	}
	if p.Username != nil {
		body.Username = *p.Username
	}
	if body.Username == "" && body.Email == nil && body.Name == nil && body.ExternalID == nil && len(body.Extra) == 0 {
		return nil, invalidArgf("the user patch changes nothing")
	}
	return call[User](ctx, s.c, http.MethodPatch, body, "environments", envID, "users", userID)
}

// Lifecycle statuses Import can give a user.
const (
	LifecycleAccountOK            = "ACCOUNT_OK"            // the user can sign on
	LifecycleVerificationRequired = "VERIFICATION_REQUIRED" // PingOne emails a verification code first
)

// Password is a user's password, for Import. Printing it with any fmt verb, logging it with
// slog and encoding it as JSON all give "[REDACTED]"; only Import sends the value, and it is
// redacted from Import's errors as the client secret is. (The value sits behind a pointer, so
// even printing a struct that holds a Password in an unexported field shows only an address.)
type Password struct{ value *string }

// NewPassword wraps a password, in clear text or in a hashed form PingOne accepts.
func NewPassword(value string) Password { return Password{value: &value} }

// String returns "[REDACTED]", or "" for the zero Password.
func (p Password) String() string {
	if p.value == nil {
		return ""
	}
	return redacted
}

// GoString is String, so %#v cannot print the password either.
func (p Password) GoString() string { return p.String() }

// Format is String for every verb, so %x or %q cannot print the password either.
func (p Password) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, p.String()) }

// LogValue is String, for log/slog.
func (p Password) LogValue() slog.Value { return slog.StringValue(p.String()) }

// MarshalJSON encodes the password as "[REDACTED]": a Password never travels in a JSON document
// but Import's request.
func (p Password) MarshalJSON() ([]byte, error) { return []byte(`"` + p.String() + `"`), nil }

// ImportPassword is the password Import sets.
type ImportPassword struct {
	// Value is the password.
	Value Password
	// ForceChange makes the user change the password at the next sign-on.
	ForceChange bool
}

// passwordBody is the password member of Import's request.
type passwordBody struct {
	Value       string `json:"value"`
	ForceChange bool   `json:"forceChange"`
}

// importMediaType is the media type of PingOne's user import, the only create that can set a
// password or a lifecycle status.
const importMediaType = "application/vnd.pingidentity.user.import+json"

// Import creates a user with a password and a lifecycle status: POST /environments/{envID}/users
// with Content-Type application/vnd.pingidentity.user.import+json, PingOne's import form, since
// its plain create cannot set either. u is as for Create (Username and Email required; nil
// Population means the default one), and u.Lifecycle.Status, when set, must be
// LifecycleAccountOK or LifecycleVerificationRequired. pw may be nil to import without a
// password. The password goes into this request's body only; it is never logged, and every
// error of this call has it replaced by [REDACTED]. Like Create, it is not retried after a 5xx.
func (s *UsersService) Import(ctx context.Context, envID string, u *User, pw *ImportPassword) (*User, error) {
	if u != nil && (u.Username == "" || u.Email == "") {
		return nil, invalidArgf("username and email are required")
	}
	body, err := userBody(u, true)
	if err != nil {
		return nil, err
	}
	switch st := u.Lifecycle.Status; st {
	case "":
	case LifecycleAccountOK, LifecycleVerificationRequired:
		body.more = append(body.more, member{"lifecycle", UserLifecycle{Status: st}})
	default:
		return nil, invalidArgf("bad lifecycle status %q: want %s or %s", st, LifecycleAccountOK, LifecycleVerificationRequired)
	}
	opts := &callOpts{contentType: importMediaType}
	if pw != nil {
		if pw.Value.value == nil || *pw.Value.value == "" {
			return nil, invalidArgf("empty password (pass a nil *ImportPassword to import without one)")
		}
		body.more = append(body.more, member{"password", passwordBody{Value: *pw.Value.value, ForceChange: pw.ForceChange}})
		opts.hide = secretForms(*pw.Value.value)
	}
	out := new(User)
	uri, err := s.c.endpoint("environments", envID, "users")
	if err != nil {
		return nil, err
	}
	if err := s.c.send(ctx, http.MethodPost, uri, body, out, opts); err != nil {
		return nil, err
	}
	return out, nil
}

// UserWithPopulation is a user read together with its population.
type UserWithPopulation struct {
	// User is the user; its Population holds the population's ID.
	User *User
	// Population is the user's population as PingOne expanded it; nil if PingOne sent no more
	// than its ID.
	Population *Population
}

// GetWithPopulation reads a user and its population in one request:
// GET /environments/{envID}/users/{userID}?expand=population. So listing "user → population
// name" costs one request per user, not two. An unknown user is ErrNotFound.
func (s *UsersService) GetWithPopulation(ctx context.Context, envID, userID string) (*UserWithPopulation, error) {
	u, err := s.c.endpoint("environments", envID, "users", userID)
	if err != nil {
		return nil, err
	}
	u.RawQuery = "expand=population"
	out := &expandedUser{}
	if err := s.c.do(ctx, http.MethodGet, u, nil, out); err != nil {
		return nil, err
	}
	return &out.v, nil
}

// expandedUser decodes an expanded read. The docs show the expanded population only in an
// example, so both shapes are accepted: HAL's _embedded.population, or the population member
// itself carrying more than the ID.
type expandedUser struct{ v UserWithPopulation }

func (x *expandedUser) decodeFrom(dec *jsontext.Decoder) error {
	user := new(User)
	if err := user.decodeFrom(dec); err != nil {
		return err
	}
	var embedded struct {
		Population *Population `json:"population"`
	}
	if e, ok := user.Extra["_embedded"]; ok {
		if err := jsonv2.Unmarshal(e, &embedded, decodeOptions); err != nil {
			return fmt.Errorf("_embedded: %w", err)
		}
		delete(user.Extra, "_embedded")
		if len(user.Extra) == 0 {
			user.Extra = nil
		}
	}
	pop := embedded.Population
	if pop == nil && user.Population != nil && len(user.Population.Extra) > 0 {
		// Inline: the population member is the population itself.
		pop = new(Population)
		b, err := jsonv2.Marshal(user.Population.Extra)
		if err == nil {
			err = unmarshalV1(b, pop)
		}
		if err != nil {
			return fmt.Errorf("population: %w", err)
		}
		pop.ID = user.Population.ID
	}
	if pop != nil {
		user.Population = &Ref{ID: pop.ID}
	}
	x.v = UserWithPopulation{User: user, Population: pop}
	return nil
}
