package pingonetest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/seedb6d25dc8/pingone"
)

// Handlers below run with s.mu held only where they touch state; each returns a status, a body
// to encode (nil for none) or a PingOne error.

func (s *Server) env(id string) *environment { return s.envs[id] }

func (e *environment) population(id string) *population {
	for _, p := range e.pops {
		if p.ID == id {
			return p
		}
	}
	return nil
}

func (e *environment) user(id string) *user { return e.userByID[id] }

func (e *environment) userCount(popID string) int {
	n := 0
	for _, u := range e.users {
		if u.Population.ID == popID {
			n++
		}
	}
	return n
}

func (s *Server) populationJSON(r *http.Request, e *environment, p *population) populationJSON {
	self := baseURL(r) + "/environments/" + e.id + "/populations/" + p.ID
	links := map[string]link{"self": {self}, "environment": {baseURL(r) + "/environments/" + e.id}}
	return populationJSON{Links: links, Population: p.Population, UserCount: e.userCount(p.ID)}
}

func (s *Server) userJSON(r *http.Request, e *environment, u *user) userJSON {
	self := baseURL(r) + "/environments/" + e.id + "/users/" + u.ID
	links := map[string]link{"self": {self}, "population": {baseURL(r) + "/environments/" + e.id + "/populations/" + u.Population.ID}}
	return userJSON{Links: links, User: u.User}
}

// checkPopulation validates a population body against the environment; self is the population
// being replaced, or nil on create.
func (e *environment) checkPopulation(in *pingone.Population, self *population, conflict int) *apiError {
	if strings.TrimSpace(in.Name) == "" {
		return invalidData("name", "REQUIRED_VALUE", "name is required")
	}
	for _, p := range e.pops {
		if p != self && strings.EqualFold(p.Name, in.Name) {
			err := invalidData("name", "UNIQUENESS_VIOLATION", "name must be unique within the environment")
			err.status = conflict
			err.Details[0].InnerError = map[string]any{"existingId": p.ID}
			return err
		}
	}
	for _, ref := range []*pingone.Ref{in.PasswordPolicy, in.Theme} {
		if ref != nil && ref.ID == "" {
			return invalidData("passwordPolicy.id", "REQUIRED_VALUE", "a referenced object needs an id")
		}
	}
	return nil
}

// setDefault makes p the only default population.
func (e *environment) setDefault(p *population) {
	for _, o := range e.pops {
		o.Default = o == p
	}
}

func (s *Server) createPopulation(r *http.Request, envID string, body []byte) (int, any, *apiError) {
	var in pingone.Population
	if e := decodeBody(r, body, &in); e != nil {
		return 0, nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(envID)
	if err := e.checkPopulation(&in, nil, s.cfg.conflictStatus); err != nil {
		return 0, nil, err
	}
	now := s.now()
	p := &population{in}
	p.ID, p.Environment, p.CreatedAt, p.UpdatedAt, p.Extra = s.newID(), &pingone.Ref{ID: envID}, now, now, nil
	if p.PreferredLanguage == "" {
		p.PreferredLanguage = "en"
	}
	e.pops = append(e.pops, p)
	if p.Default {
		e.setDefault(p)
	}
	return http.StatusCreated, s.populationJSON(r, e, p), nil
}

func (s *Server) getPopulation(r *http.Request, envID, id string) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(envID)
	p := e.population(id)
	if p == nil {
		return 0, nil, notFound()
	}
	return http.StatusOK, s.populationJSON(r, e, p), nil
}

func (s *Server) updatePopulation(r *http.Request, envID, id string, body []byte) (int, any, *apiError) {
	var in pingone.Population
	if e := decodeBody(r, body, &in); e != nil {
		return 0, nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(envID)
	p := e.population(id)
	if p == nil {
		return 0, nil, notFound()
	}
	if err := e.checkPopulation(&in, p, s.cfg.conflictStatus); err != nil {
		return 0, nil, err
	}
	if p.Default && !in.Default {
		// PingOne's docs are silent here; an environment keeps one default population, so the
		// fake refuses to leave it without one. Make another population the default instead.
		return 0, nil, invalidData("default", "INVALID_VALUE",
			"the default population cannot be un-defaulted; make another population the default instead")
	}
	// PUT replaces: every writable field comes from the body, omitted ones are cleared.
	keep := p.Population
	p.Population = in
	p.ID, p.Environment, p.CreatedAt, p.UpdatedAt, p.Extra = keep.ID, keep.Environment, keep.CreatedAt, s.now(), nil
	if p.PreferredLanguage == "" {
		p.PreferredLanguage = "en"
	}
	if p.Default {
		e.setDefault(p)
	}
	return http.StatusOK, s.populationJSON(r, e, p), nil
}

func (s *Server) deletePopulation(envID, id string) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(envID)
	p := e.population(id)
	users := e.userCount(id)
	constraint := func(msg string) *apiError { return invalidData("population", "CONSTRAINT_VIOLATION", msg) }
	switch {
	case p == nil:
		return 0, nil, notFound()
	case len(e.pops) == 1:
		return 0, nil, constraint("An environment must contain at least one population.")
	case p.Default:
		return 0, nil, constraint("The default population cannot be deleted. Make another population the default first.")
	case users > 0:
		return 0, nil, constraint("The population cannot be deleted because it contains " + strconv.Itoa(users) + " users. Move or delete them first.")
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
	var in pingone.User
	if e := decodeBody(r, body, &in, "application/vnd.pingidentity.user.import+json"); e != nil {
		return 0, nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(envID)
	switch {
	case strings.TrimSpace(in.Username) == "":
		return 0, nil, invalidData("username", "REQUIRED_VALUE", "username is required")
	case strings.TrimSpace(in.Email) == "":
		return 0, nil, invalidData("email", "REQUIRED_VALUE", "email is required")
	}
	if e.usernameTaken(in.Username) {
		err := invalidData("username", "UNIQUENESS_VIOLATION", "username must be unique within the environment")
		err.status = s.cfg.conflictStatus
		return 0, nil, err
	}
	var pop *population
	if in.Population != nil {
		if pop = e.population(in.Population.ID); pop == nil {
			return 0, nil, invalidData("population.id", "INVALID_VALUE", "the population does not exist")
		}
	} else {
		for _, p := range e.pops {
			if p.Default {
				pop = p
			}
		}
	}
	u := s.addUser(e, in, pop.ID)
	return http.StatusCreated, s.userJSON(r, e, u), nil
}

// addUser stores a new user in the population, filling the server's fields. Callers hold s.mu.
func (s *Server) addUser(e *environment, in pingone.User, popID string) *user {
	now := s.now()
	u := &user{in}
	u.ID, u.Environment, u.Population, u.CreatedAt, u.UpdatedAt, u.Extra = s.newID(), &pingone.Ref{ID: e.id}, &pingone.Ref{ID: popID}, now, now, nil
	u.Enabled, u.Lifecycle = true, pingone.UserLifecycle{Status: "ACCOUNT_OK"}
	e.users = append(e.users, u)
	e.usernames[strings.ToLower(u.Username)] = true
	e.userByID[u.ID] = u
	return u
}

func (s *Server) getUser(r *http.Request, envID, id string) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(envID)
	u := e.user(id)
	if u == nil {
		return 0, nil, notFound()
	}
	return http.StatusOK, s.userJSON(r, e, u), nil
}

func (s *Server) deleteUser(envID, id string) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(envID)
	u := e.user(id)
	if u == nil {
		return 0, nil, notFound()
	}
	e.users = removeFirst(e.users, u)
	delete(e.usernames, strings.ToLower(u.Username))
	delete(e.userByID, u.ID)
	return http.StatusNoContent, nil, nil
}

type userPopulationJSON struct {
	Links map[string]link `json:"_links"`
	ID    string          `json:"id"`
}

func (s *Server) getUserPopulation(r *http.Request, envID, id string) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(envID)
	u := e.user(id)
	if u == nil {
		return 0, nil, notFound()
	}
	return http.StatusOK, s.userPopulationJSON(r, e, u), nil
}

func (s *Server) userPopulationJSON(r *http.Request, e *environment, u *user) userPopulationJSON {
	return userPopulationJSON{ID: u.Population.ID, Links: map[string]link{
		"self":       {baseURL(r) + "/environments/" + e.id + "/users/" + u.ID + "/population"},
		"population": {baseURL(r) + "/environments/" + e.id + "/populations/" + u.Population.ID},
	}}
}

func (s *Server) moveUser(r *http.Request, envID, id string, body []byte) (int, any, *apiError) {
	var in struct {
		ID string `json:"id"`
	}
	if e := decodeBody(r, body, &in); e != nil {
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
	if u.Population.ID != in.ID {
		u.Population = &pingone.Ref{ID: in.ID}
		u.UpdatedAt = s.now()
	}
	return http.StatusOK, s.userPopulationJSON(r, e, u), nil
}

// list serves GET …/populations and …/users with filter, limit and cursor.
func (s *Server) list(r *http.Request, envID, collection string) (int, any, *apiError) {
	q := r.URL.Query()
	limit := s.cfg.pageSize
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, nil, invalidData("limit", "INVALID_VALUE", "limit must be a positive integer")
		}
		limit = min(n, s.cfg.pageSize) // like PingOne, a larger limit is not honoured
	}
	offset := 0
	if c := q.Get("cursor"); c != "" {
		var ok bool
		if offset, ok = decodeCursor(c); !ok {
			return 0, nil, invalidData("cursor", "INVALID_VALUE", "the cursor is not valid")
		}
	}
	attrs := map[string]bool{"id": true, "name": true}
	if collection == "users" {
		attrs = map[string]bool{"id": true, "username": true, "email": true, "population.id": true, "name.given": true, "name.family": true, "externalid": true}
	}
	var match func(get func(string) string) bool
	if f := q.Get("filter"); f != "" {
		m, err := parseFilter(f, attrs)
		if err != nil {
			return 0, nil, newError(http.StatusBadRequest, "INVALID_DATA", "The request could not be completed. The filter is not valid.",
				errorDetail{Code: "INVALID_FILTER", Target: "filter", Message: err.Error()})
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
		if f := q.Get("filter"); f != "" {
			v.Set("filter", f)
		}
		if q.Get("limit") != "" {
			v.Set("limit", strconv.Itoa(limit))
		}
		if off > 0 {
			v.Set("cursor", encodeCursor(off))
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

func (p *population) attr(name string) string {
	switch name {
	case "id":
		return p.ID
	case "name":
		return p.Name
	}
	return ""
}

func (u *user) attr(name string) string {
	switch name {
	case "id":
		return u.ID
	case "username":
		return u.Username
	case "email":
		return u.Email
	case "population.id":
		return u.Population.ID
	case "name.given":
		return u.Name.Given
	case "name.family":
		return u.Name.Family
	case "externalid":
		return u.ExternalID
	}
	return ""
}
