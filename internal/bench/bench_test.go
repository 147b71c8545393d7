package bench

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/seedb6d25dc8/pingone"
	"golang.org/x/oauth2"
)

const token = "bench-token"

func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return t
}

func clients(tb testing.TB, srv *Server) (*pingone.Client, *Hand) {
	tb.Helper()
	c, err := pingone.NewClient("", oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token}),
		pingone.WithBaseURL(srv.BaseURL()), pingone.WithHTTPClient(&http.Client{Transport: newTransport()}))
	if err != nil {
		tb.Fatal(err)
	}
	return c, NewHand(&http.Client{Transport: newTransport()}, srv.BaseURL(), token)
}

func fullPopulation() *pingone.Population {
	return &pingone.Population{Name: "Engineering", Description: "Engineering staff and contractors", Default: false,
		PasswordPolicy: &pingone.Ref{ID: "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a"}, Theme: &pingone.Ref{ID: "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"},
		PreferredLanguage: "en", AlternativeIdentifiers: []string{"eng", "r-and-d"}}
}

func handPopulation() *HandPopulation {
	p := fullPopulation()
	return &HandPopulation{Name: p.Name, Description: p.Description, PasswordPolicy: &HandRef{p.PasswordPolicy.ID},
		Theme: &HandRef{p.Theme.ID}, PreferredLanguage: p.PreferredLanguage, AlternativeIdentifiers: p.AlternativeIdentifiers}
}

func handRef(r *pingone.Ref) *HandRef {
	if r == nil {
		return nil
	}
	return &HandRef{r.ID}
}

func toHand(p *pingone.Population) HandPopulation {
	return HandPopulation{ID: p.ID, Environment: handRef(p.Environment), Name: p.Name, Description: p.Description, Default: p.Default,
		UserCount: p.UserCount, PasswordPolicy: handRef(p.PasswordPolicy), Theme: handRef(p.Theme), PreferredLanguage: p.PreferredLanguage,
		AlternativeIdentifiers: p.AlternativeIdentifiers, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

func toHandUser(u *pingone.User) HandUser {
	h := HandUser{ID: u.ID, Environment: handRef(u.Environment), Username: u.Username, Email: u.Email, ExternalID: u.ExternalID,
		Population: handRef(u.Population), Enabled: u.Enabled, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	h.Name.Given, h.Name.Middle, h.Name.Family, h.Name.Formatted = u.Name.Given, u.Name.Middle, u.Name.Family, u.Name.Formatted
	h.Lifecycle.Status = u.Lifecycle.Status
	return h
}

// sentReq is what a client sent, as the recording wrapper in TestSameRequestsSameData saw it.
type sentReq struct{ Method, URI, Body, Auth, ContentType string }

// TestSameRequestsSameData proves the two clients are comparable: the same requests on the wire
// and the same decoded data.
func TestSameRequestsSameData(t *testing.T) {
	var mu sync.Mutex
	var got []sentReq
	srv := NewServer(func(inner http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			got = append(got, sentReq{r.Method, r.URL.RequestURI(), string(b), r.Header.Get("Authorization"), r.Header.Get("Content-Type")})
			mu.Unlock()
			r.Body = http.NoBody
			inner.ServeHTTP(w, r)
		})
	})
	defer srv.Close()
	srv.Total.Store(250)
	c, h := clients(t, srv)
	ctx := t.Context()
	take := func() []sentReq {
		mu.Lock()
		defer mu.Unlock()
		out := got
		got = nil
		return out
	}
	type op struct {
		name string
		sdk  func() (any, error)
		hand func() (any, error)
	}
	ops := []op{
		{"Get", func() (any, error) {
			p, err := c.Populations.Get(ctx, EnvID, PopID)
			return toHand(p), err
		}, func() (any, error) { p, err := h.Get(ctx); return *p, err }},
		{"Create", func() (any, error) {
			p, err := c.Populations.Create(ctx, EnvID, fullPopulation())
			return toHand(p), err
		}, func() (any, error) { p, err := h.Create(ctx, handPopulation()); return *p, err }},
		{"Update", func() (any, error) {
			p, err := c.Populations.Update(ctx, EnvID, PopID, fullPopulation())
			return toHand(p), err
		}, func() (any, error) { p, err := h.Update(ctx, handPopulation()); return *p, err }},
		{"Delete", func() (any, error) { return nil, c.Populations.Delete(ctx, EnvID, PopID) },
			func() (any, error) { return nil, h.Delete(ctx) }},
		{"Move", func() (any, error) { return nil, c.Users.MovePopulation(ctx, EnvID, UserID, PopID) },
			func() (any, error) { return nil, h.Move(ctx) }},
		{"ListAll", func() (any, error) {
			var all []HandPopulation
			for p, err := range c.Populations.List(ctx, EnvID, &pingone.ListOptions{Limit: 7}) {
				if err != nil {
					return nil, err
				}
				all = append(all, toHand(p))
			}
			return all, nil
		}, func() (any, error) {
			var all []HandPopulation
			err := ListAll(ctx, h, h.pops()+"?limit=7", func(p *HandPopulation) { all = append(all, *p) })
			return all, err
		}},
		{"ListUsers", func() (any, error) {
			var all []HandUser
			for u, err := range c.Users.List(ctx, EnvID, &pingone.ListOptions{Limit: 7}) {
				if err != nil {
					return nil, err
				}
				all = append(all, toHandUser(u))
			}
			return all, nil
		}, func() (any, error) {
			var all []HandUser
			err := ListAll(ctx, h, h.env()+"/users?limit=7", func(u *HandUser) { all = append(all, *u) })
			return all, err
		}},
	}
	for _, o := range ops {
		sdkOut, err := o.sdk()
		if err != nil {
			t.Fatalf("%s sdk: %v", o.name, err)
		}
		sdkReqs := take()
		handOut, err := o.hand()
		if err != nil {
			t.Fatalf("%s hand: %v", o.name, err)
		}
		handReqs := take()
		if diff := cmp.Diff(handReqs, sdkReqs); diff != "" {
			t.Errorf("%s: requests differ (-hand +sdk):\n%s", o.name, diff)
		}
		if diff := cmp.Diff(handOut, sdkOut); diff != "" {
			t.Errorf("%s: decoded data differs (-hand +sdk):\n%s", o.name, diff)
		}
	}
}

func benchPair(b *testing.B, sdk func(context.Context, *pingone.Client) error, hand func(context.Context, *Hand) error) {
	srv := NewServer()
	defer srv.Close()
	c, h := clients(b, srv)
	for _, tt := range []struct {
		name string
		fn   func(context.Context) error
	}{{"impl=sdk", func(ctx context.Context) error { return sdk(ctx, c) }}, {"impl=hand", func(ctx context.Context) error { return hand(ctx, h) }}} {
		b.Run(tt.name, func(b *testing.B) {
			srv.Total.Store(int64(listTotal(b.Name())))
			ctx := context.Background()
			if err := tt.fn(ctx); err != nil { // renders the server's pages, outside the timing
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := tt.fn(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// listTotal reads the collection size from the benchmark name (BenchmarkListAll1000/...).
func listTotal(name string) int {
	for _, n := range []int{10000, 1000} {
		if strings.Contains(name, strconv.Itoa(n)) {
			return n
		}
	}
	return 100
}

func BenchmarkRoundTrip(b *testing.B) {
	srv := NewServer()
	defer srv.Close()
	_, h := clients(b, srv)
	b.ReportAllocs()
	for b.Loop() {
		if err := h.RoundTrip(context.Background(), srv.URL); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGet(b *testing.B) {
	benchPair(b, func(ctx context.Context, c *pingone.Client) error {
		_, err := c.Populations.Get(ctx, EnvID, PopID)
		return err
	}, func(ctx context.Context, h *Hand) error { _, err := h.Get(ctx); return err })
}

func BenchmarkCreate(b *testing.B) {
	p, hp := fullPopulation(), handPopulation()
	benchPair(b, func(ctx context.Context, c *pingone.Client) error {
		_, err := c.Populations.Create(ctx, EnvID, p)
		return err
	}, func(ctx context.Context, h *Hand) error { _, err := h.Create(ctx, hp); return err })
}

func BenchmarkUpdate(b *testing.B) {
	p, hp := fullPopulation(), handPopulation()
	benchPair(b, func(ctx context.Context, c *pingone.Client) error {
		_, err := c.Populations.Update(ctx, EnvID, PopID, p)
		return err
	}, func(ctx context.Context, h *Hand) error { _, err := h.Update(ctx, hp); return err })
}

func BenchmarkDelete(b *testing.B) {
	benchPair(b, func(ctx context.Context, c *pingone.Client) error { return c.Populations.Delete(ctx, EnvID, PopID) },
		func(ctx context.Context, h *Hand) error { return h.Delete(ctx) })
}

// BenchmarkDeleteCallerDeadline is Delete as a service makes it: each call under its own
// deadline (30 s). Both clients pay for the deadline; the SDK then adds no attempt deadline of
// its own (the caller's comes first), which is most of what a single call costs it otherwise.
func BenchmarkDeleteCallerDeadline(b *testing.B) {
	benchPair(b, func(ctx context.Context, c *pingone.Client) error {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		return c.Populations.Delete(ctx, EnvID, PopID)
	}, func(ctx context.Context, h *Hand) error {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		return h.Delete(ctx)
	})
}

func BenchmarkMovePopulation(b *testing.B) {
	benchPair(b, func(ctx context.Context, c *pingone.Client) error {
		return c.Users.MovePopulation(ctx, EnvID, UserID, PopID)
	},
		func(ctx context.Context, h *Hand) error { return h.Move(ctx) })
}

func BenchmarkListPage100(b *testing.B) {
	benchPair(b, func(ctx context.Context, c *pingone.Client) error {
		_, err := c.Populations.ListPage(ctx, EnvID, &pingone.ListOptions{Limit: 100})
		return err
	}, func(ctx context.Context, h *Hand) error {
		var p HandPage[HandPopulation] // a fresh page per call, as the SDK returns one
		return Page(ctx, h, h.pops()+"?limit=100", &p)
	})
}

func listAllSDK(ctx context.Context, c *pingone.Client) error {
	n := 0
	for _, err := range c.Populations.List(ctx, EnvID, &pingone.ListOptions{Limit: 100}) {
		if err != nil {
			return err
		}
		n++
	}
	return nil
}

func listAllHand(ctx context.Context, h *Hand) error {
	return ListAll(ctx, h, h.pops()+"?limit=100", func(*HandPopulation) {})
}

func BenchmarkListAll1000(b *testing.B)  { benchPair(b, listAllSDK, listAllHand) }
func BenchmarkListAll10000(b *testing.B) { benchPair(b, listAllSDK, listAllHand) }

func BenchmarkListUsers1000(b *testing.B) {
	benchPair(b, func(ctx context.Context, c *pingone.Client) error {
		for _, err := range c.Users.List(ctx, EnvID, &pingone.ListOptions{Limit: 100}) {
			if err != nil {
				return err
			}
		}
		return nil
	}, func(ctx context.Context, h *Hand) error {
		return ListAll(ctx, h, h.env()+"/users?limit=100", func(*HandUser) {})
	})
}

// TestListMemoryFlat lists 100,000 populations through List and checks the live heap stays under
// a fixed bound: one page at a time, never the collection.
func TestListMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("lists 100,000 populations")
	}
	srv := NewServer()
	defer srv.Close()
	srv.RenderEachTime = true // the server's pages would count in the heap measured
	srv.Total.Store(100_000)
	c, _ := clients(t, srv)
	const bound = 4 << 20
	var base runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&base)
	n, peak := 0, uint64(0)
	for _, err := range c.Populations.List(t.Context(), EnvID, &pingone.ListOptions{Limit: 100}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n%10_000 == 0 {
			var m runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapAlloc)
		}
	}
	if n != 100_000 {
		t.Fatalf("listed %d, want 100000", n)
	}
	if peak > base.HeapAlloc+bound {
		t.Errorf("live heap grew to %d bytes (from %d) while listing; want under %d more", peak, base.HeapAlloc, bound)
	}
	t.Logf("live heap while listing 100,000: peak %d KiB (start %d KiB)", peak>>10, base.HeapAlloc>>10)
}
