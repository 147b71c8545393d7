package pingone_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/seedb6d25dc8/pingone"
	"github.com/seedb6d25dc8/pingone/pingonetest"
)

// line is a journal line as the documented format (JournalFormat) describes it.
type line struct {
	Type        string          `json:"type"`
	Time        time.Time       `json:"time"`
	Format      int             `json:"format,omitempty"`
	Kind        string          `json:"kind,omitempty"`
	Environment string          `json:"environment,omitempty"`
	Source      string          `json:"source,omitempty"`
	Target      string          `json:"target,omitempty"`
	Filter      string          `json:"filter,omitempty"`
	DryRun      bool            `json:"dryRun,omitempty"`
	SDK         string          `json:"sdk,omitempty"`
	Population  json.RawMessage `json:"population,omitempty"`
	User        string          `json:"user,omitempty"`
	From        string          `json:"from,omitempty"`
	To          string          `json:"to,omitempty"`
	Outcome     string          `json:"outcome,omitempty"`
	Moved       int             `json:"moved,omitempty"`
	Skipped     int             `json:"skipped,omitempty"`
	Failed      int             `json:"failed,omitempty"`
	WouldMove   int             `json:"wouldMove,omitempty"`
	Error       string          `json:"error,omitempty"`
}

// readLines parses a journal strictly: every line is one JSON object ending in '\n'.
func readLines(t testing.TB, b []byte) []line {
	t.Helper()
	var out []line
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l line
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("line %d %q: %v", len(out)+1, sc.Text(), err)
		}
		if l.Time.IsZero() || l.Time.Location() != time.UTC {
			t.Fatalf("line %d has no UTC time: %q", len(out)+1, sc.Text())
		}
		out = append(out, l)
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		t.Fatalf("journal does not end in a newline")
	}
	return out
}

var ignoreTime = cmpopts.IgnoreFields(line{}, "Time")

func TestJournalMoveAll(t *testing.T) {
	b := newBulkEnv(t, 3, pingonetest.WithDeterministicIDs())
	for _, dry := range []bool{true, false} {
		var buf bytes.Buffer
		res, err := b.c.Users.MoveAll(t.Context(), b.env, b.from.ID, b.to.ID, &pingone.BulkOptions{Journal: &buf, DryRun: dry, Filter: `username sw "seed"`})
		if err != nil {
			t.Fatal(err)
		}
		outcome, moved, would := "moved", 3, 0
		if dry {
			outcome, moved, would = "would-move", 0, 3
		}
		want := []line{{Type: "header", Format: 1, Kind: "move-all", Environment: b.env, Source: b.from.ID, Target: b.to.ID,
			Filter: `username sw "seed"`, DryRun: dry, SDK: pingone.Version}}
		for _, id := range b.users {
			want = append(want, line{Type: "move", User: id, From: b.from.ID, To: b.to.ID, Outcome: outcome})
		}
		want = append(want, line{Type: "result", Moved: moved, WouldMove: would})
		got := readLines(t, buf.Bytes())
		// Moves run concurrently: their lines may come in any order.
		slices.SortFunc(got[1:len(got)-1], func(x, y line) int { return strings.Compare(x.User, y.User) })
		slices.SortFunc(want[1:len(want)-1], func(x, y line) int { return strings.Compare(x.User, y.User) })
		if diff := cmp.Diff(want, got, ignoreTime); diff != "" {
			t.Errorf("dry run %v: journal (-want +got):\n%s", dry, diff)
		}
		if res.Moved != moved || len(res.WouldMove) != would {
			t.Errorf("dry run %v: result %+v", dry, res)
		}
	}
}

// TestJournalMoveMany: MoveMany with a journal reads each user to record where it came from;
// users already in the target are skipped and have no line.
func TestJournalMoveMany(t *testing.T) {
	b := newBulkEnv(t, 2)
	other, err := b.c.Populations.Create(t.Context(), b.env, &pingone.Population{Name: "Other"})
	if err != nil {
		t.Fatal(err)
	}
	inOther, _ := b.srv.SeedUsers(other.ID, 1)
	there, _ := b.srv.SeedUsers(b.to.ID, 1)
	var buf bytes.Buffer
	ids := append(append(slices.Clone(b.users), inOther...), there...)
	res, err := b.c.Users.MoveMany(t.Context(), b.env, ids, b.to.ID, &pingone.BulkOptions{Journal: &buf})
	if err != nil || res.Moved != 3 || res.Skipped != 1 {
		t.Fatalf("MoveMany: %+v, %v", res, err)
	}
	// Every documented member is there, in the documented order, even when empty.
	first, _, _ := strings.Cut(buf.String(), "\n")
	wantHdr := `{"type":"header","format":1,"kind":"move-many","environment":"` + b.env + `","source":"","target":"` + b.to.ID +
		`","filter":"","dryRun":false,"sdk":"` + pingone.Version + `","time":"`
	if !strings.HasPrefix(first, wantHdr) {
		t.Errorf("header %s\nwant it to start %s", first, wantHdr)
	}
	got := readLines(t, buf.Bytes())
	want := []line{
		{Type: "header", Format: 1, Kind: "move-many", Environment: b.env, Target: b.to.ID, SDK: pingone.Version},
		{Type: "move", User: b.users[0], From: b.from.ID, To: b.to.ID, Outcome: "moved"},
		{Type: "move", User: b.users[1], From: b.from.ID, To: b.to.ID, Outcome: "moved"},
		{Type: "move", User: inOther[0], From: other.ID, To: b.to.ID, Outcome: "moved"},
		{Type: "result", Moved: 3, Skipped: 1},
	}
	slices.SortFunc(got[1:len(got)-1], func(x, y line) int { return slices.Index(ids, x.User) - slices.Index(ids, y.User) })
	if diff := cmp.Diff(want, got, ignoreTime); diff != "" {
		t.Errorf("journal (-want +got):\n%s", diff)
	}
}

// failingWriter accepts n writes, then fails every one.
type failingWriter struct {
	mu    sync.Mutex
	n     int
	lines int
}

var errDiskFull = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.lines >= w.n {
		return 0, errDiskFull
	}
	w.lines++
	return len(p), nil
}

// TestJournalWriterFails: a journal that cannot be written stops the job with its error; the
// only moves without a line are the ones already in flight, and none starts after.
func TestJournalWriterFails(t *testing.T) {
	for _, n := range []int{0, 1, 50} {
		b := newBulkEnv(t, 200)
		w := &failingWriter{n: n}
		res, err := b.c.Users.MoveAll(t.Context(), b.env, b.from.ID, b.to.ID, &pingone.BulkOptions{Journal: w, Concurrency: 4})
		if !errors.Is(err, errDiskFull) {
			t.Fatalf("after %d lines: err = %v, want the writer's", n, err)
		}
		if n == 0 {
			if res != nil || b.puts() != 0 {
				t.Errorf("no header, yet the job ran: %+v, %d PUTs", res, b.puts())
			}
			continue
		}
		journaled := w.lines - 1 // the header
		if res.Moved < journaled || res.Moved > journaled+4 {
			t.Errorf("after %d lines: %d moved, %d journaled: more than the 4 in flight went unrecorded", n, res.Moved, journaled)
		}
		if b.puts() != res.Moved {
			t.Errorf("after %d lines: %d PUTs, %d moved", n, b.puts(), res.Moved)
		}
	}
}

func TestReadJournalRefuses(t *testing.T) {
	b := newBulkEnv(t, 1)
	hdr := `{"type":"header","format":1,"kind":"move-all","environment":"` + b.env + `","time":"2026-01-01T00:00:00Z"}` + "\n"
	for name, tt := range map[string]struct {
		journal string
		want    string
	}{
		"empty":         {"", "journal is empty"},
		"no header":     {`{"type":"move","user":"u","from":"a","to":"b","outcome":"moved"}` + "\n", "not a journal of format 1"},
		"format 2":      {`{"type":"header","format":2}` + "\n", "not a journal of format 1"},
		"other env":     {`{"type":"header","format":1,"environment":"e2"}` + "\n", `of environment "e2"`},
		"bad line":      {hdr + "nonsense\n" + `{"type":"result"}` + "\n", "journal line 2"},
		"no from":       {hdr + `{"type":"move","user":"u","to":"b","outcome":"moved"}` + "\n", "without user, from or to"},
		"not an object": {hdr + "[1]\n", "journal line 2"},
	} {
		res, err := b.c.Users.Undo(t.Context(), b.env, strings.NewReader(tt.journal), nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) || res != nil {
			t.Errorf("%s: %v, %v; want an error containing %q", name, res, err, tt.want)
		}
	}
	if len(b.srv.Requests()) != 0 {
		t.Errorf("a refused journal sent %d requests", len(b.srv.Requests()))
	}
	// A last line cut short by a crash is ignored.
	res, err := b.c.Users.Undo(t.Context(), b.env, strings.NewReader(hdr+`{"type":"move","user":"`), nil)
	if err != nil || res.Moved != 0 {
		t.Errorf("cut last line: %+v, %v", res, err)
	}
	_, err = b.c.Users.Undo(t.Context(), b.env, io.MultiReader(), nil)
	if err == nil {
		t.Error("empty reader accepted")
	}
}
