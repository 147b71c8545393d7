package pingone

import (
	"encoding/json"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// Ref names another PingOne resource by its id, as in "environment": {"id": "…"}.
type Ref struct {
	// ID is the resource's id.
	ID string
	// Extra holds the reference's other members as PingOne sent them (all but _links), so that
	// Get → change → Update sends a theme or password policy back exactly as it came.
	Extra map[string]json.RawMessage
}

// Population is a PingOne population: a set of users with its own password policy, theme and
// language. Create and Update send only the writable fields; ID, Environment, UserCount,
// CreatedAt and UpdatedAt are filled by PingOne and never sent.
type Population struct {
	ID          string // read-only
	Environment *Ref   // read-only
	Name        string // required; unique in the environment, ignoring case
	Description string // free text; "" clears it on Update
	// Default marks the environment's default population, where users created without a
	// population land. Setting it makes PingOne clear it on every other population.
	Default bool
	// UserCount is the number of users in the population (read-only; PingOne may update it a
	// moment after a user moves).
	UserCount int
	// PasswordPolicy is the population's password policy; nil, or a Ref without an ID, uses the
	// environment's default (Create and Update send nothing for it).
	PasswordPolicy *Ref
	// Theme is the branding theme of the population's sign-on pages; nil, or a Ref without an ID
	// (PingOne may send "theme": {}), uses the environment's (Create and Update send nothing).
	Theme *Ref
	// PreferredLanguage is a locale such as "en"; PingOne fills in the environment's language
	// when it is empty.
	PreferredLanguage string
	// AlternativeIdentifiers are further names the population can be found by (used by DaVinci).
	AlternativeIdentifiers []string
	// CreatedAt and UpdatedAt are read-only. A timestamp in a form the SDK cannot read is left
	// zero, and PingOne's raw value is kept in Extra under its name (and never sent).
	CreatedAt time.Time
	UpdatedAt time.Time // read-only; see CreatedAt

	// Extra holds the members PingOne returned that this version of the SDK does not model,
	// as raw JSON by name. Update sends them back, so Get → change → Update never erases a field
	// PingOne added later; you may also set members here that the SDK does not know yet.
	// Members named like a modelled field or "_links" are never sent.
	Extra map[string]json.RawMessage
}

// User is a PingOne user, with the fields population work needs. Others arrive in Extra.
type User struct {
	ID          string   // read-only
	Environment *Ref     // read-only
	Username    string   // required; unique in the environment
	Email       string   // required
	Name        UserName // given, family and other names
	ExternalID  string   // the user's ID in another system
	// Population is where the user lives. Create uses it (nil means the default population);
	// afterwards only UsersService.MovePopulation changes it.
	Population *Ref
	// Enabled reports whether the user can sign on (read-only here).
	Enabled bool
	// Lifecycle is the user's lifecycle state, such as "ACCOUNT_OK"; only Import sets it.
	Lifecycle UserLifecycle
	CreatedAt time.Time // read-only; as Population.CreatedAt, an unreadable value is in Extra
	UpdatedAt time.Time // read-only; as Population.CreatedAt, an unreadable value is in Extra

	// Extra holds members this SDK does not model, as raw JSON by name; Create, Import and
	// Update send them, so Get → change → Update keeps them. A password is never kept here
	// (PingOne never returns one; one a server echoes is dropped), sent or marshaled from it.
	Extra map[string]json.RawMessage
}

// UserName is a user's name. Members of the name PingOne sends that this version of the SDK does
// not model are kept (unexported) and sent back, so Get → change → Update erases none of them.
// UserName stays comparable with ==; Equal does the same, and lets go-cmp compare names.
type UserName struct {
	Given           string `json:"given,omitempty"`           // first name
	Middle          string `json:"middle,omitempty"`          // middle name
	Family          string `json:"family,omitempty"`          // last name
	Formatted       string `json:"formatted,omitempty"`       // the full name as displayed, such as "Ada Lovelace"
	HonorificPrefix string `json:"honorificPrefix,omitempty"` // a title before the name, such as "Dr"
	HonorificSuffix string `json:"honorificSuffix,omitempty"` // letters after the name, such as "FRS"

	// rest holds the name's other members as PingOne sent them: the text of JSON members,
	// sorted by name (see model.rest). A string, not a map, so that UserName stays comparable.
	rest string
}

// Equal reports whether n and o are the same name, members the SDK does not model included
// (n == o). go-cmp uses it, since it cannot read the unexported members itself.
func (n UserName) Equal(o UserName) bool { return n == o }

// UserLifecycle is a user's lifecycle state.
type UserLifecycle struct {
	Status string `json:"status,omitempty"` // such as "ACCOUNT_OK" or "VERIFICATION_REQUIRED"

	// rest holds the lifecycle's other members as PingOne sent them (see UserName.rest), so that
	// MarshalJSON loses none; the lifecycle is read-only and never sent.
	rest string
}

// Equal reports whether l and o are the same lifecycle, members the SDK does not model included
// (l == o). go-cmp uses it, since it cannot read the unexported members itself.
func (l UserLifecycle) Equal(o UserLifecycle) bool { return l == o }

// Each model is described once, by a table of the members it models: the name, how the member is
// decoded, and whether Create and Update send it. The table drives the fast decoder, MarshalJSON,
// the write body and the names an Extra member may not take (codec.go). Adding a field is adding
// it to the struct above and one line to its table.

// refModel describes Ref.
var refModel = model[Ref]{
	extra: func(r *Ref) *map[string]json.RawMessage { return &r.Extra },
	fields: []field[Ref]{
		sharedStringField("id", func(r *Ref) *string { return &r.ID }, required),
	},
}

// populationModel describes Population.
var populationModel = model[Population]{
	extra: func(p *Population) *map[string]json.RawMessage { return &p.Extra },
	fields: []field[Population]{
		stringField("id", func(p *Population) *string { return &p.ID }, readOnly),
		refField("environment", func(p *Population) **Ref { return &p.Environment }, readOnly),
		stringField("name", func(p *Population) *string { return &p.Name }, required),
		stringField("description", func(p *Population) *string { return &p.Description }, writable),
		boolField("default", func(p *Population) *bool { return &p.Default }, required),
		intField("userCount", func(p *Population) *int { return &p.UserCount }, readOnly),
		refField("passwordPolicy", func(p *Population) **Ref { return &p.PasswordPolicy }, writable),
		refField("theme", func(p *Population) **Ref { return &p.Theme }, writable),
		sharedStringField("preferredLanguage", func(p *Population) *string { return &p.PreferredLanguage }, writable),
		stringsField("alternativeIdentifiers", func(p *Population) *[]string { return &p.AlternativeIdentifiers }, writable),
		timeField("createdAt", func(p *Population) *time.Time { return &p.CreatedAt }, func(p *Population) *map[string]json.RawMessage { return &p.Extra }),
		timeField("updatedAt", func(p *Population) *time.Time { return &p.UpdatedAt }, func(p *Population) *map[string]json.RawMessage { return &p.Extra }),
	},
}

// userNameModel describes UserName; its other members are kept in rest, as Extra keeps a user's.
var userNameModel = model[UserName]{
	rest: func(n *UserName) *string { return &n.rest },
	fields: []field[UserName]{
		stringField("given", func(n *UserName) *string { return &n.Given }, writable),
		stringField("middle", func(n *UserName) *string { return &n.Middle }, writable),
		stringField("family", func(n *UserName) *string { return &n.Family }, writable),
		stringField("formatted", func(n *UserName) *string { return &n.Formatted }, writable),
		stringField("honorificPrefix", func(n *UserName) *string { return &n.HonorificPrefix }, writable),
		stringField("honorificSuffix", func(n *UserName) *string { return &n.HonorificSuffix }, writable),
	},
}

// lifecycleModel describes UserLifecycle. Its status repeats across a listing's users.
var lifecycleModel = model[UserLifecycle]{
	rest: func(l *UserLifecycle) *string { return &l.rest },
	fields: []field[UserLifecycle]{
		sharedStringField("status", func(l *UserLifecycle) *string { return &l.Status }, writable),
	},
}

// userModel describes User. Population is sent by Create and Import only (PingOne moves users
// through /population); Import adds password and lifecycle itself.
var userModel = model[User]{
	extra: func(u *User) *map[string]json.RawMessage { return &u.Extra },
	fields: []field[User]{
		stringField("id", func(u *User) *string { return &u.ID }, readOnly),
		refField("environment", func(u *User) **Ref { return &u.Environment }, readOnly),
		stringField("username", func(u *User) *string { return &u.Username }, required),
		stringField("email", func(u *User) *string { return &u.Email }, writable),
		objectField("name", func(u *User) *UserName { return &u.Name }, writable, &userNameModel),
		stringField("externalId", func(u *User) *string { return &u.ExternalID }, writable),
		refField("population", func(u *User) **Ref { return &u.Population }, onCreate),
		boolField("enabled", func(u *User) *bool { return &u.Enabled }, readOnly),
		objectField("lifecycle", func(u *User) *UserLifecycle { return &u.Lifecycle }, readOnly, &lifecycleModel),
		timeField("createdAt", func(u *User) *time.Time { return &u.CreatedAt }, func(u *User) *map[string]json.RawMessage { return &u.Extra }),
		timeField("updatedAt", func(u *User) *time.Time { return &u.UpdatedAt }, func(u *User) *map[string]json.RawMessage { return &u.Extra }),
	},
	// Never sent from Extra: an expanded read's _embedded and the members the published
	// description marks read-only.
	unsent: []string{"_embedded", "emailVerified", "lastSignOn", "memberOfGroupIDs", "memberOfGroupNames"},
	// The password is write-only: only Import sends one (redacted from its errors), and PingOne
	// never returns it. One a server echoes is dropped on every decode (Get, List, Import, …), so
	// the returned user, its MarshalJSON and %v never hold it; nor is one set in Extra sent.
	dropped: []string{"password"},
}

// Population, User and Ref decode themselves with jsontext, in one pass, without reflection: that
// keeps members we do not model (for Extra), skips _links without allocating, and is tolerant of
// what PingOne's sources disagree on (a count written as 2.0, a boolean written as "true").

func (p *Population) decodeFrom(dec *jsontext.Decoder) error {
	return populationModel.decode(dec, p, nil)
}
func (u *User) decodeFrom(dec *jsontext.Decoder) error { return userModel.decode(dec, u, nil) }
func (r *Ref) decodeFrom(dec *jsontext.Decoder) error  { return refModel.decode(dec, r, nil) }

// decodeItem decodes one item of a listing's page, sharing repeated strings through in.
func (p *Population) decodeItem(dec *jsontext.Decoder, in *interner) error {
	return populationModel.decode(dec, p, in)
}
func (u *User) decodeItem(dec *jsontext.Decoder, in *interner) error {
	return userModel.decode(dec, u, in)
}

// UnmarshalJSON decodes a population, keeping unknown members in Extra.
func (p *Population) UnmarshalJSON(b []byte) error { return unmarshalV1(b, p) }

// UnmarshalJSON decodes a user, keeping unknown members in Extra.
func (u *User) UnmarshalJSON(b []byte) error { return unmarshalV1(b, u) }

// UnmarshalJSON decodes a reference, keeping members other than id in Extra (but _links).
func (r *Ref) UnmarshalJSON(b []byte) error { return unmarshalV1(b, r) }

// MarshalJSON encodes the whole population, read-only fields and Extra included, so that
// json.Unmarshal gives it back exactly. (What Create and Update send is narrower.) An Extra
// member named like a field is left out, as Update leaves it out: written, it would come back
// as the field.
func (p Population) MarshalJSON() ([]byte, error) { return populationModel.marshal(&p) }

// MarshalJSON encodes the whole user, read-only fields and Extra included, so that json.Unmarshal
// gives it back exactly; as for Population, an Extra member named like a field is left out.
func (u User) MarshalJSON() ([]byte, error) { return userModel.marshal(&u) }

// MarshalJSON encodes the reference: its id and Extra.
func (r Ref) MarshalJSON() ([]byte, error) { return refModel.marshal(&r) }
