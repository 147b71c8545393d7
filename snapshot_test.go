package pingone_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/seedb6d25dc8/pingone"
	"github.com/seedb6d25dc8/pingone/pingonetest"
)

// requestsAtWrite is a writer that notes how many requests the server had seen at each write.
type requestsAtWrite struct {
	srv *pingonetest.Server
	buf bytes.Buffer
	at  []int
}

func (w *requestsAtWrite) Write(p []byte) (int, error) {
	w.at = append(w.at, len(w.srv.Requests()))
	return w.buf.Write(p)
}

// TestSnapshot: the population and every member, streamed as the pages arrive (the first bytes
// reach the writer before the last page is asked for), then an end line with the count.
func TestSnapshot(t *testing.T) {
	b := newBulkEnv(t, 2500, pingonetest.WithPageSize(1000))
	w := &requestsAtWrite{srv: b.srv}
	n, err := b.c.Populations.Snapshot(t.Context(), b.env, b.from.ID, w)
	if err != nil || n != 2500 {
		t.Fatalf("Snapshot: %d, %v", n, err)
	}
	if diff := cmp.Diff(b.users, snapshotMembers(t, w.buf.Bytes(), b.from.ID), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	pages := 0
	for _, r := range b.srv.Requests() {
		if strings.HasSuffix(r.Path, "/users") {
			pages++
		}
	}
	if pages != 3 || w.at[0] >= len(b.srv.Requests()) {
		t.Errorf("%d pages; first write after %d of %d requests: not streamed", pages, w.at[0], len(b.srv.Requests()))
	}
	// A writer that fails is the error, and a population that does not exist is ErrNotFound.
	if _, err := b.c.Populations.Snapshot(t.Context(), b.env, b.from.ID, &failingWriter{}); !errors.Is(err, errDiskFull) {
		t.Errorf("failing writer: %v", err)
	}
	if _, err := b.c.Populations.Snapshot(t.Context(), b.env, "7f8e9d1c-0000-4000-8000-000000000000", &bytes.Buffer{}); !errors.Is(err, pingone.ErrNotFound) {
		t.Errorf("unknown population: %v", err)
	}
}
