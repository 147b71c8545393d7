package pingonetest

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// The fake's own model of PingOne's resources. Request bodies decode into the *Body types with
// decodeBody, never with the SDK's decoder, so a field the SDK misnames or mistypes is caught
// here rather than read back by the same mistake.

// ref names another resource: {"id": "…"}.
type ref struct {
	ID string `json:"id"`
}

// populationBody is what POST and PUT …/populations take: the writable members of PingOne's
// Population.
type populationBody struct {
	Name                   string   `json:"name"`
	Description            string   `json:"description,omitempty"`
	Default                bool     `json:"default"`
	PasswordPolicy         *ref     `json:"passwordPolicy,omitempty"`
	Theme                  *ref     `json:"theme,omitempty"`
	PreferredLanguage      string   `json:"preferredLanguage,omitempty"`
	AlternativeIdentifiers []string `json:"alternativeIdentifiers,omitempty"`
}

// population is a stored population. A PUT replaces its populationBody whole, so a response
// built from a copy never shares anything that changes later.
type population struct {
	populationBody
	ID               string
	created, updated time.Time
	idp              string // the default identity provider's id; "" for PingOne itself
}

// populationJSON is a population as PingOne returns it.
type populationJSON struct {
	Links       map[string]link `json:"_links"`
	ID          string          `json:"id"`
	Environment ref             `json:"environment"`
	populationBody
	UserCount int    `json:"userCount"`
	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
}

// userBody is what POST …/users takes (both media types), as far as the fake models it.
type userBody struct {
	Username    string    `json:"username"`
	Email       string    `json:"email,omitempty"`
	Name        *userName `json:"name,omitempty"`
	ExternalID  string    `json:"externalId,omitempty"`
	MobilePhone string    `json:"mobilePhone,omitempty"`
	Population  *ref      `json:"population,omitempty"`
}

type userName struct {
	Given     string `json:"given,omitempty"`
	Middle    string `json:"middle,omitempty"`
	Family    string `json:"family,omitempty"`
	Formatted string `json:"formatted,omitempty"`
}

// userImportBody is what POST …/users takes with the import media type, the only create that
// can set a password or a lifecycle status (A.2).
type userImportBody struct {
	userBody  `json:",inline"`
	Password  *passwordBody `json:"password,omitempty"`
	Lifecycle *lifecycle    `json:"lifecycle,omitempty"`
}

type passwordBody struct {
	Value       string `json:"value"`
	ForceChange bool   `json:"forceChange"`
}

// importMediaType is the Content-Type of PingOne's user import.
const importMediaType = "application/vnd.pingidentity.user.import+json"

// user is a stored user; popID is its population (userBody.Population is not used).
type user struct {
	userBody
	ID, popID        string
	created, updated time.Time
	password         string // set by an import; never returned, checked by CheckPassword
	forceChange      bool
	status           string // lifecycle status; "" means ACCOUNT_OK
}

// userJSON is a user as PingOne returns it.
type userJSON struct {
	Links       map[string]link `json:"_links"`
	ID          string          `json:"id"`
	Environment ref             `json:"environment"`
	userBody
	Enabled   bool      `json:"enabled"`
	Lifecycle lifecycle `json:"lifecycle"`
	CreatedAt string    `json:"createdAt"`
	UpdatedAt string    `json:"updatedAt"`
	// Embedded holds the expanded population of a GET with expand=population.
	Embedded map[string]any `json:"_embedded,omitempty"`
}

type lifecycle struct {
	Status string `json:"status"`
}

type userPopulationJSON struct {
	Links map[string]link `json:"_links"`
	ID    string          `json:"id"`
}

// stamp formats a time as PingOne does: UTC with milliseconds.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// Handlers below take s.mu only where they touch state; each returns a status, a body to encode
// (nil for none) or a PingOne error.

func (s *Server) env(id string) *environment { return s.envs[id] }

func (e *environment) population(id string) *population {
	for _, p := range e.pops {
		if p.ID == id {
			return p
		}
	}
	return nil
}

func (e *environment) defaultPopulation() *population {
	for _, p := range e.pops {
		if p.Default {
			return p
		}
	}
	return nil
}

func (e *environment) user(id string) *user { return e.userByID[id] }

func (e *environment) userCount(popID string) int {
	n := 0
	for _, u := range e.users {
		if u.popID == popID {
			n++
		}
	}
	return n
}

func (s *Server) populationJSON(r *http.Request, e *environment, p *population) populationJSON {
	env := baseURL(r) + "/environments/" + e.id
	links := map[string]link{"self": {env + "/populations/" + p.ID}, "environment": {env}}
	if p.Theme != nil {
		links["theme"] = link{env + "/themes/" + p.Theme.ID}
	}
	return populationJSON{Links: links, ID: p.ID, Environment: ref{e.id}, populationBody: p.populationBody,
		UserCount: e.userCount(p.ID), CreatedAt: stamp(p.created), UpdatedAt: stamp(p.updated)}
}

func (s *Server) userJSON(r *http.Request, e *environment, u *user) userJSON {
	env := baseURL(r) + "/environments/" + e.id
	links := map[string]link{"self": {env + "/users/" + u.ID}, "population": {env + "/populations/" + u.popID}}
	body := u.userBody
	body.Population = &ref{u.popID}
	status := u.status
	if status == "" {
		status = "ACCOUNT_OK"
	}
	return userJSON{Links: links, ID: u.ID, Environment: ref{e.id}, userBody: body, Enabled: true,
		Lifecycle: lifecycle{status}, CreatedAt: stamp(u.created), UpdatedAt: stamp(u.updated)}
}

// sameName says whether two population names collide.
func (s *Server) sameName(a, b string) bool {
	if s.cfg.caseSensitiveNames {
		return a == b
	}
	return strings.EqualFold(a, b)
}

// checkPopulation validates a population body against the environment; self is the population
// being replaced, or nil on create.
func (s *Server) checkPopulation(e *environment, in *populationBody, self *population) *apiError {
	if strings.TrimSpace(in.Name) == "" {
		return invalidData("name", "REQUIRED_VALUE", "name is required")
	}
	for _, p := range e.pops {
		if p != self && s.sameName(p.Name, in.Name) {
			err := invalidData("name", "UNIQUENESS_VIOLATION", "name must be unique within the environment")
			err.status = s.cfg.conflictStatus
			err.Details[0].InnerError = map[string]any{"existingId": p.ID}
			return err
		}
	}
	if in.PasswordPolicy != nil && in.PasswordPolicy.ID == "" {
		return invalidData("passwordPolicy.id", "REQUIRED_VALUE", "a password policy needs an id")
	}
	if in.Theme != nil && in.Theme.ID == "" {
		return invalidData("theme.id", "REQUIRED_VALUE", "a theme needs an id")
	}
	return nil
}

// fill sets what PingOne fills in when a create or replace leaves it out: the environment's
// language (seed-003 shows "en") and its default theme (seed-003 shows a theme nobody asked for;
// the population pages say an omitted theme reverts to the default).
func (e *environment) fill(p *population) {
	if p.PreferredLanguage == "" {
		p.PreferredLanguage = "en"
	}
	if p.Theme == nil {
		p.Theme = &ref{e.theme}
	}
}

// setDefault makes p the only default population.
func (e *environment) setDefault(p *population) {
	for _, o := range e.pops {
		o.Default = o == p
	}
}

func (s *Server) createPopulation(r *http.Request, envID string, body []byte) (int, any, *apiError) {
	var in populationBody
	if e := decodeBody(r, body, &in, !s.cfg.ignoreUnknownFields); e != nil {
		return 0, nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(envID)
	if err := s.checkPopulation(e, &in, nil); err != nil {
		return 0, nil, err
	}
	now := s.now()
	p := &population{populationBody: in, ID: s.newID(), created: now, updated: now}
	e.fill(p)
	e.pops = append(e.pops, p)
	if p.Default {
		e.setDefault(p)
	}
	return http.StatusCreated, s.populationJSON(r, e, p), nil
}

func (s *Server) getPopulation(r *http.Request, envID, id string) (int, any, *apiError) {
	return s.withPopulation(envID, id, func(e *environment, p *population) (int, any, *apiError) {
		return http.StatusOK, s.populationJSON(r, e, p), nil
	})
}

func (s *Server) updatePopulation(r *http.Request, envID, id string, body []byte) (int, any, *apiError) {
	var in populationBody
	if e := decodeBody(r, body, &in, !s.cfg.ignoreUnknownFields); e != nil {
		return 0, nil, e
	}
	return s.withPopulation(envID, id, func(e *environment, p *population) (int, any, *apiError) {
		if err := s.checkPopulation(e, &in, p); err != nil {
			return 0, nil, err
		}
		if p.Default && !in.Default {
			switch s.cfg.undefault {
			case UndefaultRefused:
				return 0, nil, invalidData("default", "INVALID_VALUE",
					"the default population cannot be un-defaulted; make another population the default instead")
			case UndefaultIgnored:
				in.Default = true
			}
		}
		// PUT replaces: every writable field comes from the body, omitted ones are cleared or
		// reset to the environment's.
		p.populationBody, p.updated = in, s.now()
		e.fill(p)
		if p.Default {
			e.setDefault(p)
		}
		return http.StatusOK, s.populationJSON(r, e, p), nil
	})
}

// deleteRefused is the answer to a delete PingOne refuses, shaped by WithDeleteRefusal.
func (s *Server) deleteRefused(msg string) *apiError {
	status := s.cfg.deleteStatus
	if s.cfg.deleteDetail == "" {
		return newError(status, defaultCode(status), "The request could not be completed. "+msg)
	}
	return newError(status, defaultCode(status), "The request could not be completed. One or more validation errors were in the request.",
		errorDetail{Code: s.cfg.deleteDetail, Target: "population", Message: msg})
}

func (s *Server) deletePopulation(envID, id string) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(envID)
	p := e.population(id)
	switch {
	case p == nil:
		return 0, nil, notFound()
	case len(e.pops) == 1:
		return 0, nil, s.deleteRefused("An environment must contain at least one population.")
	case p.Default:
		return 0, nil, s.deleteRefused("The default population cannot be deleted. Make another population the default first.")
	}
	if n := e.userCount(id); n > 0 {
		return 0, nil, s.deleteRefused("The population cannot be deleted because it contains " + strconv.Itoa(n) + " users. Move or delete them first.")
	}
	e.pops = removeFirst(e.pops, p)
	return http.StatusNoContent, nil, nil
}

func removeFirst[T comparable](s []T, v T) []T {
	for i, x := range s {
		if x == v {
			return append(s[:i], s[i+1:]...)
		}
	}
	return s
}

func (s *Server) createUser(r *http.Request, envID string, body []byte) (int, any, *apiError) {
	var imp userImportBody
	// PingOne documents that a user body's unknown attributes are ignored.
	if e := decodeBody(r, body, &imp, false, importMediaType); e != nil {
		return 0, nil, e
	}
	in := imp.userBody
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != importMediaType {
		// Plain create has no password or lifecycle attribute (A.2): like any unknown
		// attribute, they are ignored.
		imp.Password, imp.Lifecycle = nil, nil
	}
	if imp.Lifecycle != nil && imp.Lifecycle.Status != "ACCOUNT_OK" && imp.Lifecycle.Status != "VERIFICATION_REQUIRED" {
		return 0, nil, invalidData("lifecycle.status", "INVALID_VALUE", "lifecycle.status must be ACCOUNT_OK or VERIFICATION_REQUIRED")
	}
	if imp.Password != nil && imp.Password.Value == "" {
		return 0, nil, invalidData("password.value", "REQUIRED_VALUE", "password.value is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(envID)
	if strings.TrimSpace(in.Username) != "" && strings.TrimSpace(in.Email) == "" {
		return 0, nil, invalidData("email", "REQUIRED_VALUE", "email is required")
	}
	if err := s.checkUsername(e, in.Username, nil); err != nil {
		return 0, nil, err
	}
	pop := e.defaultPopulation()
	if in.Population != nil {
		if pop = e.population(in.Population.ID); pop == nil {
			return 0, nil, invalidData("population.id", "INVALID_VALUE", "the population does not exist")
		}
	} else if pop == nil {
		return 0, nil, invalidData("population.id", "REQUIRED_VALUE", "the environment has no default population; name one")
	}
	u := s.addUser(e, in, pop.ID)
	if imp.Password != nil {
		u.password, u.forceChange = imp.Password.Value, imp.Password.ForceChange
	}
	if imp.Lifecycle != nil {
		u.status = imp.Lifecycle.Status
	}
	return http.StatusCreated, s.userJSON(r, e, u), nil
}

// maxUsername and usernamePattern are the published description's rule for a username: 1 to
// 128 characters (code points, as JSON Schema counts them) of letters, combining marks, spaces,
// symbols, digits and punctuation.
const (
	maxUsername     = 128
	usernamePattern = `^[\p{L}\p{M}\p{Zs}\p{S}\p{N}\p{P}]*$`
)

// usernameChars are the characters usernamePattern allows.
var usernameChars = []*unicode.RangeTable{unicode.L, unicode.M, unicode.Zs, unicode.S, unicode.N, unicode.P}

// checkUsername refuses an empty username, one breaking the published rule (too long, or with a
// control or other disallowed character) and one another user has (ignoring case); self is the
// user being changed, or nil on create. Callers hold s.mu. PingOne does not document the error
// of a bad username; the fake answers as it does for other bad values: 400 INVALID_DATA with an
// INVALID_VALUE detail on username, whose innerError gives the range or the pattern.
func (s *Server) checkUsername(e *environment, name string, self *user) *apiError {
	if strings.TrimSpace(name) == "" {
		return invalidData("username", "REQUIRED_VALUE", "username is required")
	}
	if utf8.RuneCountInString(name) > maxUsername {
		err := invalidData("username", "INVALID_VALUE", "username must be 1 to 128 characters long")
		err.Details[0].InnerError = map[string]any{"rangeMinimumValue": 1, "rangeMaximumValue": maxUsername}
		return err
	}
	for _, r := range name {
		if !unicode.IsOneOf(usernameChars, r) {
			err := invalidData("username", "INVALID_VALUE", "username holds a character that is not allowed")
			err.Details[0].InnerError = map[string]any{"allowedPattern": usernamePattern}
			return err
		}
	}
	if e.usernameTaken(name) && (self == nil || !strings.EqualFold(self.Username, name)) {
		err := invalidData("username", "UNIQUENESS_VIOLATION", "username must be unique within the environment")
		err.status = s.cfg.conflictStatus
		return err
	}
	return nil
}

// setUserBody stores a replaced or patched user body; population is not changed this way (A.2),
// so a population member is ignored. Callers hold s.mu and have checked the username.
func (s *Server) setUserBody(e *environment, u *user, in userBody) {
	in.Population = nil
	delete(e.usernames, strings.ToLower(u.Username))
	e.usernames[strings.ToLower(in.Username)] = true
	u.userBody, u.updated = in, s.now()
}

// replaceUser is PUT …/users/{id}: the body replaces every attribute; those left out are cleared.
func (s *Server) replaceUser(r *http.Request, envID, id string, body []byte) (int, any, *apiError) {
	var in userBody
	if e := decodeBody(r, body, &in, false); e != nil {
		return 0, nil, e
	}
	return s.withUser(envID, id, func(e *environment, u *user) (int, any, *apiError) {
		if err := s.checkUsername(e, in.Username, u); err != nil {
			return 0, nil, err
		}
		s.setUserBody(e, u, in)
		return http.StatusOK, s.userJSON(r, e, u), nil
	})
}

// patchUser is PATCH …/users/{id}: only the attributes given change; null clears one.
func (s *Server) patchUser(r *http.Request, envID, id string, body []byte) (int, any, *apiError) {
	var patch map[string]jsontext.Value
	if e := decodeBody(r, body, &patch, false); e != nil {
		return 0, nil, e
	}
	return s.withUser(envID, id, func(e *environment, u *user) (int, any, *apiError) {
		// Merge at the top level, then decode the result with the same rules as a PUT body.
		cur, err := jsonv2.Marshal(u.userBody)
		var merged map[string]jsontext.Value
		if err == nil {
			err = jsonv2.Unmarshal(cur, &merged)
		}
		if err != nil {
			return 0, nil, newError(http.StatusInternalServerError, "UNEXPECTED_ERROR", "stored user does not encode")
		}
		for k, v := range patch {
			if v.Kind() == 'n' {
				delete(merged, k)
			} else {
				merged[k] = v
			}
		}
		next, _ := jsonv2.Marshal(merged)
		var in userBody
		if e := decodeBody(r, next, &in, false); e != nil {
			return 0, nil, e
		}
		if err := s.checkUsername(e, in.Username, u); err != nil {
			return 0, nil, err
		}
		s.setUserBody(e, u, in)
		return http.StatusOK, s.userJSON(r, e, u), nil
	})
}

// defaultIdPJSON is a population's default identity provider as PingOne returns it; no id means
// PingOne itself.
type defaultIdPJSON struct {
	Links map[string]link `json:"_links"`
	ID    string          `json:"id,omitempty"`
}

func (s *Server) defaultIdPJSON(r *http.Request, e *environment, p *population) defaultIdPJSON {
	self := baseURL(r) + "/environments/" + e.id + "/populations/" + p.ID + "/defaultIdentityProvider"
	return defaultIdPJSON{Links: map[string]link{"self": {self}}, ID: p.idp}
}

func (s *Server) getDefaultIdP(r *http.Request, envID, popID string) (int, any, *apiError) {
	return s.withPopulation(envID, popID, func(e *environment, p *population) (int, any, *apiError) {
		return http.StatusOK, s.defaultIdPJSON(r, e, p), nil
	})
}

// setDefaultIdP is PUT …/defaultIdentityProvider: {"id": "…"} sets it; {} or a null id makes
// PingOne the provider again.
func (s *Server) setDefaultIdP(r *http.Request, envID, popID string, body []byte) (int, any, *apiError) {
	var in struct {
		ID *string `json:"id"`
	}
	if e := decodeBody(r, body, &in, !s.cfg.ignoreUnknownFields); e != nil {
		return 0, nil, e
	}
	if in.ID != nil && *in.ID == "" {
		return 0, nil, invalidData("id", "INVALID_VALUE", "id must name an identity provider, or be null for PingOne")
	}
	return s.withPopulation(envID, popID, func(e *environment, p *population) (int, any, *apiError) {
		p.idp = ""
		if in.ID != nil {
			p.idp = *in.ID
		}
		return http.StatusOK, s.defaultIdPJSON(r, e, p), nil
	})
}

// redactPassword hides a user body's password.value for Requests; a body without one is kept as
// it came.
func redactPassword(body []byte) string {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		if bytes.Contains(body, []byte("password")) {
			return "(a user body that is not a JSON object but names a password: not recorded)"
		}
		return string(body)
	}
	pw, ok := m["password"].(map[string]any)
	if !ok || pw["value"] == nil {
		return string(body)
	}
	pw["value"] = "REDACTED"
	b, _ := json.Marshal(m)
	return string(b)
}

// addUser stores a new user in the population, filling the server's fields. Callers hold s.mu.
func (s *Server) addUser(e *environment, in userBody, popID string) *user {
	now := s.now()
	in.Population = nil
	u := &user{userBody: in, ID: s.newID(), popID: popID, created: now, updated: now}
	e.users = append(e.users, u)
	e.usernames[strings.ToLower(u.Username)] = true
	e.userByID[u.ID] = u
	return u
}

func (s *Server) getUser(r *http.Request, envID, id string) (int, any, *apiError) {
	expand := r.URL.Query().Get("expand")
	if expand != "" && expand != "population" {
		return 0, nil, invalidData("expand", "INVALID_VALUE", "expand takes only population")
	}
	return s.withUser(envID, id, func(e *environment, u *user) (int, any, *apiError) {
		out := s.userJSON(r, e, u)
		if expand != "" {
			if p := e.population(u.popID); p != nil {
				out.Embedded = map[string]any{"population": s.populationJSON(r, e, p)}
			}
		}
		return http.StatusOK, out, nil
	})
}

func (s *Server) deleteUser(envID, id string) (int, any, *apiError) {
	return s.withUser(envID, id, func(e *environment, u *user) (int, any, *apiError) {
		e.users = removeFirst(e.users, u)
		delete(e.usernames, strings.ToLower(u.Username))
		delete(e.userByID, u.ID)
		return http.StatusNoContent, nil, nil
	})
}

func (s *Server) getUserPopulation(r *http.Request, envID, id string) (int, any, *apiError) {
	return s.withUser(envID, id, func(e *environment, u *user) (int, any, *apiError) {
		return http.StatusOK, s.userPopulationJSON(r, e, u), nil
	})
}

func (s *Server) userPopulationJSON(r *http.Request, e *environment, u *user) userPopulationJSON {
	return userPopulationJSON{ID: u.popID, Links: map[string]link{
		"self":       {baseURL(r) + "/environments/" + e.id + "/users/" + u.ID + "/population"},
		"population": {baseURL(r) + "/environments/" + e.id + "/populations/" + u.popID},
	}}
}

func (s *Server) moveUser(r *http.Request, envID, id string, body []byte) (int, any, *apiError) {
	var in ref
	if e := decodeBody(r, body, &in, !s.cfg.ignoreUnknownFields); e != nil {
		return 0, nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(envID)
	u := e.user(id)
	switch {
	case u == nil:
		return 0, nil, notFound()
	case in.ID == "":
		return 0, nil, invalidData("id", "REQUIRED_VALUE", "id is required")
	case e.population(in.ID) == nil:
		return 0, nil, invalidData("id", "INVALID_VALUE", "the population does not exist")
	}
	if u.popID != in.ID { // a move to where the user is changes nothing
		u.popID, u.updated = in.ID, s.now()
	}
	return http.StatusOK, s.userPopulationJSON(r, e, u), nil
}

// maxLimit is the largest limit a list takes: the spec's maximum for users, and the fake's
// choice for populations, which have no documented one.
const maxLimit = 1000

// list serves GET …/populations and …/users with filter, limit and cursor.
func (s *Server) list(r *http.Request, envID, collection string) (int, any, *apiError) {
	q := r.URL.Query()
	limit := s.cfg.pageSize
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, nil, invalidData("limit", "INVALID_VALUE", "limit must be an integer")
		}
		if n < 1 || n > maxLimit {
			e := invalidData("limit", "OUT_OF_RANGE", "limit must be between 1 and "+strconv.Itoa(maxLimit))
			e.Details[0].InnerError = map[string]any{"rangeMinimumValue": 1, "rangeMaximumValue": maxLimit}
			return 0, nil, e
		}
		limit = min(n, s.cfg.pageSize) // PingOne documents that it may serve fewer than asked
	}
	filter, offset := q.Get("filter"), 0
	if c := q.Get("cursor"); c != "" {
		var inCursor string
		var ok bool
		if offset, inCursor, ok = decodeCursor(c); !ok {
			return 0, nil, invalidData("cursor", "INVALID_VALUE", "the cursor is not valid")
		}
		if s.cfg.filterInCursor {
			filter = inCursor
		}
	}
	var match matcher
	if filter != "" {
		m, err := parseFilter(filter, s.filters[collection])
		if err != nil {
			return 0, nil, invalidData("filter", "INVALID_FILTER", err.Error())
		}
		match = m
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(envID)
	var items []any
	total := 0
	add := func(ok bool, item func() any) {
		if !ok {
			return
		}
		if total >= offset && len(items) < limit {
			items = append(items, item())
		}
		total++
	}
	if collection == "populations" {
		for _, p := range e.pops {
			add(match == nil || match(p.attr), func() any { return s.populationJSON(r, e, p) })
		}
	} else {
		for _, u := range e.users {
			add(match == nil || match(u.attr), func() any { return s.userJSON(r, e, u) })
		}
	}
	pageURL := func(off int) string {
		v := url.Values{}
		if filter != "" && !(s.cfg.filterInCursor && off > 0) {
			v.Set("filter", filter)
		}
		if q.Get("limit") != "" {
			v.Set("limit", strconv.Itoa(limit))
		}
		if off > 0 {
			v.Set("cursor", s.encodeCursor(off, filter))
		}
		u := baseURL(r) + "/environments/" + envID + "/" + collection
		if len(v) > 0 {
			u += "?" + v.Encode()
		}
		return u
	}
	links := map[string]link{"self": {pageURL(offset)}}
	if offset+len(items) < total {
		links["next"] = link{pageURL(offset + len(items))}
	}
	if items == nil {
		items = []any{}
	}
	return http.StatusOK, map[string]any{
		"_links":    links,
		"_embedded": map[string]any{collection: items},
		"count":     total,
		"size":      len(items),
	}, nil
}

// attr returns the value of a filterable attribute (canonical name, as in filterGrammar).
func (p *population) attr(name string) string {
	switch name {
	case "id":
		return p.ID
	case "name":
		return p.Name
	}
	return ""
}

// attr returns the value of a filterable attribute (canonical name, as in filterGrammar).
func (u *user) attr(name string) string {
	var n userName
	if u.Name != nil {
		n = *u.Name
	}
	switch name {
	case "username":
		return u.Username
	case "email":
		return u.Email
	case "population.id":
		return u.popID
	case "name.given":
		return n.Given
	case "name.family":
		return n.Family
	case "mobilePhone":
		return u.MobilePhone
	}
	return ""
}

// withPopulation runs f under the server's lock with population id of environment envID, or
// answers 404 when there is none: the shape of every handler of one population.
func (s *Server) withPopulation(envID, id string, f func(*environment, *population) (int, any, *apiError)) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(envID)
	p := e.population(id)
	if p == nil {
		return 0, nil, notFound()
	}
	return f(e, p)
}

// withUser is withPopulation for a user.
func (s *Server) withUser(envID, id string, f func(*environment, *user) (int, any, *apiError)) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(envID)
	u := e.user(id)
	if u == nil {
		return 0, nil, notFound()
	}
	return f(e, u)
}
