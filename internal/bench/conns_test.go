package bench

import (
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seedb6d25dc8/pingone"
	"golang.org/x/oauth2"
)

// TestMain makes the system roots trust httptest's certificate, so that the SDK's own transport
// and a user's plain http.Client reach the TLS servers as they would reach PingOne, without a
// hand-made TLS config. Every httptest server has the same certificate, and Go reads
// SSL_CERT_FILE when it first needs the roots.
func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	srv.Close()
	dir, err := os.MkdirTemp("", "pingone-bench")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(file, cert, 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := os.Setenv("SSL_CERT_FILE", file); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// connCase is a way a user builds the client for a bulk job.
type connCase struct {
	name   string
	client func() *http.Client // nil: the SDK's own (no WithHTTPClient)
}

func (c connCase) build() *http.Client {
	if c.client == nil {
		return nil
	}
	return c.client()
}

var connCases = []connCase{
	{"sdk-default", nil},
	// The client most users write: http.DefaultTransport, which keeps 2 idle connections a host.
	{"user-default-transport", func() *http.Client { return &http.Client{Timeout: time.Minute} }},
	// A user's transport tuned as the SDK tunes its own.
	{"user-transport-idle-64", func() *http.Client {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 64
		return &http.Client{Transport: t}
	}},
}

// bulkConns runs MoveAll over users users with default options against a TLS server (HTTP/2
// when h2) and returns the TCP connections it opened and how many requests came over HTTP/2.
// Each move takes a millisecond on the server, so the workers overlap.
func bulkConns(tb testing.TB, h2 bool, hc *http.Client, users int) (conns int, requests, overH2 int64) {
	tb.Helper()
	var all, two atomic.Int64
	srv := NewTLSServer(h2, func(inner http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			all.Add(1)
			if r.ProtoMajor == 2 {
				two.Add(1)
			}
			if r.Method == http.MethodPut {
				time.Sleep(time.Millisecond)
			}
			inner.ServeHTTP(w, r)
		})
	})
	defer srv.Close()
	srv.Total.Store(int64(users))
	opts := []pingone.Option{pingone.WithBaseURL(srv.BaseURL())}
	if hc != nil {
		opts = append(opts, pingone.WithHTTPClient(hc))
	}
	c, err := pingone.NewClient("", oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token}), opts...)
	if err != nil {
		tb.Fatal(err)
	}
	defer c.CloseIdleConnections()
	res, err := c.Users.MoveAll(tb.Context(), EnvID, SourcePopID, PopID, nil)
	if err != nil || res.Moved != users || len(res.Failed) != 0 {
		tb.Fatalf("MoveAll: %+v, %v", res, err)
	}
	return int(srv.Conns.Load()), all.Load(), two.Load()
}

// TestBulkJobOverHTTP2UsesOneConnection: over TLS with HTTP/2 on the server, a bulk job's
// concurrent moves share one connection, with the SDK's transport and with a user's client.
func TestBulkJobOverHTTP2UsesOneConnection(t *testing.T) {
	for _, cc := range connCases {
		t.Run(cc.name, func(t *testing.T) {
			conns, reqs, overH2 := bulkConns(t, true, cc.build(), 200)
			if conns != 1 || overH2 != reqs {
				t.Errorf("%d connections, %d of %d requests over HTTP/2; want 1 connection, all over HTTP/2", conns, overH2, reqs)
			}
		})
	}
}

// BenchmarkConnections reports the connections a bulk job of 400 moves (default options, so up to 64
// workers) opens over TLS with HTTP/2 and with HTTP/1.1 only, for each way of building the
// client. Over HTTP/1.1 the target is no more connections than workers.
//
//	go test -run '^$' -bench Connections -benchtime 1x ./internal/bench
func BenchmarkConnections(b *testing.B) {
	for _, proto := range []string{"h2", "http1.1"} {
		for _, cc := range connCases {
			b.Run("proto="+proto+"/client="+cc.name, func(b *testing.B) {
				var conns int
				for range b.N {
					conns, _, _ = bulkConns(b, proto == "h2", cc.build(), 400)
				}
				b.ReportMetric(float64(conns), "conns")
				b.ReportMetric(float64(conns)/64, "conns/worker") // default options: up to 64 moves in flight
			})
		}
	}
}
