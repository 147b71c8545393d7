package pingone

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jarcoal/httpmock"
)

// TestMoveManyCheck: MoveMany finds users already in the target with the one documented filter
// (population.id eq), counts a user as skipped only when a listed entry carries both its id and
// the target population, reads no more of the target than its budget, and moves everyone else.
func TestMoveManyCheck(t *testing.T) {
	const target = "44444444-4444-4444-8444-444444444444"
	u := func(i int) string { return fmt.Sprintf("55555555-5555-4555-8555-%012d", i) }
	member := func(id, pop string) string {
		if pop == "" {
			return `{"id":"` + id + `"}`
		}
		return `{"id":"` + id + `","population":{"id":"` + pop + `"}}`
	}
	page := func(next bool, members ...string) string {
		links := ""
		if next {
			links = `"_links":{"next":{"href":"` + apiBase + `/environments/` + testEnv + `/users?cursor=c2"}},`
		}
		return `{` + links + `"_embedded":{"users":[` + strings.Join(members, ",") + `]}}`
	}
	var strangers []string
	for i := range 25 {
		strangers = append(strangers, member(u(100+i), target))
	}
	listQuery := "filter=population.id+eq+%22" + target + "%22&limit=1000"
	getHeaders := map[string]string{"Authorization": "Bearer " + testToken, "Accept": "application/json"}
	putHeaders := map[string]string{"Authorization": "Bearer " + testToken, "Accept": "application/json", "Content-Type": "application/json"}
	tests := []struct {
		name             string
		ids              []string
		listing          string
		moved, skipped   int
		wantPuts         []string // users moved, in any order
		wantListRequests int
	}{
		{
			name: "only what the listing proves",
			ids:  []string{u(1), u(2), u(3), u(4)},
			listing: page(false,
				member(u(1), "66666666-6666-4666-8666-666666666666"), // listed, but elsewhere
				member(u(2), target),  // proven
				member(u(9), target),  // not asked about
				member(u(4), ""),      // no population in the entry
				member(u(2), target)), // listed twice, counted once
			moved: 3, skipped: 1, wantPuts: []string{u(1), u(3), u(4)}, wantListRequests: 1,
		},
		{
			// One user to move: at most 20 members are read, so the next page is never fetched.
			name: "budget", ids: []string{u(1)}, listing: page(true, strangers...),
			moved: 1, wantPuts: []string{u(1)}, wantListRequests: 1,
		},
		{
			name: "all found: stops reading", ids: []string{u(100)}, listing: page(true, strangers...),
			skipped: 1, wantListRequests: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mt := newMockClient(t)
			rec := answer(mt, ok(tt.listing), ok(`{"id":"`+target+`"}`))
			res, err := c.Users.MoveMany(t.Context(), testEnv, tt.ids, target, &BulkOptions{Concurrency: 1})
			if err != nil {
				t.Fatal(err)
			}
			if res.Moved != tt.moved || res.Skipped != tt.skipped || len(res.Failed) != 0 {
				t.Errorf("result %+v, want %d moved and %d skipped", res, tt.moved, tt.skipped)
			}
			reqs := rec.sent()
			var wantReqs []sent
			for range tt.wantListRequests {
				wantReqs = append(wantReqs, sent{Method: "GET", Path: "/v1/environments/" + testEnv + "/users", Query: listQuery, Header: getHeaders})
			}
			for _, id := range tt.wantPuts {
				wantReqs = append(wantReqs, sent{Method: "PUT", Path: "/v1/environments/" + testEnv + "/users/" + id + "/population",
					Header: putHeaders, Body: map[string]any{"id": target}})
			}
			if len(reqs) > tt.wantListRequests { // the moves run concurrently: compare them in path order
				slices.SortStableFunc(reqs[tt.wantListRequests:], func(a, b sent) int { return strings.Compare(a.Path, b.Path) })
			}
			if diff := cmp.Diff(wantReqs, reqs); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMoveManyCheckFails: when the target cannot be listed, MoveMany reports that error and moves
// nobody, rather than guessing.
func TestMoveManyCheckFails(t *testing.T) {
	c, mt := newMockClient(t)
	rec := answer(mt, status(403, `{"id":"e1","code":"ACCESS_FAILED","message":"You do not have access to this resource."}`))
	res, err := c.Users.MoveMany(t.Context(), testEnv, []string{testUser}, testPop, nil)
	if !errors.Is(err, ErrForbidden) || res == nil || res.Moved != 0 {
		t.Fatalf("MoveMany = %+v, %v; want ErrForbidden and nothing moved", res, err)
	}
	for _, r := range rec.sent() {
		if r.Method != "GET" {
			t.Errorf("sent %s %s after the check failed", r.Method, r.Path)
		}
	}
}

func TestMoveAllFilterCannotWiden(t *testing.T) {
	for _, f := range []string{`username sw "x") or (username sw "x"`, `username sw "x`, `(username sw "x"`, `username eq "a\"") or (x eq "`, `)`} {
		t.Run(f, func(t *testing.T) {
			c, mt := newMockClient(t)
			rec := answer(mt, ok(`{}`))
			_, err := c.Users.MoveAll(t.Context(), testEnv, testPop, "to", &BulkOptions{Filter: f})
			if !errors.Is(err, ErrInvalidArgument) || len(rec.sent()) != 0 {
				t.Errorf("err = %v after %d requests, want ErrInvalidArgument before any", err, len(rec.sent()))
			}
		})
	}
	for _, f := range []string{`username eq "a)b"`, `(email ew "@x") or (username sw "(")`, `username eq "a\"(b"`} {
		if err := checkFilter(f); err != nil {
			t.Errorf("checkFilter(%q) = %v, want nil", f, err)
		}
	}

	// A server whose listing returns users of other populations: only the source's are moved.
	c, mt := newMockClient(t)
	mt.RegisterRegexpResponder(http.MethodGet, regexpUsers, httpmock.NewStringResponder(200, `{"_embedded":{"users":[
		{"id":"in-source","population":{"id":"`+testPop+`"}},
		{"id":"elsewhere","population":{"id":"other-pop"}},
		{"id":"no-population"},
		{"id":"already","population":{"id":"to"}}]}}`))
	var puts []string
	var mu sync.Mutex
	mt.RegisterRegexpResponder(http.MethodPut, regexpMove, func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		puts = append(puts, r.URL.Path)
		mu.Unlock()
		return httpmock.NewStringResponse(200, `{}`), nil
	})
	res, err := c.Users.MoveAll(t.Context(), testEnv, testPop, "to", nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/v1/environments/" + testEnv + "/users/in-source/population"}; !cmp.Equal(want, puts) {
		t.Errorf("PUTs %v, want only %v", puts, want)
	}
	var failed []string
	for _, f := range res.Failed {
		failed = append(failed, f.UserID)
	}
	slices.Sort(failed)
	if res.Moved != 1 || res.Skipped != 1 || !cmp.Equal(failed, []string{"elsewhere", "no-population"}) {
		t.Errorf("result %+v, failed %v", res, failed)
	}
}

// TestMoveAnsweredAsCtxEndsCounts: a move the server made and answered while the job's ctx was
// ending is counted as moved.
func TestMoveAnsweredAsCtxEndsCounts(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var mu sync.Mutex
	moved := map[string]bool{}
	c, mt := newMockClient(t)
	mt.RegisterRegexpResponder(http.MethodPut, regexpMove, func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		moved[r.URL.Path] = true
		n := len(moved)
		mu.Unlock()
		if n == 40 {
			cancel() // the job is cancelled while this move's answer is on its way
			time.Sleep(20 * time.Millisecond)
		}
		return httpmock.NewStringResponse(200, `{}`), nil
	})
	var ids []string
	for i := range 100 {
		ids = append(ids, fmt.Sprintf("u%d", i))
	}
	mt.RegisterRegexpResponder(http.MethodGet, regexpUsers, httpmock.NewStringResponder(200, `{}`))
	res, err := c.Users.MoveMany(ctx, testEnv, ids, "to", &BulkOptions{Concurrency: 8})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if res.Moved != len(moved) || len(res.Failed) != 0 {
		t.Errorf("result says %d moved and %d failed; the server moved %d", res.Moved, len(res.Failed), len(moved))
	}
}

func TestRetireChecksArgumentsBeforeAnyRequest(t *testing.T) {
	tests := []struct{ env, pop, to string }{
		{testEnv, testPop, "bad/id"},
		{testEnv, testPop, testPop},
		{testEnv, "../x", ""},
		{"", testPop, ""},
	}
	for _, tt := range tests {
		c, mt := newMockClient(t)
		rec := answer(mt, ok(`{"id":"x","name":"n"}`))
		if _, err := c.Populations.Retire(t.Context(), tt.env, tt.pop, tt.to, nil); !errors.Is(err, ErrInvalidArgument) || len(rec.sent()) != 0 {
			t.Errorf("Retire(%q, %q, %q) = %v after %d requests", tt.env, tt.pop, tt.to, err, len(rec.sent()))
		}
	}
}

var (
	regexpUsers = regexp.MustCompile(`/users$`)
	regexpMove  = regexp.MustCompile(`/users/[^/]+/population$`)
)
