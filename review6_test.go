package pingone

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"golang.org/x/oauth2"
)

// TestReview6OwnCursorRefused (FAILS). cursorOf keeps a next link whole when its path is not
// byte-for-byte the page's ("A link to another path ... is kept whole, as nextURL checks it
// again on resuming"), and the listing itself follows such a link. But listURL now refuses a
// whole-link cursor whose decoded path differs from the listing's own in any byte. So a
// NextCursor this SDK returned is refused by the very listing it came from when PingOne writes
// the environment id in lower case while the caller passed it in upper case (UUIDs are
// case-insensitive, and PingOne canonicalises them), or when the next link has a trailing slash.
// Iterating follows such a link (fetchPage does not check its path); resuming the same listing
// with ListPage and the cursor is ErrInvalidArgument (both passed at dac515a). A user expects Page.NextCursor to resume the listing that produced it.
func TestReview6OwnCursorRefused(t *testing.T) {
	const upperEnv = "AAAAAAAA-1111-4111-8111-11111111111A" // as the caller wrote it
	lowerEnv := strings.ToLower(upperEnv)                   // as PingOne writes it
	tests := []struct {
		name, env, next string
	}{
		{"environment id in another case", upperEnv, apiBase + "/environments/" + lowerEnv + "/users?cursor=abc"},
		{"trailing slash", testEnv, apiBase + "/environments/" + testEnv + "/users/?cursor=abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mt := newMockClient(t)
			answer(mt, ok(`{"_embedded":{"users":[{"id":"u1","username":"a"}]},"_links":{"next":{"href":"`+tt.next+`"}}}`),
				ok(`{"_embedded":{"users":[{"id":"u2","username":"b"}]}}`))
			p, err := c.Users.ListPage(t.Context(), tt.env, nil)
			if err != nil {
				t.Fatalf("first page: %v", err)
			}
			if p.NextCursor == "" {
				t.Fatal("no NextCursor")
			}
			p2, err := c.Users.ListPage(t.Context(), tt.env, &ListOptions{Cursor: p.NextCursor})
			if err != nil {
				t.Fatalf("ListPage with the NextCursor it returned (%q): %v", p.NextCursor, err)
			}
			if len(p2.Items) != 1 || p2.Items[0].ID != "u2" {
				t.Errorf("second page = %+v, want u2", p2.Items)
			}
		})
	}
}

// TestReview6ExtraUnpairedSurrogateIsNotStrictJSON (FAILS). keepExtra promises "Extra holds
// only valid JSON (so Update can send it back)", and strictJSON now checks a scalar with
// utf8.Valid alone. But the decoder's AllowInvalidUTF8 also lets through a string escaping an
// unpaired UTF-16 surrogate ("\ud800"): plain ASCII, so utf8.Valid passes, yet it is not valid
// JSON (jsontext.Value.IsValid is false). Before this change such a value was re-encoded (to
// "\ufffd") and kept; now Extra holds the invalid value, which Update then silently leaves out of
// its PUT body (appendObject skips invalid Extra), so the member PingOne holds is erased by an
// Update that never touched it. A user expects Extra to be valid JSON and Update to send it.
func TestReview6ExtraUnpairedSurrogateIsNotStrictJSON(t *testing.T) {
	var u User
	if err := u.UnmarshalJSON([]byte(`{"id":"u","username":"ada","nickname":"x\ud800y","title":"\udc00"}`)); err != nil {
		t.Fatalf("UnmarshalJSON: %v", err)
	}
	for _, k := range []string{"nickname", "title"} {
		v, ok := u.Extra[k]
		if !ok {
			t.Errorf("Extra[%q] missing", k)
			continue
		}
		if !jsontext.Value(v).IsValid() {
			t.Errorf("Extra[%q] = %s: not valid JSON, so Update drops it", k, v)
		}
	}
	c, mt := newMockClient(t)
	rec := answer(mt, ok(`{"id":"u","username":"ada"}`))
	if _, err := c.Users.Update(t.Context(), testEnv, testUser, &u); err != nil {
		t.Fatalf("Update: %v", err)
	}
	sent := rec.sent()
	if len(sent) != 1 {
		t.Fatalf("sent %d requests", len(sent))
	}
	body, _ := sent[0].Body.(map[string]any)
	for _, k := range []string{"nickname", "title"} {
		if _, ok := body[k]; !ok {
			t.Errorf("Update body %v lacks %q: PingOne would erase it", body, k)
		}
	}
}

// TestReview6TruncatedPointerLeaksPartOfTheToken (FAILS). redact.go now adds the JSON pointer
// forms of a credential, because a decode error quotes where it failed and a server may echo the
// token as a member name. But jsontext's SyntacticError quotes that pointer truncated to 100
// bytes ("/_embedded/users/0/…<last 50 bytes>"): the tail of a long credential appears in the
// error in a form no redaction form matches. Real access tokens are hundreds of bytes. A user
// expects no part of the token (here 50 of its bytes) in any error.
func TestReview6TruncatedPointerLeaksPartOfTheToken(t *testing.T) {
	longToken := "tok-SECRET-" + strings.Repeat("0123456789abcdef", 6) // 107 bytes
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		fmt.Fprintf(w, `{"_embedded":{"users":[{"id":"u","username":"ada",%q:tru}]}}`, tok)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient("", oauth2.StaticTokenSource(&oauth2.Token{AccessToken: longToken}),
		WithBaseURL(srv.URL+"/v1"), WithRetryPolicy(RetryPolicy{MaxRetries: 0}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Users.ListPage(t.Context(), testEnv, nil)
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	const window = 24 // any 24 consecutive bytes of the token
	for i := 0; i+window <= len(longToken); i++ {
		if part := longToken[i : i+window]; strings.Contains(msg, part) {
			t.Fatalf("the error holds %q, part of the token:\n%s", part, msg)
		}
	}
}

// TestReview6ContentLengthClaimAllocatesItsSize (FAILS). handle now reads a body of known length
// into a buffer it first grows to the Content-Length the server claims (up to maxBody, 32 MiB),
// before a byte of it arrives. A server (or anything on the path) that claims 32 MiB and sends
// two bytes costs 32 MiB per call (64 MiB measured: Grow allocates and copies): 100 concurrent calls,
// over 3 GiB, from headers alone. Before, a
// body was decoded as it arrived, and memory followed what was received. (The buffer, being over
// 1 MiB, is then not even pooled: every such call allocates afresh.) A user expects memory to
// follow the bytes received, not a header's claim. Allocation is counted, not timed.
func TestReview6ContentLengthClaimAllocatesItsSize(t *testing.T) {
	base := r5RawServer(t, func(*http.Request, []byte) string {
		return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 33554000\r\nConnection: close\r\n\r\n{}"
	})
	c, err := NewClient("", staticToken(), WithBaseURL(base+"/v1"), WithRetryPolicy(RetryPolicy{MaxRetries: 0}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	_, _ = c.Populations.Get(t.Context(), testEnv, testPop) // warm up: connections, pools
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const calls = 4
	for range calls {
		_, _ = c.Populations.Get(t.Context(), testEnv, testPop)
	}
	runtime.ReadMemStats(&after)
	if perCall := (after.TotalAlloc - before.TotalAlloc) / calls; perCall > 4<<20 {
		t.Errorf("each call allocated %d MiB for a 2-byte body that claimed 32 MiB", perCall>>20)
	}
}

// TestReview6ContentLengthTooLongLosesACompleteAnswer (FAILS). The unknown-length path exists
// because "a server may send the JSON and then stall before ending the body"; a body of known
// length is now read to its declared end before decoding. A server (or proxy) whose Content-Length
// overstates a complete JSON answer by one byte and then closes the connection now fails the call
// with unexpected EOF, though the whole document arrived; before this change it was decoded and
// the call succeeded (the decoder stops at the value's end). For a non-idempotent call (Create)
// the change was made, yet the caller is told it failed. A user expects the complete answer to be
// used, as it is when the length is unknown.
func TestReview6ContentLengthTooLongLosesACompleteAnswer(t *testing.T) {
	const doc = `{"id":"` + testPop + `","name":"p"}`
	base := r5RawServer(t, func(*http.Request, []byte) string {
		return fmt.Sprintf("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(doc)+1, doc)
	})
	c, err := NewClient("", staticToken(), WithBaseURL(base+"/v1"), WithRetryPolicy(RetryPolicy{MaxRetries: 0}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	p, err := c.Populations.Create(t.Context(), testEnv, &Population{Name: "p"})
	if err != nil {
		t.Fatalf("Create: %v; the whole answer arrived", err)
	}
	if p.ID != testPop {
		t.Errorf("ID = %q, want %q", p.ID, testPop)
	}
}

// TestReview6ReleaseKeepsTheToken (FAILS). release says it "clears what the retrier held for its
// call (the request, tokens, the call's secrets)" so that the pool keeps no token; it clears
// bearers but not bearer, the Authorization value of the call's last attempt, which stays in
// the pooled retrier ("Bearer tok-…") until another call takes it, or for the process's life. A
// user expects the pool to hold no credential once the call has returned.
func TestReview6ReleaseKeepsTheToken(t *testing.T) {
	c, _ := newMockClient(t)
	r := c.retrier(context.Background(), http.MethodGet, "/v1/x", false, nil)
	r.carried("Bearer " + testToken)
	c.release(r)
	if containsSecret(r.bearer()) || len(r.secrets()) != 0 {
		t.Errorf("released retrier still holds bearer %q / secrets %q", r.bearer(), r.secrets())
	}
}

// TestReview6HTTP2WholeAnswerThenStall (FAILS). handle decodes a body of unknown length as it
// arrives because "a server may send the JSON and then stall before ending the body", and reads a
// body of known length whole first, assuming it ends at its Content-Length. Over HTTP/1.1 net/http
// ends it there; over HTTP/2 it does not: the body ends at the stream's END_STREAM, which a server
// may send long after the last DATA frame. A server that sends its whole answer, with a correct
// Content-Length, and then holds the stream open now makes every attempt wait out the attempt
// timeout and the call fail, where before (and with no Content-Length today) the answer was used
// at once. A user expects the complete answer to be used on HTTP/2 as on HTTP/1.1. (The bound
// below is a liveness guard, not a speed check: the assertion is on the outcome.)
func TestReview6HTTP2WholeAnswerThenStall(t *testing.T) {
	srv, _ := r3Server(t, true, func(w http.ResponseWriter, r *http.Request, _ int) {
		r3Headers(w, r3Population) // Content-Length is the document's, and all of it is sent
		r3Stall(r)
	})
	c := r3Client(t, srv, WithAttemptTimeout(300*time.Millisecond), WithRetryPolicy(RetryPolicy{MaxRetries: 1, MinWait: time.Millisecond}))
	err := r3Within(t, 15*time.Second, func() error { _, err := c.Populations.Get(context.Background(), testEnv, testPop); return err })
	if err != nil {
		t.Errorf("Get: %v; want the whole answer the server sent to be used", err)
	}
}
