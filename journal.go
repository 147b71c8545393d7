package pingone

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// JournalFormat is the version of the journal a bulk job writes to BulkOptions.Journal, and the
// only one Undo reads. The format is stable: a later version of the SDK may add members, never
// rename or remove one, and bumps this number only for a change that Undo of this version could
// not read.
//
// A journal is JSON Lines (UTF-8, one JSON object and '\n' per line). Every line has "type" and
// "time" (RFC 3339, UTC, nanoseconds). Lines come in this order:
//
//		{"type":"header","format":1,"kind":"move-all","environment":"…","source":"…","target":"…",
//		 "filter":"…","dryRun":false,"sdk":"0.1.0","time":"…"}
//		{"type":"move","user":"…","from":"…","to":"…","outcome":"moved","time":"…"}
//		{"type":"delete","population":{…},"time":"…"}
//		{"type":"result","moved":5000,"skipped":0,"failed":0,"wouldMove":0,"error":"…","time":"…"}
//
//	  - header, first: "kind" is "move-all", "move-many", "retire" or "undo"; "source" is the
//	    source population ("" for move-many and undo), "target" the target population ("" for
//	    undo, whose moves go to several); "filter" and "dryRun" are the job's options; "sdk" is
//	    Version. A retire header also has "population": the population being retired, whole (as
//	    in the delete line), written before anything is changed, so Undo can recreate it even if
//	    the job was killed between the deletion and its line.
//	  - move, one per user: "user" is its id, "from" the population it was in, "to" the one it went
//	    to. "outcome" is "moved" for a move the server confirmed (a 2xx to the user's PUT) or
//	    "would-move" in a dry run (where a move-many's "from" is "", as a dry run reads no user).
//	    A line is written before the job counts the move in its progress or result, and only for
//	    a confirmed move: a move that failed, or whose answer never came, has no line (it is in
//	    BulkResult.Failed).
//	  - delete, retire only, after PingOne confirmed the DELETE: "population" is the deleted
//	    population as read before the job began: "id", "name", "description", "default",
//	    "userCount", "passwordPolicy" and "theme" (as {"id":…} with any other members PingOne
//	    sent), "preferredLanguage", "alternativeIdentifiers" and every member the SDK does not
//	    model (Population.Extra), by its own name.
//	  - result, last: the counts of BulkResult, and "error", the job's error ("" when none).
//
// Writes are serialised, one Write per line. When the writer fails, the job stops as if its ctx
// had ended and returns that error: the journal never silently misses a move. A crash or kill
// loses at most the lines of the moves that were in flight (and the result line); Undo reads a
// journal without a result line, and ignores a last line cut short.
const JournalFormat = 1

// Journal line types and move outcomes.
const (
	lineHeader = "header"
	lineMove   = "move"
	lineDelete = "delete"
	lineResult = "result"

	outcomeMoved     = "moved"
	outcomeWouldMove = "would-move"
)

// The lines a journal holds, their members in the documented order.
type (
	journalHeader struct {
		Type        string         `json:"type"`
		Format      int            `json:"format"`
		Kind        string         `json:"kind"`
		Environment string         `json:"environment"`
		Source      string         `json:"source"`
		Target      string         `json:"target"`
		Filter      string         `json:"filter"`
		DryRun      bool           `json:"dryRun"`
		SDK         string         `json:"sdk"`
		Population  jsontext.Value `json:"population,omitzero"` // retire only
		Time        time.Time      `json:"time"`
	}
	journalMove struct {
		Type    string    `json:"type"`
		User    string    `json:"user"`
		From    string    `json:"from"`
		To      string    `json:"to"`
		Outcome string    `json:"outcome"`
		Time    time.Time `json:"time"`
	}
	journalDelete struct {
		Type       string         `json:"type"`
		Population jsontext.Value `json:"population"`
		Time       time.Time      `json:"time"`
	}
	journalResult struct {
		Type      string    `json:"type"`
		Moved     int       `json:"moved"`
		Skipped   int       `json:"skipped"`
		Failed    int       `json:"failed"`
		WouldMove int       `json:"wouldMove"`
		Error     string    `json:"error"`
		Time      time.Time `json:"time"`
	}
)

// journalLine is what Undo reads of any line.
type journalLine struct {
	Type        string         `json:"type"`
	Format      int            `json:"format"`
	Kind        string         `json:"kind"`
	Environment string         `json:"environment"`
	Population  jsontext.Value `json:"population"`
	User        string         `json:"user"`
	From        *string        `json:"from"` // nil when absent, which a move line may not be
	To          string         `json:"to"`
	Outcome     string         `json:"outcome"`
}

// now is a journal line's time.
func now() time.Time { return time.Now().UTC() }

// encodePopulation returns p as a journal or snapshot records it: the whole model (Population's
// MarshalJSON: every field, read-only ones included, and Extra members by their own names), which
// Population decodes back.
func encodePopulation(p *Population) (jsontext.Value, error) {
	b, err := p.MarshalJSON()
	return jsontext.Value(b), err
}

// journalWriteError is a journal or snapshot writer's failure: the job stops on it.
type journalWriteError struct {
	what string // "journal" or "snapshot"
	err  error
}

func (e *journalWriteError) Error() string {
	return "pingone: writing the " + e.what + " failed, so the job stopped: " + e.err.Error()
}
func (e *journalWriteError) Unwrap() error { return e.err }

// journal writes a bulk job's journal, one Write per line. A nil *journal writes nothing.
type journal struct {
	mu  sync.Mutex
	w   io.Writer
	buf bytes.Buffer
	err error // the first write error: every later write returns it
}

func newJournal(w io.Writer) *journal {
	if w == nil {
		return nil
	}
	return &journal{w: w}
}

func (jr *journal) write(l any) error {
	if jr == nil {
		return nil
	}
	jr.mu.Lock()
	defer jr.mu.Unlock()
	if jr.err != nil {
		return jr.err
	}
	jr.buf.Reset()
	if err := json.MarshalWrite(&jr.buf, l); err != nil {
		jr.err = &journalWriteError{"journal", err}
		return jr.err
	}
	jr.buf.WriteByte('\n')
	if n, err := jr.w.Write(jr.buf.Bytes()); err != nil || n != jr.buf.Len() {
		jr.err = &journalWriteError{"journal", cmpErr(err, io.ErrShortWrite)}
	}
	return jr.err
}

func cmpErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// header writes the header line: kind, the job's populations and options. pop is the population
// a retire deletes, else nil.
func (j *bulkJob) header(kind, source, target string, pop *Population) error {
	l := &journalHeader{Type: lineHeader, Format: JournalFormat, Kind: kind, Environment: j.envID,
		Source: source, Target: target, Filter: j.opts.Filter, DryRun: j.opts.DryRun, SDK: Version}
	if pop != nil {
		v, err := encodePopulation(pop)
		if err != nil {
			return err
		}
		l.Population = v
	}
	l.Time = now()
	return j.jr.write(l)
}

// record writes the line of one user the server moved, or would move in a dry run.
func (j *bulkJob) record(id, from, outcome string) error {
	return j.jr.write(&journalMove{Type: lineMove, User: id, From: from, To: j.to, Outcome: outcome, Time: now()})
}

// deleted writes the line of a population the server deleted.
func (j *bulkJob) deleted(pop *Population) error {
	v, err := encodePopulation(pop)
	if err != nil {
		return err
	}
	return j.jr.write(&journalDelete{Type: lineDelete, Population: v, Time: now()})
}

// end writes the result line and returns the job's error: err, or the journal's failure when
// that is what stopped the job (or what the job's end met).
func (j *bulkJob) end(err error) error {
	if j.jr == nil {
		return err
	}
	res := j.result()
	l := &journalResult{Type: lineResult, Moved: res.Moved, Skipped: res.Skipped, Failed: len(res.Failed),
		WouldMove: len(res.WouldMove), Time: now()}
	if err != nil {
		l.Error = err.Error()
	}
	werr := j.jr.write(l)
	var jw *journalWriteError
	if werr != nil && (err == nil || errors.Is(err, context.Canceled) || errors.As(err, &jw)) {
		return werr
	}
	return err
}

// errAlreadyThere says a user the job was to move is in the target already: it is skipped.
var errAlreadyThere = errors.New("pingone: user already in the target population")

// move moves one user to the job's target and records it in the journal. When the job has no
// single source (MoveMany with a journal), it first reads the user to learn where it is:
// GET /environments/{envID}/users/{userID}.
func (j *bulkJob) move(ctx context.Context, id string, paced *callOpts) error {
	from := j.from
	if j.lookup {
		u, err := j.c.Users.Get(ctx, j.envID, id)
		if err != nil {
			return err
		}
		if from = popID(u); from == j.to {
			return errAlreadyThere
		}
	}
	if err := j.c.Users.movePopulation(ctx, j.envID, id, j.to, paced); err != nil {
		return err
	}
	return j.record(id, from, outcomeMoved)
}

// stopOnJournal reports whether err is a journal failure, which stops the job: the user it
// names was moved, only its line is missing.
func stopOnJournal(err error) bool {
	var jw *journalWriteError
	return errors.As(err, &jw)
}

// readJournal reads a journal: its header, and every line after it. A last line cut short (a
// write a crash interrupted) is ignored; any other line that is not valid is an error.
func readJournal(r io.Reader, each func(l *journalLine) error) (*journalLine, error) {
	dec := jsontext.NewDecoder(r)
	var hdr *journalLine
	for n := 1; ; n++ {
		v, err := dec.ReadValue()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, io.ErrUnexpectedEOF) && hdr != nil {
			break // the last line was cut short
		}
		if err != nil {
			return nil, fmt.Errorf("pingone: journal line %d: %w", n, err)
		}
		l := new(journalLine)
		if err := json.Unmarshal(v, l); err != nil {
			return nil, fmt.Errorf("pingone: journal line %d: %w", n, err)
		}
		if hdr == nil {
			if l.Type != lineHeader || l.Format != JournalFormat {
				return nil, fmt.Errorf("pingone: not a journal of format %d: line 1 is %q of format %d", JournalFormat, l.Type, l.Format)
			}
			hdr = l
			continue
		}
		if err := each(l); err != nil {
			return nil, fmt.Errorf("pingone: journal line %d: %w", n, err)
		}
	}
	if hdr == nil {
		return nil, errors.New("pingone: the journal is empty")
	}
	return hdr, nil
}
