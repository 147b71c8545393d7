package pingone_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/seedb6d25dc8/pingone"
	"github.com/seedb6d25dc8/pingone/pingonetest"
)

// FuzzGetByName round-trips any name through GetByName's SCIM quoting and pingonetest's filter
// parser: quotes, backslashes, control characters and unicode all find exactly that population.
func FuzzGetByName(f *testing.F) {
	for _, s := range []string{`plain`, `a"b`, `a\b`, `\"`, `"\\"`, "tab\there", "Ünïcødé 人", `)(or name eq "x"`, "é\u0301", "\x00"} {
		f.Add(s)
	}
	srv := pingonetest.NewServer()
	defer srv.Close()
	c, err := srv.Client(pingone.WithRetryPolicy(pingone.RetryPolicy{MaxRetries: 0}))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if !utf8.ValidString(name) || strings.TrimSpace(name) == "" || len(name) > 512 {
			t.Skip()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		p, err := c.Populations.Create(ctx, srv.EnvironmentID, &pingone.Population{Name: name})
		if errors.Is(err, pingone.ErrConflict) {
			t.Skip() // equal, ignoring case, to one that exists ("default")
		}
		if err != nil {
			t.Fatalf("Create(%q): %v", name, err)
		}
		defer func() { _ = c.Populations.Delete(context.Background(), srv.EnvironmentID, p.ID) }()
		got, err := c.Populations.GetByName(ctx, srv.EnvironmentID, name)
		if err != nil || got.ID != p.ID || got.Name != name {
			t.Fatalf("GetByName(%q) = %+v, %v; want population %s", name, got, err, p.ID)
		}
	})
}
