package pingone_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/seedb6d25dc8/pingone"
	"github.com/seedb6d25dc8/pingone/pingonetest"
)

// killAfter is a journal that cancels the job's ctx once it holds n lines: a kill at a chosen
// point of the job, with everything before it on record.
type killAfter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	n      int
	cancel context.CancelFunc
}

func (w *killAfter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.n--; w.n == 0 {
		w.cancel()
	}
	return w.buf.Write(p)
}

// okPuts counts, per user, the PUTs of its population the server answered with a 2xx, among
// the requests from index since on.
func okPuts(srv *pingonetest.Server, since int) (map[string]int, int) {
	reqs := srv.Requests()
	m := map[string]int{}
	for _, r := range reqs[since:] {
		if r.Method == "PUT" && strings.HasSuffix(r.Path, "/population") && r.Status/100 == 2 {
			m[strings.Split(r.Path, "/")[5]]++
		}
	}
	return m, len(reqs)
}

// addFaults injects what a tenant does to a long job: 429s, 5xx, a dropped connection, and a move
// the server made but whose answer was lost. The faults are served in order, so one user may meet
// all four that are not 429s: the client's four retries see it through.
func addFaults(t testing.TB, srv *pingonetest.Server) {
	t.Helper()
	put := "/v1/environments/*/users/*/population"
	for _, f := range []pingonetest.Fault{
		{Method: "PUT", Path: put, Status: 429, RetryAfter: time.Millisecond, Times: 3},
		{Method: "PUT", Path: put, Status: 503, Times: 2},
		{Method: "PUT", Path: put, Status: 502, Apply: true, Times: 1},
		{Method: "PUT", Path: put, CloseConnection: true, Times: 1},
		{Method: "GET", Path: "/v1/environments/*/users", Status: 503, Times: 1},
	} {
		if err := srv.Fail(f); err != nil {
			t.Fatal(err)
		}
	}
}

// TestUndoAfterKill: a 5,000-user move killed at a random point, then undone from its journal
// (the undo itself killed once and resumed), leaves every user where it started, and moves no
// user twice, under a rate limit and faults.
func TestUndoAfterKill(t *testing.T) {
	const users = 5000
	b := newBulkEnv(t, users, pingonetest.WithRateLimit(20000), pingonetest.WithPageSize(1000))
	addFaults(t, b.srv)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	kill := 2 + rand.IntN(users-1) // the header, then a random number of moves
	jr := &killAfter{n: kill, cancel: cancel}
	res, err := b.c.Users.MoveAll(ctx, b.env, b.from.ID, b.to.ID, &pingone.BulkOptions{Journal: jr, Concurrency: 16})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("move: %v, want it killed", err)
	}
	if len(res.Failed) != 0 {
		t.Fatalf("move: failures %v", res.Failed)
	}
	moved, mark := okPuts(b.srv, 0)
	if len(moved) != res.Moved {
		t.Fatalf("move: server moved %d users, result says %d", len(moved), res.Moved)
	}
	t.Logf("killed after %d moves (asked at %d)", res.Moved, kill-1)

	// Undo, killed once partway, then run again from the same journal.
	journal := jr.buf.Bytes()
	addFaults(t, b.srv)
	uctx, ucancel := context.WithCancel(t.Context())
	defer ucancel()
	ujr := &killAfter{n: 2 + res.Moved/2, cancel: ucancel}
	res1, err := b.c.Users.Undo(uctx, b.env, bytes.NewReader(journal), &pingone.BulkOptions{Journal: ujr, Concurrency: 16})
	if err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("undo 1: %v", err)
	}
	res2, err := b.c.Users.Undo(t.Context(), b.env, bytes.NewReader(journal), &pingone.BulkOptions{Concurrency: 16})
	if err != nil || len(res2.Failed) != 0 || len(res1.Failed) != 0 {
		t.Fatalf("undo 2: %+v, %v (undo 1 failed %v)", res2, err, res1.Failed)
	}
	if res1.Moved+res2.Moved != res.Moved || res2.Skipped != res1.Moved {
		t.Errorf("undo moved %d then %d (skipping %d), want %d in all", res1.Moved, res2.Moved, res2.Skipped, res.Moved)
	}
	back, _ := okPuts(b.srv, mark)
	if diff := cmp.Diff(moved, back); diff != "" {
		t.Errorf("2xx PUTs per user, move vs undo (-move +undo):\n%s", diff)
	}
	for id, pop := range b.populationOf(t) {
		if pop != b.from.ID {
			t.Errorf("user %s is in %s after the undo", id, pop)
		}
	}
}

// TestUndoLeavesUsersMovedSince: users moved elsewhere after the journal, or deleted, are left
// alone and reported; the rest go back. A dry run changes nothing.
func TestUndoLeavesUsersMovedSince(t *testing.T) {
	b := newBulkEnv(t, 40, pingonetest.WithPageSize(7))
	var journal bytes.Buffer
	if _, err := b.c.Users.MoveAll(t.Context(), b.env, b.from.ID, b.to.ID, &pingone.BulkOptions{Journal: &journal}); err != nil {
		t.Fatal(err)
	}
	other, err := b.c.Populations.Create(t.Context(), b.env, &pingone.Population{Name: "Other"})
	if err != nil {
		t.Fatal(err)
	}
	elsewhere := []string{b.users[3], b.users[17]}
	for _, id := range elsewhere {
		if err := b.c.Users.MovePopulation(t.Context(), b.env, id, other.ID); err != nil {
			t.Fatal(err)
		}
	}
	gone := b.users[25]
	if err := b.c.Users.Delete(t.Context(), b.env, gone); err != nil {
		t.Fatal(err)
	}
	b.srv.Reset()

	dry, err := b.c.Users.Undo(t.Context(), b.env, bytes.NewReader(journal.Bytes()), &pingone.BulkOptions{DryRun: true})
	if err != nil || len(dry.WouldMove) != 37 || b.puts() != 0 {
		t.Fatalf("dry run: %d would move, %d PUTs, %v", len(dry.WouldMove), b.puts(), err)
	}
	var undoJournal bytes.Buffer
	res, err := b.c.Users.Undo(t.Context(), b.env, bytes.NewReader(journal.Bytes()), &pingone.BulkOptions{Journal: &undoJournal})
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range res.Failed {
		failed = append(failed, f.UserID)
		if want := pingone.ErrMovedSince; f.UserID != gone && !errors.Is(f.Err, want) {
			t.Errorf("user %s: %v, want %v", f.UserID, f.Err, want)
		}
		if f.UserID == gone && !errors.Is(f.Err, pingone.ErrNotFound) {
			t.Errorf("deleted user: %v, want ErrNotFound", f.Err)
		}
	}
	if diff := cmp.Diff(append(slices.Clone(elsewhere), gone), failed, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("reported users (-want +got):\n%s", diff)
	}
	if res.Moved != 37 {
		t.Errorf("moved %d back, want 37", res.Moved)
	}
	for id, pop := range b.populationOf(t) {
		want := b.from.ID
		if slices.Contains(elsewhere, id) {
			want = other.ID
		}
		if pop != want {
			t.Errorf("user %s is in %s, want %s", id, pop, want)
		}
	}
	// The undo's journal undoes the undo.
	lines := readLines(t, undoJournal.Bytes())
	if lines[0].Kind != "undo" || len(lines) != 37+2 || lines[1].From != b.to.ID || lines[1].To != b.from.ID {
		t.Fatalf("undo journal: %d lines, first %+v %+v", len(lines), lines[0], lines[1])
	}
	redo, err := b.c.Users.Undo(t.Context(), b.env, bytes.NewReader(undoJournal.Bytes()), nil)
	if err != nil || redo.Moved != 37 || len(redo.Failed) != 0 {
		t.Fatalf("undo of the undo: %+v, %v", redo, err)
	}
}

// TestUndoRetire: a retired population of 1,000 users comes back, with every field it had and
// every member, from Retire's journal; the snapshot Retire took lists them all.
func TestUndoRetire(t *testing.T) {
	b := newBulkEnv(t, 1000, pingonetest.WithPageSize(300), pingonetest.WithRateLimit(20000))
	ctx := t.Context()
	orig, err := b.c.Populations.Update(ctx, b.env, b.from.ID, &pingone.Population{Name: "Legacy", Description: "old staff",
		PasswordPolicy: &pingone.Ref{ID: "3b6c2c3a-4a3e-4c47-9d44-7f3f1c0a9b11"}, Theme: &pingone.Ref{ID: "9a0c1c3d-1b2e-4f60-8e77-2d1b9c7e5a22"},
		PreferredLanguage: "fr", AlternativeIdentifiers: []string{"legacy", "old"}})
	if err != nil {
		t.Fatal(err)
	}
	b.srv.Reset()
	addFaults(t, b.srv)
	var journal, snap bytes.Buffer
	res, err := b.c.Populations.Retire(ctx, b.env, b.from.ID, b.to.ID, &pingone.BulkOptions{Journal: &journal, Snapshot: &snap})
	if err != nil || res.Moved != 1000 {
		for _, f := range res.Failed {
			for _, r := range b.srv.Requests() {
				if strings.Contains(r.Path, f.UserID) {
					t.Log(r.Method, r.Status, r.Time.Format("05.000000"))
				}
			}
		}
		t.Fatalf("Retire: %+v, %v", res, err)
	}
	if _, err := b.c.Populations.Get(ctx, b.env, b.from.ID); !errors.Is(err, pingone.ErrNotFound) {
		t.Fatalf("retired population still there: %v", err)
	}
	lines := readLines(t, journal.Bytes())
	if l := lines[len(lines)-2]; l.Type != "delete" || !strings.Contains(string(l.Population), `"preferredLanguage":"fr"`) {
		t.Errorf("no delete line before the result: %+v", l)
	}
	members := snapshotMembers(t, snap.Bytes(), b.from.ID)
	if diff := cmp.Diff(b.users, members, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("snapshot members (-want +got):\n%s", diff)
	}

	addFaults(t, b.srv)
	undo, err := b.c.Users.Undo(ctx, b.env, bytes.NewReader(journal.Bytes()), nil)
	if err != nil || undo.Moved != 1000 || len(undo.Failed) != 0 {
		t.Fatalf("Undo: %+v, %v", undo, err)
	}
	back, err := b.c.Populations.GetByName(ctx, b.env, "Legacy")
	if err != nil {
		t.Fatal(err)
	}
	ignore := cmpopts.IgnoreFields(pingone.Population{}, "ID", "UserCount", "CreatedAt", "UpdatedAt")
	if diff := cmp.Diff(orig, back, ignore); diff != "" {
		t.Errorf("recreated population (-retired +recreated):\n%s", diff)
	}
	if back.ID == b.from.ID {
		t.Errorf("the fake reused the id %s", back.ID)
	}
	now := b.populationOf(t)
	for _, id := range b.users {
		if pop := now[id]; pop != back.ID {
			t.Fatalf("user %s is in %s, not the recreated population", id, pop)
		}
	}
	// Running it again finds the population by name and everyone home: nothing to do.
	again, err := b.c.Users.Undo(ctx, b.env, bytes.NewReader(journal.Bytes()), nil)
	if err != nil || again.Moved != 0 || again.Skipped != 1000 {
		t.Errorf("second undo: %+v, %v", again, err)
	}
}

// snapshotMembers checks a snapshot's shape and returns its members' ids.
func snapshotMembers(t *testing.T, b []byte, popID string) []string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if !strings.HasPrefix(lines[0], `{"type":"population",`) || !strings.Contains(lines[0], `"id":"`+popID+`"`) {
		t.Fatalf("snapshot starts with %q", lines[0])
	}
	var ids []string
	for _, l := range lines[1 : len(lines)-1] {
		var m struct{ Type, ID, Username, PopulationID string }
		if err := json.Unmarshal([]byte(l), &m); err != nil || m.Type != "member" || m.PopulationID != popID || m.Username == "" {
			t.Fatalf("snapshot line %q: %v", l, err)
		}
		ids = append(ids, m.ID)
	}
	if want := `{"type":"end","members":` + strconv.Itoa(len(ids)) + `}`; lines[len(lines)-1] != want {
		t.Fatalf("snapshot ends with %q, want %q", lines[len(lines)-1], want)
	}
	return ids
}
