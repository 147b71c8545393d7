package main

import (
	"bytes"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/seedb6d25dc8/pingone"
)

var journalLine = regexp.MustCompile(`(?m)^journal: (migrate-users-\d{8}T\d{6}Z(\.undo)?(-\d+)?\.jsonl) \(undo with: migrate-users -undo (\S+)\)$`)

// runOK runs the tool and returns its output, failing the test on another exit status.
func runOK(t *testing.T, want int, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	if code := run(t.Context(), args, &out, io.Discard); code != want {
		t.Fatalf("%q: exit %d, want %d:\n%s", args, code, want, out.String())
	}
	return out.String()
}

// journalOf returns the journal path a run printed, and checks the file is there.
func journalOf(t *testing.T, out string) string {
	t.Helper()
	m := journalLine.FindStringSubmatch(out)
	if m == nil || m[1] != m[4] {
		t.Fatalf("no journal line in:\n%s", out)
	}
	if _, err := os.Stat(m[1]); err != nil {
		t.Fatal(err)
	}
	return m[1]
}

// TestJournalThenUndo: a run on a tenant writes a journal by default and says where; -undo moves
// everyone back, writes a journal of its own, and a second -undo finds everyone already back.
func TestJournalThenUndo(t *testing.T) {
	srv, c, from := tenant(t, 25)
	path := journalOf(t, runOK(t, exitOK, "-from", "Old", "-to", "New"))
	if p, _ := c.Populations.Get(t.Context(), srv.EnvironmentID, from.ID); p.UserCount != 0 {
		t.Fatalf("source holds %d users after the move", p.UserCount)
	}
	out := runOK(t, exitOK, "-undo", path, "-dry-run")
	if !strings.Contains(out, "dry run: 25 users would move back; nothing was changed") || journalLine.MatchString(out) {
		t.Errorf("dry-run undo:\n%s", out)
	}
	out = runOK(t, exitOK, "-undo", path)
	if !strings.Contains(out, "moved back 25, already back 0, moved elsewhere since (left there) 0, failed 0") {
		t.Errorf("undo:\n%s", out)
	}
	if undoPath := journalOf(t, out); !strings.Contains(undoPath, ".undo") {
		t.Errorf("undo journal %q", undoPath)
	}
	if p, _ := c.Populations.Get(t.Context(), srv.EnvironmentID, from.ID); p.UserCount != 25 {
		t.Errorf("source holds %d users after the undo, want 25", p.UserCount)
	}
	// The second undo of the same journal: a new journal file (the first is never overwritten).
	if out := runOK(t, exitOK, "-undo", path, "-journal", "again.jsonl"); !strings.Contains(out, "moved back 0, already back 25") {
		t.Errorf("second undo:\n%s", out)
	}
	if code := run(t.Context(), []string{"-undo", path, "-journal", "again.jsonl"}, io.Discard, io.Discard); code != exitUsage {
		t.Errorf("an existing -journal file: exit %d, want %d", code, exitUsage)
	}
}

// TestRetireSnapshotAndUndo: -retire writes a snapshot next to the journal before it deletes;
// -undo brings the population back with its users.
func TestRetireSnapshotAndUndo(t *testing.T) {
	srv, c, _ := tenant(t, 12)
	out := runOK(t, exitOK, "-from", "Old", "-to", "New", "-retire", "-journal", "retire.jsonl")
	snap, err := os.ReadFile("retire.snapshot.jsonl")
	if err != nil || strings.Count(string(snap), `"type":"member"`) != 12 || !strings.Contains(out, "snapshot of the population before it was deleted: retire.snapshot.jsonl") {
		t.Fatalf("snapshot %q, %v; output:\n%s", snap, err, out)
	}
	if _, err := c.Populations.GetByName(t.Context(), srv.EnvironmentID, "Old"); err == nil {
		t.Fatal("Old was not deleted")
	}
	runOK(t, exitOK, "-undo", "retire.jsonl")
	p, err := c.Populations.GetByName(t.Context(), srv.EnvironmentID, "Old")
	if err != nil || p.UserCount != 12 {
		t.Errorf("after the undo: %+v, %v; want Old with 12 users", p, err)
	}
}

// TestUndoReportsUsersMovedSince: a user moved elsewhere after the run is left there, named,
// and the exit status says not every user went back.
func TestUndoReportsUsersMovedSince(t *testing.T) {
	srv, c, from := tenant(t, 5)
	path := journalOf(t, runOK(t, exitOK, "-from", "Old", "-to", "New"))
	other, err := c.Populations.Create(t.Context(), srv.EnvironmentID, &pingone.Population{Name: "Other"})
	if err != nil {
		t.Fatal(err)
	}
	var moved string
	for u := range c.Users.List(t.Context(), srv.EnvironmentID, nil) {
		moved = u.ID
		break
	}
	if err := c.Users.MovePopulation(t.Context(), srv.EnvironmentID, moved, other.ID); err != nil {
		t.Fatal(err)
	}
	out := runOK(t, exitFailed, "-undo", path)
	if !strings.Contains(out, "moved back 4, already back 0, moved elsewhere since (left there) 1") || !strings.Contains(out, "not moved back: user "+moved) {
		t.Errorf("undo:\n%s", out)
	}
	if p, _ := c.Populations.Get(t.Context(), srv.EnvironmentID, from.ID); p.UserCount != 4 {
		t.Errorf("source holds %d, want 4", p.UserCount)
	}
}
