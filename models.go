package pingone

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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

// ListOptions narrows and pages a list. A nil *ListOptions means the server's defaults.
type ListOptions struct {
	// Filter is a SCIM filter, such as `name sw "Eng"` or `population.id eq "…"`.
	Filter string
	// Limit is the page size; 0 means the server's default. PingOne may return fewer.
	Limit int
	// Cursor resumes a listing from a previous Page.NextCursor. The cursor carries the listing's
	// filter and page size, so on its own it resumes exactly, in any process. Filter and Limit
	// may be left empty with it; given, they must be the listing's own (ErrInvalidArgument
	// otherwise), and they are not sent again where PingOne's next link did not repeat them.
	Cursor string
}

// Page is one page of a list.
type Page[T any] struct {
	// Items are this page's resources, in the server's order.
	Items []T
	// NextCursor resumes the listing after this page when passed as ListOptions.Cursor, alone:
	// it holds everything PingOne's next link did (filter and page size included). It is "" on
	// the last page. It is opaque: store it, do not build or parse it.
	NextCursor string
	// Count is the number of items in the whole result set, when PingOne reports it.
	Count int
}

// decodeOptions make every decode tolerant of what a server or proxy may send: a repeated member
// or a stray invalid UTF-8 byte never fails a read.
var decodeOptions = json.JoinOptions(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))

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

// listID lets a listing tell its pages apart (loopGuard.items).
func (p *Population) listID() string { return p.ID }

func (u *User) listID() string { return u.ID }

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

// unmarshalV1 lets encoding/json users get the same tolerant decoding.
func unmarshalV1(b []byte, v json.UnmarshalerFrom) error {
	dec := jsontext.NewDecoder(bytes.NewReader(b), decodeOptions)
	return v.UnmarshalJSONFrom(dec)
}

// decodeObject reads one JSON object (or null), calling member with each unescaped name; member
// must consume the value.
func decodeObject(dec *jsontext.Decoder, member func(name []byte) error) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case 'n':
		return nil
	case '{':
	default:
		return fmt.Errorf("want a JSON object, got %v", tok.Kind())
	}
	for dec.PeekKind() != '}' {
		raw, err := dec.ReadValue() // a name: its quoted bytes, without allocating
		if err != nil {
			return err
		}
		// name aliases the decoder's buffer, which the next read may overwrite: member must
		// compare or copy it before reading the value (keepExtra copies it first).
		name := raw[1 : len(raw)-1]
		if bytes.IndexByte(name, '\\') >= 0 {
			if name, err = jsontext.AppendUnquote(nil, raw); err != nil {
				return err
			}
		}
		if err := member(name); err != nil {
			return atPointer(dec, err)
		}
	}
	_, err = dec.ReadToken()
	return err
}

// pointerError says where in the document decoding failed, as a JSON pointer such as
// "/_embedded/users/3/name". (Not the member name decodeObject saw: its bytes alias the decoder's
// buffer and may have been overwritten by the time an error comes back.)
type pointerError struct {
	at  jsontext.Pointer
	err error
}

func (e *pointerError) Error() string {
	return "at " + strconv.Quote(string(e.at)) + ": " + e.err.Error()
}
func (e *pointerError) Unwrap() error { return e.err }

// atPointer wraps err with the decoder's position, once: the innermost object knows it best.
func atPointer(dec *jsontext.Decoder, err error) error {
	var pe *pointerError
	if errors.As(err, &pe) {
		return err
	}
	return &pointerError{at: dec.StackPointer(), err: err}
}

// keepExtra stores the next value under name in m, allocating m on first use.
func keepExtra(dec *jsontext.Decoder, m map[string]jsontext.Value, name []byte) (map[string]jsontext.Value, error) {
	// Copy the name before reading on: name aliases the decoder's buffer, which ReadValue may
	// refill or shift, and a garbled key would make Update erase the real member.
	key := string(name)
	v, err := dec.ReadValue()
	if err != nil {
		return m, err
	}
	if !v.IsValid() {
		// The decoder tolerates invalid UTF-8 and repeated names; Extra holds only valid JSON
		// (so Update can send it back), with invalid bytes replaced as in decoded strings.
		var x any
		if json.Unmarshal(v, &x, decodeOptions) != nil {
			return m, nil
		}
		if v, err = json.Marshal(x, json.Deterministic(true)); err != nil {
			return m, nil
		}
	}
	if m == nil {
		m = make(map[string]jsontext.Value, 1)
	}
	if !utf8.ValidString(key) {
		key = strings.ToValidUTF8(key, "\uFFFD") // as the decoder does for string values
	}
	m[key] = v.Clone() // the decoder reuses its buffer
	return m, nil
}

func readString(dec *jsontext.Decoder) (string, error) {
	tok, err := dec.ReadToken()
	if err != nil {
		return "", err
	}
	switch tok.Kind() {
	case '"':
		return tok.String(), nil
	case 'n':
		return "", nil
	case '0', 't', 'f':
		return tok.String(), nil // a scalar where a string was documented: keep its text
	}
	return "", fmt.Errorf("want a string, got %v", tok.Kind())
}

// readBool accepts true/false, and "true"/"false" since one PingOne table types default as a string.
func readBool(dec *jsontext.Decoder) (bool, error) {
	tok, err := dec.ReadToken()
	if err != nil {
		return false, err
	}
	switch tok.Kind() {
	case 't', 'f':
		return tok.Bool(), nil
	case 'n':
		return false, nil
	case '"':
		return strconv.ParseBool(strings.TrimSpace(tok.String()))
	}
	return false, fmt.Errorf("want a boolean, got %v", tok.Kind())
}

// readInt accepts 2, 2.0 and "2": the spec types counts as number.
func readInt(dec *jsontext.Decoder) (int, error) {
	tok, err := dec.ReadToken()
	if err != nil {
		return 0, err
	}
	switch tok.Kind() {
	case 'n':
		return 0, nil
	case '0':
		if n, err := tok.Int(); err == nil && n >= math.MinInt && n <= math.MaxInt {
			return int(n), nil
		}
		f, err := tok.Float()
		if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return 0, fmt.Errorf("want an integer, got %s", tok.String())
		}
		return int(f), nil
	case '"':
		f, err := strconv.ParseFloat(strings.TrimSpace(tok.String()), 64)
		if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return 0, fmt.Errorf("want an integer, got %q", tok.String())
		}
		return int(f), nil
	}
	return 0, fmt.Errorf("want a number, got %v", tok.Kind())
}

// readTime reads a timestamp. PingOne documents RFC 3339; nearby forms its sources show are read
// too (no zone, taken as UTC; a space for the T; a zone without a colon). Any other value does not
// fail the read: the time stays zero and the raw value goes to extra under name, so nothing
// PingOne sent is lost (being read-only, it is never sent back).
func readTime(dec *jsontext.Decoder, extra map[string]jsontext.Value, name string) (time.Time, map[string]jsontext.Value, error) {
	if k := dec.PeekKind(); k != '"' && k != 'n' {
		extra, err := keepExtra(dec, extra, []byte(name))
		return time.Time{}, extra, err
	}
	s, err := readString(dec)
	if err != nil || s == "" {
		return time.Time{}, extra, err
	}
	for _, layout := range [...]string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999Z0700", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t, extra, nil
		}
	}
	raw, _ := jsontext.AppendQuote(nil, s) // invalid UTF-8 was already replaced by the decoder
	if extra == nil {
		extra = make(map[string]jsontext.Value, 1)
	}
	extra[name] = raw
	return time.Time{}, extra, nil
}

func readRef(dec *jsontext.Decoder) (*Ref, error) {
	if dec.PeekKind() == 'n' {
		_, err := dec.ReadToken()
		return nil, err
	}
	r := new(Ref)
	return r, r.UnmarshalJSONFrom(dec)
}

func readStrings(dec *jsontext.Decoder) ([]string, error) {
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	switch tok.Kind() {
	case 'n':
		return nil, nil
	case '[':
	default:
		return nil, fmt.Errorf("want an array, got %v", tok.Kind())
	}
	out := []string{}
	for dec.PeekKind() != ']' {
		s, err := readString(dec)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	_, err = dec.ReadToken()
	return out, err
}
