package pingone

import (
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Ref names another PingOne resource by its id, as in "environment": {"id": "…"}.
type Ref struct {
	// ID is the resource's id.
	ID string `json:"id"`
	// Extra holds the reference's other members as PingOne sent them (all but _links), so that
	// Get → change → Update sends a theme or password policy back exactly as it came.
	Extra map[string]jsontext.Value `json:"-"`
}

// Population is a PingOne population: a set of users with its own password policy, theme and
// language. Create and Update send only the writable fields; ID, Environment, UserCount,
// CreatedAt and UpdatedAt are filled by PingOne and never sent.
type Population struct {
	ID          string `json:"id,omitempty"`          // read-only
	Environment *Ref   `json:"environment,omitempty"` // read-only
	Name        string `json:"name"`                  // required; unique in the environment, ignoring case
	Description string `json:"description,omitempty"` // free text; "" clears it on Update
	// Default marks the environment's default population, where users created without a
	// population land. Setting it makes PingOne clear it on every other population.
	Default bool `json:"default"`
	// UserCount is the number of users in the population (read-only; PingOne may update it a
	// moment after a user moves).
	UserCount int `json:"userCount"`
	// PasswordPolicy is the population's password policy; nil, or a Ref without an ID, uses the
	// environment's default (Create and Update send nothing for it).
	PasswordPolicy *Ref `json:"passwordPolicy,omitempty"`
	// Theme is the branding theme of the population's sign-on pages; nil, or a Ref without an ID
	// (PingOne may send "theme": {}), uses the environment's (Create and Update send nothing).
	Theme *Ref `json:"theme,omitempty"`
	// PreferredLanguage is a locale such as "en"; PingOne fills in the environment's language
	// when it is empty.
	PreferredLanguage string `json:"preferredLanguage,omitempty"`
	// AlternativeIdentifiers are further names the population can be found by (used by DaVinci).
	AlternativeIdentifiers []string `json:"alternativeIdentifiers,omitempty"`
	// CreatedAt and UpdatedAt are read-only. A timestamp in a form the SDK cannot read is left
	// zero, and PingOne's raw value is kept in Extra under its name (and never sent).
	CreatedAt time.Time `json:"createdAt,omitzero"`
	UpdatedAt time.Time `json:"updatedAt,omitzero"` // read-only; see CreatedAt

	// Extra holds the members PingOne returned that this version of the SDK does not model,
	// as raw JSON by name. Update sends them back, so Get → change → Update never erases a field
	// PingOne added later; you may also set members here that the SDK does not know yet.
	// Members named like a modelled field or "_links" are never sent.
	Extra map[string]jsontext.Value `json:"-"`
}

// User is a PingOne user, with the fields population work needs. Others arrive in Extra.
type User struct {
	ID          string   `json:"id,omitempty"`          // read-only
	Environment *Ref     `json:"environment,omitempty"` // read-only
	Username    string   `json:"username"`              // required; unique in the environment
	Email       string   `json:"email"`                 // required
	Name        UserName `json:"name,omitzero"`         // given, family and other names
	ExternalID  string   `json:"externalId,omitempty"`  // the user's ID in another system
	// Population is where the user lives. Create uses it (nil means the default population);
	// afterwards only UsersService.MovePopulation changes it.
	Population *Ref `json:"population,omitempty"`
	// Enabled reports whether the user can sign on (read-only here).
	Enabled bool `json:"enabled"`
	// Lifecycle is the user's lifecycle state, such as "ACCOUNT_OK"; only Import sets it.
	Lifecycle UserLifecycle `json:"lifecycle,omitzero"`
	CreatedAt time.Time     `json:"createdAt,omitzero"` // read-only; as Population.CreatedAt, an unreadable value is in Extra
	UpdatedAt time.Time     `json:"updatedAt,omitzero"` // read-only; as Population.CreatedAt, an unreadable value is in Extra

	// Extra holds members this SDK does not model, as raw JSON by name; Create, Import and
	// Update send them, so Get → change → Update keeps them.
	Extra map[string]jsontext.Value `json:"-"`
}

// UserName is a user's name.
type UserName struct {
	Given     string `json:"given,omitempty"`     // first name
	Middle    string `json:"middle,omitempty"`    // middle name
	Family    string `json:"family,omitempty"`    // last name
	Formatted string `json:"formatted,omitempty"` // the full name as displayed, such as "Ada Lovelace"
}

// UserLifecycle is a user's lifecycle state.
type UserLifecycle struct {
	Status string `json:"status,omitempty"` // such as "ACCOUNT_OK" or "VERIFICATION_REQUIRED"
}

// The types below decode themselves with jsontext, in one pass, without reflection: that keeps
// members we do not model (for Extra), skips _links without allocating, and is tolerant of what
// PingOne's sources disagree on (a count written as 2.0, a boolean written as "true").

// UnmarshalJSONFrom decodes a population, keeping unknown members in Extra. It implements the
// json/v2 UnmarshalerFrom interface.
func (p *Population) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	*p = Population{}
	return decodeObject(dec, func(name []byte) (err error) {
		switch string(name) {
		case "id":
			p.ID, err = readString(dec)
		case "environment":
			p.Environment, err = readRef(dec)
		case "name":
			p.Name, err = readString(dec)
		case "description":
			p.Description, err = readString(dec)
		case "default":
			p.Default, err = readBool(dec)
		case "userCount":
			p.UserCount, err = readInt(dec)
		case "passwordPolicy":
			p.PasswordPolicy, err = readRef(dec)
		case "theme":
			p.Theme, err = readRef(dec)
		case "preferredLanguage":
			p.PreferredLanguage, err = readString(dec)
		case "alternativeIdentifiers":
			p.AlternativeIdentifiers, err = readStrings(dec)
		case "createdAt":
			p.CreatedAt, p.Extra, err = readTime(dec, p.Extra, "createdAt")
		case "updatedAt":
			p.UpdatedAt, p.Extra, err = readTime(dec, p.Extra, "updatedAt")
		case "_links":
			err = dec.SkipValue()
		default:
			p.Extra, err = keepExtra(dec, p.Extra, name)
		}
		return err
	})
}

// UnmarshalJSON decodes a population with encoding/json, keeping unknown members in Extra.
func (p *Population) UnmarshalJSON(b []byte) error { return unmarshalV1(b, p) }

// UnmarshalJSONFrom decodes a user, keeping unknown members in Extra. It implements the json/v2
// UnmarshalerFrom interface.
func (u *User) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	*u = User{}
	return decodeObject(dec, func(name []byte) (err error) {
		switch string(name) {
		case "id":
			u.ID, err = readString(dec)
		case "environment":
			u.Environment, err = readRef(dec)
		case "username":
			u.Username, err = readString(dec)
		case "email":
			u.Email, err = readString(dec)
		case "name":
			err = json.UnmarshalDecode(dec, &u.Name, decodeOptions)
		case "externalId":
			u.ExternalID, err = readString(dec)
		case "population":
			u.Population, err = readRef(dec)
		case "enabled":
			u.Enabled, err = readBool(dec)
		case "lifecycle":
			err = json.UnmarshalDecode(dec, &u.Lifecycle, decodeOptions)
		case "createdAt":
			u.CreatedAt, u.Extra, err = readTime(dec, u.Extra, "createdAt")
		case "updatedAt":
			u.UpdatedAt, u.Extra, err = readTime(dec, u.Extra, "updatedAt")
		case "_links":
			err = dec.SkipValue()
		default:
			u.Extra, err = keepExtra(dec, u.Extra, name)
		}
		return err
	})
}

// UnmarshalJSON decodes a user with encoding/json, keeping unknown members in Extra.
func (u *User) UnmarshalJSON(b []byte) error { return unmarshalV1(b, u) }

// UnmarshalJSONFrom decodes a reference, keeping members other than id in Extra (but _links).
func (r *Ref) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	*r = Ref{}
	return decodeObject(dec, func(name []byte) (err error) {
		switch string(name) {
		case "id":
			r.ID, err = readString(dec)
		case "_links":
			err = dec.SkipValue()
		default:
			r.Extra, err = keepExtra(dec, r.Extra, name)
		}
		return err
	})
}

// refBody is a reference as Create and Update send it: its id and its Extra members.
type refBody struct {
	ID    string                    `json:"id"`
	Extra map[string]jsontext.Value `json:",embed"`
}

func refMembers() []string { return []string{"_links", "id"} }

// newRefBody returns what to send for r. nil stays nil, and so does a reference without an ID
// (PingOne refuses {} with REQUIRED_VALUE): absent, it means the environment's default.
func newRefBody(r *Ref) *refBody {
	if r == nil || r.ID == "" {
		return nil
	}
	return &refBody{ID: r.ID, Extra: extraToSend(r.Extra, refMembers)}
}
