package pingone

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"time"
)

// ErrDefaultPopulation is returned by Retire for the environment's default population, which
// PingOne will not delete: make another population the default first.
var ErrDefaultPopulation = errors.New("pingone: the default population cannot be retired")

// BulkOptions configures MoveAll, MoveMany and Retire. A nil *BulkOptions means the defaults.
type BulkOptions struct {
	// Concurrency caps the moves in flight (default 64). The job starts at 8 (or the cap, if
	// lower) and finds the concurrency it needs: it doubles after each run of as many successes
	// (at most every quarter second) until the first 429, then adds one after each run. The
	// first 429s show the server's rate limit (the moves it admitted in the last second), once
	// a move in flight meets one too or a second pause comes (a 429 alone only halves the
	// concurrency, so with a Concurrency of 1 it takes two pauses): from then on the job spaces
	// its moves a little below that rate, so it meets few further 429s, and raises the rate
	// slowly while none come. A 429 that shows no rate halves the concurrency (AIMD).
	Concurrency int
	// Filter narrows MoveAll to users matching this SCIM filter, such as `email ew "@acme.com"`.
	Filter string
	// DryRun lists what would move (BulkResult.WouldMove) and sends no PUT.
	DryRun bool
	// Progress, when set, is called from one goroutine at most four times a second while the
	// job runs, and once at the end.
	Progress func(BulkProgress)
	// Journal, when set, receives a record of the job as JSON Lines (the format is JournalFormat):
	// a header, one line per user the server confirmed moving (or that would move, in a dry
	// run), written before the job counts it, and the result. Undo reads it to reverse the job.
	// A failing writer stops the job with its error.
	Journal io.Writer
	// Snapshot, when set, makes Retire write a snapshot of the population (see
	// PopulationsService.Snapshot) before it changes anything; a failure stops it there.
	Snapshot io.Writer
}

// BulkProgress is a snapshot of a running bulk job.
type BulkProgress struct {
	Total       int           // users to move, as far as the job knows
	Done        int           // moved, skipped or failed
	Moved       int           // moved
	Skipped     int           // already in the target population
	Failed      int           // failed
	Concurrency int           // moves currently allowed in flight
	Elapsed     time.Duration // since the job started
	Rate        float64       // users done per second
}

// BulkResult says what a bulk job did. Users in none of Moved, Skipped, Failed and WouldMove were
// not reached: the ctx ended before a request to move them was sent (or while the server was
// throttling it), so they were not moved, and running the job again picks them up. Moves already
// sent when the ctx ends get 5 seconds to finish and are counted by their answer; one still
// unanswered then is in Failed, with an error saying its outcome is unknown.
type BulkResult struct {
	Moved     int           // users moved to the target population
	Skipped   int           // users already in the target population
	Failed    []BulkFailure // users that could not be moved, with the reason
	WouldMove []string      // DryRun: the users that would move
}

// BulkFailure is one user a bulk job could not move.
type BulkFailure struct {
	UserID string // the user's ID
	Err    error  // the last error moving it, such as an *APIError
}

// moveGrace is how long the moves already sent when a bulk job's ctx ends may take to finish.
// Their answers count, so BulkResult says what the server did.
const moveGrace = 5 * time.Second

const (
	defaultConcurrency = 64 // the cap on moves in flight: 640 moves/s at a 100 ms round trip
	maxThrottles       = 20 // 429s one user may meet before it counts as failed
	checkPerUser       = 20 // listed target members MoveMany may read per user it moves
)

// MoveAll moves every user of population fromPopulationID (narrowed by opts.Filter) to
// toPopulationID, with bounded concurrency that backs off on 429s:
// GET /environments/{envID}/users?filter=population.id eq "…" and (<opts.Filter>), then
// PUT /environments/{envID}/users/{userID}/population for each user.
//
// It first lists the users to move, then moves them: moving users out of a population while
// paging through it would skip some, as the cursor runs over a shrinking set. It then lists the
// population again and moves any user that arrived meanwhile, so every user who was in the
// source is moved. Re-running after an interruption moves only the users still in the source.
//
// Only users whose listed population is the source are moved, whatever the filter matched: a
// listed user already in the target counts as skipped, and one in any other population is a
// failure (never moved). A filter whose parentheses or quotes do not balance, or with a single
// quote outside a string, is refused before any request. The error is the ctx's, or a
// listing's; per-user failures are in BulkResult.Failed.
func (s *UsersService) MoveAll(ctx context.Context, envID, fromPopulationID, toPopulationID string, opts *BulkOptions) (*BulkResult, error) {
	o := bulkDefaults(opts)
	if err := checkMove(envID, fromPopulationID, toPopulationID); err != nil {
		return nil, err
	}
	if err := checkFilter(o.Filter); err != nil {
		return nil, err
	}
	job := newBulkJob(s.c, envID, toPopulationID, o)
	if err := job.header("move-all", fromPopulationID, toPopulationID, nil); err != nil {
		return nil, err
	}
	err := job.end(job.moveAll(ctx, fromPopulationID))
	job.finish()
	return job.result(), err
}

// moveAll is MoveAll within a job, so that Retire's sweeps add to one job's progress and result.
func (j *bulkJob) moveAll(ctx context.Context, from string) error {
	j.from = from
	filter := memberFilter(from)
	if f := strings.TrimSpace(j.opts.Filter); f != "" {
		filter += " and (" + f + ")" // checkFilter made sure f cannot close this parenthesis
	}
	// The job's memory, not this call's: Retire's sweeps must not move (and count) again a user
	// the job already moved whom a lagging listing still shows in the source.
	seen := j.seen
	for pass := 0; pass < 3; pass++ {
		var ids []string
		for u, err := range j.c.Users.List(ctx, j.envID, &ListOptions{Filter: filter, Limit: 1000}) {
			if err != nil {
				return err
			}
			// A user seen in an earlier pass is a listing that lags behind the moves.
			if seen[u.ID] {
				continue
			}
			seen[u.ID] = true
			switch in := popID(u); in {
			case from:
				ids = append(ids, u.ID)
			case j.to:
				j.skip(1)
			default:
				j.total.Add(1)
				j.fail(u.ID, fmt.Errorf("pingone: user %s was listed as in population %s but is in %q; not moved", u.ID, from, in))
			}
		}
		if len(ids) == 0 {
			return nil
		}
		if err := j.run(ctx, ids); err != nil || j.opts.DryRun || j.failed() {
			return err
		}
	}
	return nil
}

// popID is the id of the population a listed user is in, or "" when the listing did not say.
func popID(u *User) string {
	if u.Population == nil {
		return ""
	}
	return u.Population.ID
}

// checkFilter refuses a filter whose quotes or parentheses do not balance, or with a single quote
// outside a string, with the offset in the caller's text. MoveAll puts the filter inside parentheses after its own population.id term; an
// unbalanced one could close them and widen the job to other populations.
func checkFilter(f string) error {
	var open []int // offsets of the '(' not yet closed
	quote := -1    // offset of the '"' that opened the string we are in, or -1
	for i := 0; i < len(f); i++ {
		switch c := f[i]; {
		case quote >= 0 && c == '\\':
			i++ // an escaped character, whatever it is
		case c == '"':
			if quote < 0 {
				quote = i
			} else {
				quote = -1
			}
		case quote >= 0:
		case c == '\'':
			// Not SCIM outside a string; a server that read it as a string delimiter would see
			// parentheses where this check sees none.
			return invalidArgf("bad filter %q: single quote at offset %d (SCIM strings are double-quoted)", f, i)
		case c == '(':
			open = append(open, i)
		case c == ')':
			if len(open) == 0 {
				return invalidArgf("bad filter %q: ')' at offset %d closes nothing", f, i)
			}
			open = open[:len(open)-1]
		}
	}
	if quote >= 0 {
		return invalidArgf("bad filter %q: the string starting at offset %d is not closed", f, quote)
	}
	if len(open) > 0 {
		return invalidArgf("bad filter %q: '(' at offset %d is not closed", f, open[len(open)-1])
	}
	return nil
}

// MoveMany moves the given users to toPopulationID with bounded concurrency that backs off on
// 429s: PUT /environments/{envID}/users/{userID}/population for each user not already there.
// Users already there are counted as skipped: MoveMany first lists the target's members
// (GET /environments/{envID}/users?filter=population.id eq "…"), reading at most twenty per user
// to move, so re-running an interrupted MoveMany moves only the rest unless the target holds far
// more users than the job (a user not seen there is moved, which changes nothing for one already
// there). An invalid ID is a failure of that user alone. With opts.Journal, each user is read
// first (GET /environments/{envID}/users/{userID}) so the journal can say where it came from.
func (s *UsersService) MoveMany(ctx context.Context, envID string, userIDs []string, toPopulationID string, opts *BulkOptions) (*BulkResult, error) {
	o := bulkDefaults(opts)
	if err := checkSegment("environment ID", envID); err != nil {
		return nil, err
	}
	if err := checkSegment("population ID", toPopulationID); err != nil {
		return nil, err
	}
	job := newBulkJob(s.c, envID, toPopulationID, o)
	if err := job.header("move-many", "", toPopulationID, nil); err != nil {
		return nil, err
	}
	job.lookup = o.Journal != nil && !o.DryRun // the journal needs each user's population
	defer job.finish()
	var ids []string
	seen := map[string]bool{}
	for _, id := range userIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		if err := checkSegment("user ID", id); err != nil {
			job.total.Add(1)
			job.fail(id, err)
			continue
		}
		ids = append(ids, id)
	}
	// Which are already in the target? PingOne documents no filter on a user's id, so read the
	// target's members with the filter it does document, no more than checkPerUser per user to
	// move. A user counts as skipped only when a listed entry shows both its id and the target.
	already := map[string]string{} // users listed in the target → the target
	if len(ids) > 0 {
		want := make(map[string]bool, len(ids))
		for _, id := range ids {
			want[id] = true
		}
		if err := job.scan(ctx, toPopulationID, want, len(ids)*checkPerUser, already); err != nil {
			return job.result(), job.end(err)
		}
	}
	ids = slices.DeleteFunc(ids, func(id string) bool { return already[id] != "" })
	job.skip(len(already))
	err := job.end(job.run(ctx, ids))
	return job.result(), err
}

// Retire empties a population and deletes it: it moves every user to moveUsersTo (the default
// population when empty) as MoveAll does, then DELETE /environments/{envID}/populations/{populationID}.
// Every argument is checked before the first request; it refuses the default population
// (ErrDefaultPopulation) before touching anything. If any user cannot be moved, nothing is
// deleted, and the result's Failed says which users remain. opts.Filter must be empty; with
// opts.DryRun nothing is moved or deleted. Users who arrive while it runs are moved too, and all
// of it is one job: one progress that only goes forward, one result. A 404 from the DELETE counts
// as deleted: the population is gone (a retried DELETE meets one when the first attempt deleted
// it and its answer was lost). With opts.Snapshot, it first writes a snapshot of the population
// and its members; with opts.Journal, the journal records the population whole and its
// deletion, so that UsersService.Undo can recreate it.
func (s *PopulationsService) Retire(ctx context.Context, envID, populationID, moveUsersTo string, opts *BulkOptions) (*BulkResult, error) {
	o := bulkDefaults(opts)
	if o.Filter != "" {
		return nil, invalidArgf("Retire moves every user; a filter would leave some behind")
	}
	if err := checkSegment("environment ID", envID); err != nil {
		return nil, err
	}
	if err := checkSegment("population ID", populationID); err != nil {
		return nil, err
	}
	if moveUsersTo != "" {
		if err := checkMove(envID, populationID, moveUsersTo); err != nil {
			return nil, err
		}
	}
	p, err := s.Get(ctx, envID, populationID)
	if err != nil {
		return nil, err
	}
	if p.Default {
		return nil, fmt.Errorf("pingone: population %s (%q) is the environment's default; make another population the default first: %w", p.ID, p.Name, ErrDefaultPopulation)
	}
	if moveUsersTo == "" {
		def, err := s.GetDefault(ctx, envID)
		if err != nil {
			return nil, err
		}
		if def.ID == populationID {
			// It became the default after the GET above (or the server says so): moving its
			// users "to the default" would move them nowhere and then delete the default.
			return nil, fmt.Errorf("pingone: population %s is now the environment's default: %w", populationID, ErrDefaultPopulation)
		}
		moveUsersTo = def.ID
	}
	if o.Snapshot != nil {
		if _, err := s.snapshot(ctx, envID, p, o.Snapshot); err != nil {
			return nil, err
		}
	}
	job := newBulkJob(s.c, envID, moveUsersTo, o)
	if err := job.header("retire", populationID, moveUsersTo, p); err != nil {
		return nil, err
	}
	if err = job.retire(ctx, populationID); err == nil && !o.DryRun {
		err = job.deleted(p)
	}
	err = job.end(err)
	job.finish()
	return job.result(), err
}

// retire moves every user out of the population, then deletes it, sweeping up late arrivals.
func (j *bulkJob) retire(ctx context.Context, populationID string) error {
	for attempt := 0; ; attempt++ {
		if err := j.moveAll(ctx, populationID); err != nil {
			return err
		}
		if n := j.nfailed(); n > 0 {
			return fmt.Errorf("pingone: %d users could not be moved out of population %s; it was not deleted", n, populationID)
		}
		if j.opts.DryRun {
			return nil
		}
		// PingOne may still count a user that just left, or one arrived meanwhile: wait a
		// moment and sweep again.
		err := j.c.Populations.Delete(ctx, j.envID, populationID)
		if errors.Is(err, ErrNotFound) {
			// Gone, which is what was asked: a retried DELETE whose first attempt deleted it
			// but lost the answer meets a 404.
			return nil
		}
		var apiErr *APIError
		if err == nil || attempt == 4 || !errors.As(err, &apiErr) || !apiErr.HasDetail("CONSTRAINT_VIOLATION") {
			return err
		}
		if err := sleepCtx(ctx, time.Duration(1<<attempt)*250*time.Millisecond); err != nil {
			return err
		}
	}
}

func bulkDefaults(opts *BulkOptions) BulkOptions {
	var o BulkOptions
	if opts != nil {
		o = *opts
	}
	if o.Concurrency <= 0 {
		o.Concurrency = defaultConcurrency
	}
	return o
}

func checkMove(envID, from, to string) error {
	for _, c := range [][2]string{{"environment ID", envID}, {"population ID", from}, {"population ID", to}} {
		if err := checkSegment(c[0], c[1]); err != nil {
			return err
		}
	}
	if from == to {
		return invalidArgf("source and target population are the same (%s)", from)
	}
	return nil
}

// memberFilter is the documented filter on a population's members.
func memberFilter(populationID string) string { return "population.id eq " + QuoteFilter(populationID) }

// members lists a population's users, in the largest pages PingOne documents for users.
func (s *UsersService) members(ctx context.Context, envID, populationID string) iter.Seq2[*User, error] {
	return s.List(ctx, envID, &ListOptions{Filter: memberFilter(populationID), Limit: 1000})
}
