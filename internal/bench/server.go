// Package bench measures the SDK against a hand-written net/http + encoding/json client doing
// the same requests against the same loopback server, and measures what users wait for over
// injected latency. See scripts/bench.sh.
package bench

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// EnvID, PopID and UserID are the ids the fake answers for. The users it lists live in
// SourcePopID; a move takes any user to any population.
const (
	EnvID       = "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	PopID       = "0f1e2d3c-4b5a-4697-8879-6a5b4c3d2e1f"
	SourcePopID = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"
	UserID      = "9a8b7c6d-5e4f-4321-8765-4a3b2c1d0e9f"
)

// Server answers like PingOne, with payloads shaped as PingOne sends them: `_links` on every item
// (self and environment; theme when a population has one; population for users) and the
// optional fields absent from some items. Every body is rendered once and then served from
// memory, so the server's own cost per request is little more than net/http's and the ratios
// between clients show the clients.
type Server struct {
	*httptest.Server
	// Requests counts the requests served.
	Requests atomic.Int64
	// Total is the size of the collections (populations and users) that lists page through.
	Total atomic.Int64
	// Conns counts the TCP connections accepted.
	Conns atomic.Int32
	// RenderEachTime renders pages on each request instead of keeping them: for tests that
	// measure the client's heap over a collection too large to keep.
	RenderEachTime bool

	pages      sync.Map // pageKey → *body
	one, moved *body    // a population; a user's population after a move
}

// body is a pre-rendered response.
type body struct {
	b    []byte
	clen []string // Content-Length header value
}

func newBody(s string) *body { return &body{b: []byte(s), clen: []string{strconv.Itoa(len(s))}} }

type pageKey struct {
	users                bool
	total, limit, offset int
}

// Header values shared by every response; net/http only reads them.
var (
	jsonType      = []string{"application/json"}
	correlationID = []string{"c0ffee00-0000-4000-8000-000000000000"}
)

// NewServer starts the fake on loopback over plain HTTP/1.1 with keep-alive. wrap, when given,
// wraps its handler (to record or answer some requests); it is installed before the server
// starts.
func NewServer(wrap ...func(http.Handler) http.Handler) *Server {
	return start(false, false, wrap)
}

// NewTLSServer starts the fake over TLS, offering HTTP/2 when h2 is true and only HTTP/1.1
// otherwise. Its certificate is httptest's, for 127.0.0.1.
func NewTLSServer(h2 bool, wrap ...func(http.Handler) http.Handler) *Server {
	return start(true, h2, wrap)
}

func start(tls, h2 bool, wrap []func(http.Handler) http.Handler) *Server {
	s := &Server{}
	var h http.Handler = http.HandlerFunc(s.serve)
	for _, w := range wrap {
		h = w(h)
	}
	s.Server = httptest.NewUnstartedServer(h)
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.Conns.Add(1)
		}
	}
	if tls {
		s.EnableHTTP2 = h2
		s.StartTLS()
	} else {
		s.Start()
	}
	s.one = newBody(PopulationJSON(s.URL, 1))
	s.moved = newBody(userPopulationJSON(s.URL, UserID))
	return s
}

// BaseURL is the API base.
func (s *Server) BaseURL() string { return s.URL + "/v1" }

func envURL(host string) string { return host + "/v1/environments/" + EnvID }

// hexID is a UUID-shaped id for item i, with mid as its middle groups.
func hexID(i int, mid string) string {
	h := strconv.FormatInt(int64(i), 16)
	return strings.Repeat("0", 8-min(8, len(h))) + h + mid + strings.Repeat("0", 12-min(12, len(h))) + h
}

// PopulationID is the id of population i of the listed collection.
func PopulationID(i int) string { return hexID(i, "-4e5f-4a6b-8c7d-") }

// ListedUserID is the id of user i of the listed collection.
func ListedUserID(i int) string { return hexID(i, "-5e4f-4321-8765-") }

// PopulationJSON renders population i as PingOne does (about 700 bytes). Like real
// populations, some have no description, theme (and its link), password policy, alternative
// identifiers or updatedAt.
func PopulationJSON(host string, i int) string {
	id, env, n := PopulationID(i), envURL(host), strconv.Itoa(i)
	var b strings.Builder
	b.WriteString(`{"_links":{"self":{"href":"` + env + `/populations/` + id + `"},"environment":{"href":"` + env + `"}`)
	theme := i%4 != 0
	if theme {
		b.WriteString(`,"theme":{"href":"` + env + `/themes/1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"}`)
	}
	b.WriteString(`},"id":"` + id + `","environment":{"id":"` + EnvID + `"},"name":"Population ` + n + `",`)
	if i%3 != 0 {
		b.WriteString(`"description":"Employees and contractors of business unit ` + n + `, synchronised nightly from the HR system",`)
	}
	b.WriteString(`"userCount":` + strconv.Itoa(i%997) + `,"createdAt":"2026-03-23T16:34:44.760Z",`)
	if i%5 != 0 {
		b.WriteString(`"updatedAt":"2026-03-24T08:12:05.120Z",`)
	}
	b.WriteString(`"preferredLanguage":"en",`)
	if theme {
		b.WriteString(`"theme":{"id":"1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"},`)
	}
	if i%2 != 0 {
		b.WriteString(`"passwordPolicy":{"id":"2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a"},`)
	}
	if i%3 != 1 {
		b.WriteString(`"alternativeIdentifiers":["bu-` + n + `","unit` + n + `"],`)
	}
	b.WriteString(`"default":false}`)
	return b.String()
}

// UserJSON renders user i of SourcePopID as PingOne lists users (about 900 bytes), with the
// members PingOne adds that the SDK does not model (account, identityProvider, mfaEnabled,
// verifyStatus). Some users have no name or no externalId.
func UserJSON(host string, i int) string {
	id, env, n := ListedUserID(i), envURL(host), strconv.Itoa(i)
	var b strings.Builder
	b.WriteString(`{"_links":{"self":{"href":"` + env + `/users/` + id + `"},"environment":{"href":"` + env + `"},` +
		`"population":{"href":"` + env + `/populations/` + SourcePopID + `"}},` +
		`"id":"` + id + `","environment":{"id":"` + EnvID + `"},` +
		`"account":{"canAuthenticate":true,"status":"OK"},"createdAt":"2026-02-11T09:21:37.482Z",` +
		`"email":"user` + n + `@example.com","enabled":true,"identityProvider":{"type":"PING_ONE"},` +
		`"lifecycle":{"status":"ACCOUNT_OK"},"mfaEnabled":false,`)
	if i%4 != 0 {
		b.WriteString(`"name":{"given":"Given` + n + `","family":"Family` + n + `"},`)
	}
	if i%3 == 0 {
		b.WriteString(`"externalId":"hr-` + n + `",`)
	}
	b.WriteString(`"population":{"id":"` + SourcePopID + `"},"updatedAt":"2026-03-02T17:45:12.903Z",` +
		`"username":"user` + n + `","verifyStatus":"NOT_INITIATED"}`)
	return b.String()
}

func userPopulationJSON(host, userID string) string {
	return `{"_links":{"self":{"href":"` + envURL(host) + `/users/` + userID + `/population"}},"id":"` + PopID + `"}`
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.Requests.Add(1)
	w.Header()["Correlation-Id"] = correlationID
	p, inEnv := strings.CutPrefix(r.URL.Path, "/v1/environments/"+EnvID+"/")
	user, isMove := movedUser(p)
	switch {
	case r.URL.Path == "/empty":
		w.WriteHeader(http.StatusNoContent)
	case !inEnv:
		s.notFound(w)
	case p == "populations" && r.Method == http.MethodGet:
		s.page(w, r, false)
	case p == "users" && r.Method == http.MethodGet:
		s.page(w, r, true)
	case p == "populations" && r.Method == http.MethodPost:
		write(w, http.StatusCreated, s.one)
	case p == "populations/"+PopID && (r.Method == http.MethodGet || r.Method == http.MethodPut):
		write(w, http.StatusOK, s.one)
	case p == "populations/"+PopID && r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	case isMove && r.Method == http.MethodPut && user == UserID:
		write(w, http.StatusOK, s.moved)
	case isMove && r.Method == http.MethodPut: // bulk jobs in tests move the listed users
		write(w, http.StatusOK, newBody(userPopulationJSON(s.URL, user)))
	default:
		s.notFound(w)
	}
}

// movedUser returns the user of a "users/{id}/population" path.
func movedUser(p string) (string, bool) {
	rest, ok := strings.CutPrefix(p, "users/")
	id, ok2 := strings.CutSuffix(rest, "/population")
	return id, ok && ok2 && id != "" && !strings.Contains(id, "/")
}

func (s *Server) notFound(w http.ResponseWriter) {
	write(w, http.StatusNotFound, newBody(`{"id":"x","code":"NOT_FOUND","message":"not found"}`))
}

// page serves ?limit=L&cursor=offset over a collection of s.Total items, from its cache.
func (s *Server) page(w http.ResponseWriter, r *http.Request, users bool) {
	q := r.URL.Query()
	k := pageKey{users: users, total: int(s.Total.Load())}
	k.limit, _ = strconv.Atoi(q.Get("limit"))
	if k.limit <= 0 {
		k.limit = 100
	}
	k.offset, _ = strconv.Atoi(q.Get("cursor"))
	k.offset = max(0, k.offset)
	if s.RenderEachTime {
		write(w, http.StatusOK, s.render(k))
		return
	}
	b, ok := s.pages.Load(k)
	if !ok {
		b, _ = s.pages.LoadOrStore(k, s.render(k))
	}
	write(w, http.StatusOK, b.(*body))
}

func (s *Server) render(k pageKey) *body {
	coll, item := "populations", PopulationJSON
	if k.users {
		coll, item = "users", UserJSON
	}
	list := envURL(s.URL) + "/" + coll + "?limit=" + strconv.Itoa(k.limit)
	end := min(k.offset+k.limit, k.total)
	var b strings.Builder
	b.Grow(max(0, end-k.offset)*950 + 400)
	b.WriteString(`{"_links":{"self":{"href":"` + list)
	if k.offset > 0 {
		b.WriteString(`&cursor=` + strconv.Itoa(k.offset))
	}
	b.WriteString(`"}`)
	if end < k.total {
		b.WriteString(`,"next":{"href":"` + list + `&cursor=` + strconv.Itoa(end) + `"}`)
	}
	b.WriteString(`},"_embedded":{"` + coll + `":[`)
	for i := k.offset; i < end; i++ {
		if i > k.offset {
			b.WriteByte(',')
		}
		b.WriteString(item(s.URL, i))
	}
	b.WriteString(`]},"count":` + strconv.Itoa(k.total) + `,"size":` + strconv.Itoa(max(0, end-k.offset)) + `}`)
	return newBody(b.String())
}

func write(w http.ResponseWriter, status int, b *body) {
	h := w.Header()
	h["Content-Type"] = jsonType
	h["Content-Length"] = b.clen
	w.WriteHeader(status)
	_, _ = w.Write(b.b)
}
