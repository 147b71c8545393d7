package pingonetest_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/seedb6d25dc8/pingone"
	"github.com/seedb6d25dc8/pingone/pingonetest"
)

// TestLatency: every request, the token request included, takes at least the latency. Only
// lower bounds are checked: a wait is never shorter than asked, however busy the machine.
func TestLatency(t *testing.T) {
	for _, tt := range []struct {
		name    string
		latency time.Duration
		calls   int // requests the call makes: token and API, then API only
	}{
		{"first call fetches a token", 40 * time.Millisecond, 2},
		{"warm call", 40 * time.Millisecond, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := pingonetest.NewServer(pingonetest.WithLatency(tt.latency))
			t.Cleanup(srv.Close)
			c, err := srv.Client(pingone.WithRetryPolicy(pingone.RetryPolicy{MaxRetries: 0}))
			if err != nil {
				t.Fatal(err)
			}
			if tt.calls == 1 {
				if _, err := c.Populations.GetDefault(t.Context(), srv.EnvironmentID); err != nil {
					t.Fatal(err)
				}
				srv.Reset()
			}
			start := time.Now()
			if _, err := c.Populations.GetDefault(t.Context(), srv.EnvironmentID); err != nil {
				t.Fatal(err)
			}
			elapsed := time.Since(start)
			if n := len(srv.Requests()); n != tt.calls {
				t.Fatalf("requests = %d, want %d", n, tt.calls)
			}
			if want := time.Duration(tt.calls) * tt.latency; elapsed < want {
				t.Errorf("call took %v, want at least %v (%d requests × %v)", elapsed, want, tt.calls, tt.latency)
			}
		})
	}
}

// TestLatencyEndsWhenTheClientGivesUp: a request whose client cancels stops waiting and is not
// served; otherwise the handler would sleep on and Close, which waits for handlers, would hang.
func TestLatencyEndsWhenTheClientGivesUp(t *testing.T) {
	srv := pingonetest.NewServer(pingonetest.WithLatency(time.Hour))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/environments/"+srv.EnvironmentID+"/populations", nil)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	errc := make(chan error, 1)
	go func() {
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	for len(srv.Requests()) == 0 { // the request has arrived and is waiting
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("client error = %v, want context.Canceled", err)
	}
	closed := make(chan struct{})
	go func() { srv.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(time.Minute): // a watchdog against a hang, not a speed check
		t.Fatal("Close is still waiting for the handler: it sleeps on after the client gave up")
	}
	if got := srv.Requests()[0].Status; got != 0 {
		t.Errorf("status = %d, want 0 (not served)", got)
	}
}
