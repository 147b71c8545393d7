package bench

import "testing"

// TestBulkJobOverHTTP1KeepsToItsWorkers: over TLS with HTTP/1.1 only, a bulk job with default
// options on the SDK's own transport opens no more connections than it has workers (the
// default cap of 64 moves in flight), however its workers race the connection pool.
func TestBulkJobOverHTTP1KeepsToItsWorkers(t *testing.T) {
	const workers = 64
	conns, reqs, overH2 := bulkConns(t, false, nil, 400)
	if conns > workers || overH2 != 0 {
		t.Errorf("%d connections, %d of %d requests over HTTP/2; want at most %d connections, none over HTTP/2", conns, overH2, reqs, workers)
	}
}
