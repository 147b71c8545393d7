// Package bench measures the SDK against a hand-written net/http + encoding/json client doing
// the same requests against the same loopback server. See scripts/bench.sh.
package bench

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
)

// EnvID and PopID are the ids the fake answers for.
const (
	EnvID  = "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	PopID  = "0f1e2d3c-4b5a-4697-8879-6a5b4c3d2e1f"
	UserID = "9a8b7c6d-5e4f-4321-8765-4a3b2c1d0e9f"
)

// Server answers like PingOne with realistic payloads: every population field set, about 800
// bytes each. Pages are rendered on the fly from the index, so the server holds no collection
// and a 100,000-item listing costs it no memory.
type Server struct {
	*httptest.Server
	Requests atomic.Int64
	// Total is the size of the population collection that lists page through.
	Total atomic.Int64
	// Conns counts the TCP connections accepted.
	Conns atomic.Int32
}

// NewServer starts the fake on loopback (HTTP/1.1, keep-alive). wrap, when given, wraps its
// handler (to record or answer some requests); it is installed before the server starts.
func NewServer(wrap ...func(http.Handler) http.Handler) *Server {
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
	s.Start()
	return s
}

// BaseURL is the API base.
func (s *Server) BaseURL() string { return s.URL + "/v1" }

// PopulationJSON renders population i.
func PopulationJSON(host string, i int) string {
	id := fmt.Sprintf("%08x-4e5f-4a6b-8c7d-%012x", i, i)
	env := host + "/v1/environments/" + EnvID
	return `{"_links":{"self":{"href":"` + env + `/populations/` + id + `"},"environment":{"href":"` + env + `"},` +
		`"theme":{"href":"` + env + `/themes/1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"},` +
		`"passwordPolicy":{"href":"` + env + `/passwordPolicies/2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a"}},` +
		`"id":"` + id + `","environment":{"id":"` + EnvID + `"},"name":"Population ` + strconv.Itoa(i) + `",` +
		`"description":"Employees and contractors of business unit ` + strconv.Itoa(i) + `, synchronised nightly from the HR system",` +
		`"userCount":` + strconv.Itoa(i%997) + `,"createdAt":"2026-03-23T16:34:44.760Z","updatedAt":"2026-03-24T08:12:05.120Z",` +
		`"preferredLanguage":"en","theme":{"id":"1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"},` +
		`"passwordPolicy":{"id":"2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a"},"alternativeIdentifiers":["bu-` + strconv.Itoa(i) + `","unit` + strconv.Itoa(i) + `"],"default":false}`
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.Requests.Add(1)
	host := "http://" + r.Host
	p := r.URL.Path
	envPrefix := "/v1/environments/" + EnvID
	w.Header().Set("Correlation-Id", "c0ffee00-0000-4000-8000-000000000000")
	switch {
	case p == "/empty":
		w.WriteHeader(http.StatusNoContent)
	case p == envPrefix+"/populations" && r.Method == http.MethodGet:
		s.page(w, r, host)
	case p == envPrefix+"/populations" && r.Method == http.MethodPost:
		_, _ = io.Copy(io.Discard, r.Body)
		writeJSON(w, http.StatusCreated, PopulationJSON(host, 1))
	case p == envPrefix+"/populations/"+PopID && r.Method == http.MethodGet,
		p == envPrefix+"/populations/"+PopID && r.Method == http.MethodPut:
		_, _ = io.Copy(io.Discard, r.Body)
		writeJSON(w, http.StatusOK, PopulationJSON(host, 1))
	case p == envPrefix+"/populations/"+PopID && r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	case p == envPrefix+"/users/"+UserID+"/population" && r.Method == http.MethodPut:
		_, _ = io.Copy(io.Discard, r.Body)
		writeJSON(w, http.StatusOK, `{"_links":{"self":{"href":"`+host+envPrefix+`/users/`+UserID+`/population"}},"id":"`+PopID+`"}`)
	default:
		writeJSON(w, http.StatusNotFound, `{"id":"x","code":"NOT_FOUND","message":"not found"}`)
	}
}

// page serves ?limit=L&cursor=offset over a collection of s.Total populations.
func (s *Server) page(w http.ResponseWriter, r *http.Request, host string) {
	q := r.URL.Query()
	total := int(s.Total.Load())
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 {
		limit = 100
	}
	offset, _ := strconv.Atoi(q.Get("cursor"))
	end := min(offset+limit, total)
	var b strings.Builder
	b.Grow((end-offset)*820 + 400)
	self := host + r.URL.RequestURI()
	b.WriteString(`{"_links":{"self":{"href":"` + self + `"}`)
	if end < total {
		b.WriteString(`,"next":{"href":"` + host + `/v1/environments/` + EnvID + `/populations?limit=` + strconv.Itoa(limit) +
			`&cursor=` + strconv.Itoa(end) + `"}`)
	}
	b.WriteString(`},"_embedded":{"populations":[`)
	for i := offset; i < end; i++ {
		if i > offset {
			b.WriteByte(',')
		}
		b.WriteString(PopulationJSON(host, i))
	}
	b.WriteString(`]},"count":` + strconv.Itoa(total) + `,"size":` + strconv.Itoa(end-offset) + `}`)
	writeJSON(w, http.StatusOK, b.String())
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}
