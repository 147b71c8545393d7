package pingone

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jarcoal/httpmock"
	"go.uber.org/goleak"
)

// pagedUsers answers GET /environments/{env}/users with three pages of two users, behind no
// cursor, ?cursor=c2 and ?cursor=c3. Each request for the third page is announced on requested
// and answered only once release is closed or the request is cancelled; cancelled receives
// whether it was.
type pagedUsers struct {
	requested chan struct{}
	release   chan struct{}
	cancelled chan bool
	paths     chan string
}

func newPagedUsers(t *testing.T, mt *httpmock.MockTransport) *pagedUsers {
	t.Helper()
	p := &pagedUsers{requested: make(chan struct{}, 1), release: make(chan struct{}), cancelled: make(chan bool, 1), paths: make(chan string, 10)}
	users := apiBase + "/environments/" + testEnv + "/users"
	page := func(ids []string, next string) string {
		s := `{"_embedded":{"users":[`
		for i, id := range ids {
			if i > 0 {
				s += ","
			}
			s += fmt.Sprintf(`{"id":%q}`, id)
		}
		s += `]}`
		if next != "" {
			s += fmt.Sprintf(`,"_links":{"next":{"href":%q}}`, next)
		}
		return s + `}`
	}
	mt.RegisterResponder(http.MethodGet, users, func(r *http.Request) (*http.Response, error) {
		p.paths <- r.Method + " " + r.URL.Path + "?" + r.URL.RawQuery
		switch r.URL.Query().Get("cursor") {
		case "":
			return httpmock.NewStringResponse(200, page([]string{"u1", "u2"}, users+"?cursor=c2")), nil
		case "c2":
			return httpmock.NewStringResponse(200, page([]string{"u3", "u4"}, users+"?cursor=c3")), nil
		}
		p.requested <- struct{}{}
		select {
		case <-p.release:
			p.cancelled <- false
			return httpmock.NewStringResponse(200, page([]string{"u5", "u6"}, "")), nil
		case <-r.Context().Done():
			p.cancelled <- true
			return nil, r.Context().Err()
		}
	})
	return p
}

// waitFor fails the test, instead of hanging it, when ch stays silent.
func waitFor[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s", what)
		panic("unreachable")
	}
}

// TestListPrefetchesTheNextPage: while the consumer holds the second page's first item, the
// third page is already requested; the items still come in order, each page once.
func TestListPrefetchesTheNextPage(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	c, mt := newMockClient(t)
	p := newPagedUsers(t, mt)
	var got []string
	for u, err := range c.Users.List(t.Context(), testEnv, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if u.ID == "u3" {
			waitFor(t, p.requested, "request for the third page while the consumer works on the second")
			close(p.release)
		}
		got = append(got, u.ID)
	}
	if diff := cmp.Diff([]string{"u1", "u2", "u3", "u4", "u5", "u6"}, got); diff != "" {
		t.Errorf("users (-want +got):\n%s", diff)
	}
	close(p.paths)
	var paths []string
	for s := range p.paths {
		paths = append(paths, s)
	}
	users := "/v1/environments/" + testEnv + "/users"
	if diff := cmp.Diff([]string{"GET " + users + "?", "GET " + users + "?cursor=c2", "GET " + users + "?cursor=c3"}, paths); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if waitFor(t, p.cancelled, "answer to the second page") {
		t.Error("the third page's request was cancelled")
	}
}

// TestListBreakCancelsThePrefetch: a consumer that breaks out while the next page is being
// fetched cancels that request, and leaves no goroutine behind (goleak).
// Within the first page nothing is prefetched, so breaking there sends no other request.
func TestListBreakCancelsThePrefetch(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	c, mt := newMockClient(t)
	p := newPagedUsers(t, mt)
	var got []string
	for u, err := range c.Users.List(t.Context(), testEnv, nil) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, u.ID)
		if u.ID == "u3" {
			waitFor(t, p.requested, "request for the third page")
			break
		}
	}
	if diff := cmp.Diff([]string{"u1", "u2", "u3"}, got); diff != "" {
		t.Errorf("users (-want +got):\n%s", diff)
	}
	// The request was cancelled, not answered. (Not checked without waiting: httpmock runs a
	// responder in a goroutine of its own and returns as soon as the request's ctx ends, so the
	// responder may report after the loop, and the prefetch, have ended; goleak checks that no
	// goroutine of the SDK's is left.)
	if was := waitFor(t, p.cancelled, "the end of the third page's request"); !was {
		t.Error("the third page's request was answered, not cancelled")
	}
}

// TestListBreakInTheFirstPageSendsOneRequest: nothing is fetched ahead of a consumer that has
// not yet read past the first page.
func TestListBreakInTheFirstPageSendsOneRequest(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	c, mt := newMockClient(t)
	p := newPagedUsers(t, mt)
	for u, err := range c.Users.List(t.Context(), testEnv, nil) {
		if err != nil || u.ID == "u2" {
			break
		}
	}
	close(p.paths)
	var paths []string
	for s := range p.paths {
		paths = append(paths, s)
	}
	if diff := cmp.Diff([]string{"GET /v1/environments/" + testEnv + "/users?"}, paths); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}
