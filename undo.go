package pingone

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/go-json-experiment/json"
)

// ErrMovedSince is in the BulkFailure of a user Undo left alone: it is no longer in the
// population the journal moved it to, so someone moved it since, and Undo does not undo that.
var ErrMovedSince = errors.New("pingone: user moved since the journal was written; left where it is")

// undoMove is one user Undo is to move back: from at (where the journal put it) to back.
type undoMove struct{ at, back string }

// Undo reverses the bulk job that a journal (BulkOptions.Journal of MoveAll, MoveMany, Retire or
// Undo) records: it moves every user the journal moved back to the population it came from,
// with the pacer, progress, result and journal of any bulk job (so an undo can be undone too).
//
// It moves a user only if the user is still where the journal put it. It first lists the
// populations the journal moved users to and from (GET /environments/{envID}/users?filter=
// population.id eq "…", at most twenty entries per user, as MoveMany does), and reads each user
// it did not see listed (GET /environments/{envID}/users/{userID}). A user already back counts
// as skipped, so running Undo again after an interruption moves only the rest; a user found in
// any other population is left there and listed in Failed with ErrMovedSince; a user that no
// longer exists is in Failed with ErrNotFound. Then it moves the others back:
// PUT /environments/{envID}/users/{userID}/population. The check comes just before the job
// (PingOne has no conditional move), so a user moved by someone else while Undo runs may still
// be moved back.
//
// For the journal of a Retire, if the retired population no longer exists, Undo first recreates
// it from the journal's record (name, description, default flag, password policy, theme,
// language, alternative identifiers and the members the SDK does not model), or uses the
// population of that name if there is one (see PopulationsService.Ensure); its users then go
// back there, under its new id. With opts.DryRun nothing is created or moved, and
// BulkResult.WouldMove lists who would move back.
//
// The journal must be of this environment and of JournalFormat; lines with a dry run's outcome
// are ignored. opts.Filter must be empty. The error is the ctx's, a listing's, the recreation's
// or the journal's; per-user failures are in BulkResult.Failed.
func (s *UsersService) Undo(ctx context.Context, envID string, journal io.Reader, opts *BulkOptions) (*BulkResult, error) {
	o := bulkDefaults(opts)
	if o.Filter != "" {
		return nil, invalidArgf("Undo moves back what the journal names; a filter would leave some behind")
	}
	if err := checkSegment("environment ID", envID); err != nil {
		return nil, err
	}
	if journal == nil {
		return nil, invalidArgf("nil journal")
	}
	moves := map[string]*undoMove{}
	var order []string // users in journal order, so the job is the same every time
	hdr, err := readJournal(journal, func(l *journalLine) error {
		if l.Type != lineMove || l.Outcome != outcomeMoved {
			return nil
		}
		if l.User == "" || l.From == nil || l.To == "" {
			return errors.New("a move line without user, from or to")
		}
		if m := moves[l.User]; m != nil {
			m.at = l.To // moved twice in one journal: back to where it first was
			return nil
		}
		moves[l.User] = &undoMove{at: l.To, back: *l.From}
		order = append(order, l.User)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if hdr.Environment != envID {
		return nil, invalidArgf("the journal is of environment %q, not %q", hdr.Environment, envID)
	}
	job := newBulkJob(s.c, envID, "", o)
	if err := job.header("undo", "", "", nil); err != nil {
		return nil, err
	}
	err = job.undo(ctx, hdr, moves, order)
	err = job.end(err)
	job.finish()
	return job.result(), err
}

// undo checks where each user is, recreates a retired population if need be, and moves back
// the users that are where the journal put them, one run per pair of populations.
func (j *bulkJob) undo(ctx context.Context, hdr *journalLine, moves map[string]*undoMove, order []string) error {
	if err := j.recreate(ctx, hdr, moves); err != nil {
		return err
	}
	groups := map[undoMove][]string{} // by (at, back)
	var pairs []undoMove
	want := map[string]map[string]bool{} // population → users the journal puts there or takes from it
	budget := map[string]int{}
	for _, id := range order {
		m := moves[id]
		if m.at == m.back {
			delete(moves, id) // moved away and back within the job: nothing to undo
			continue
		}
		if err := firstErr(checkSegment("user ID", id), checkSegment("population ID", m.at), checkSegment("population ID", m.back)); err != nil {
			j.total.Add(1)
			j.fail(id, err)
			delete(moves, id)
			continue
		}
		for _, p := range []string{m.at, m.back} {
			if want[p] == nil {
				want[p] = map[string]bool{}
			}
			want[p][id] = true
			budget[p] += checkPerUser
		}
	}
	// Where is each user? Listing the populations costs a request per thousand users; a user
	// not seen there (a lagging listing, a big population) is read on its own.
	where := map[string]string{}
	for p, ids := range want {
		if err := j.scan(ctx, p, ids, max(budget[p], 1000), where); err != nil { // a page at least
			return err
		}
	}
	for _, id := range order {
		m := moves[id]
		if m == nil {
			continue
		}
		in, seen := where[id]
		if !seen {
			u, err := j.c.Users.Get(ctx, j.envID, id)
			switch {
			case errors.Is(err, ErrNotFound):
				j.total.Add(1)
				j.fail(id, fmt.Errorf("pingone: user %s no longer exists; not moved back: %w", id, err))
				continue
			case err != nil:
				return err
			}
			in = popID(u)
		}
		switch in {
		case m.at:
			k := undoMove{m.at, m.back}
			if groups[k] == nil {
				pairs = append(pairs, k)
			}
			groups[k] = append(groups[k], id)
		case m.back:
			j.skip(1)
		default:
			j.total.Add(1)
			j.fail(id, fmt.Errorf("pingone: user %s is in population %q, not %s where the journal put it: %w", id, in, m.at, ErrMovedSince))
		}
	}
	for _, k := range pairs {
		j.from, j.to = k.at, k.back
		if err := j.run(ctx, groups[k]); err != nil {
			return err
		}
	}
	return nil
}

// recreate brings back the population a Retire journal deleted, if it is gone and the journal
// moves users back to it, and points those moves at it. In a dry run it only checks.
func (j *bulkJob) recreate(ctx context.Context, hdr *journalLine, moves map[string]*undoMove) error {
	if hdr.Kind != "retire" || len(hdr.Population) == 0 {
		return nil
	}
	var rec Population
	if err := json.Unmarshal(hdr.Population, &rec, decodeOptions); err != nil {
		return fmt.Errorf("pingone: the journal's retired population: %w", err)
	}
	needed := false
	for _, m := range moves {
		needed = needed || m.back == rec.ID
	}
	if !needed || rec.ID == "" || j.opts.DryRun {
		return nil
	}
	if _, err := j.c.Populations.Get(ctx, j.envID, rec.ID); !errors.Is(err, ErrNotFound) {
		return err // nil: it was never deleted, and its users go back to it
	}
	pop, _, err := j.c.Populations.Ensure(ctx, j.envID, &rec)
	if err != nil {
		return fmt.Errorf("pingone: recreating population %q: %w", rec.Name, err)
	}
	for _, m := range moves {
		if m.back == rec.ID {
			m.back = pop.ID
		}
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
