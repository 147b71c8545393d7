package pingone

// The machinery every bulk job shares: workers, pacing, progress and the result.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// bulkJob moves users with a shared pacer and reports progress.
type bulkJob struct {
	c      *Client
	envID  string
	to     string
	opts   BulkOptions
	jr     *journal // nil without opts.Journal
	from   string   // the population run moves users out of, for the journal
	lookup bool     // read each user before moving it, to learn from (MoveMany with a journal)
	pacer  *pacer
	start  time.Time
	stopPr chan struct{}
	prDone chan struct{}

	total, moved, skipped atomic.Int64
	seen                  map[string]bool // users MoveAll and Retire have listed (moveAll's goroutine only)
	mu                    sync.Mutex
	failures              []BulkFailure
	wouldMove             []string
}

func newBulkJob(c *Client, envID, to string, o BulkOptions) *bulkJob {
	j := &bulkJob{c: c, envID: envID, to: to, opts: o, jr: newJournal(o.Journal), pacer: newPacer(o.Concurrency), start: time.Now(), seen: map[string]bool{}}
	if o.Progress != nil {
		j.stopPr, j.prDone = make(chan struct{}), make(chan struct{})
		go func() {
			defer close(j.prDone)
			t := time.NewTicker(250 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-j.stopPr:
					return
				case <-t.C:
					o.Progress(j.progress())
				}
			}
		}()
	}
	return j
}

// finish stops the progress reports and sends the last one.
func (j *bulkJob) finish() {
	if j.opts.Progress != nil {
		close(j.stopPr)
		<-j.prDone
		j.opts.Progress(j.progress())
	}
}

func (j *bulkJob) progress() BulkProgress {
	j.mu.Lock()
	failed := len(j.failures)
	j.mu.Unlock()
	p := BulkProgress{Total: int(j.total.Load()), Moved: int(j.moved.Load()), Skipped: int(j.skipped.Load()), Failed: failed,
		Concurrency: j.pacer.current(), Elapsed: time.Since(j.start)}
	p.Done = p.Moved + p.Skipped + p.Failed
	if s := p.Elapsed.Seconds(); s > 0 {
		p.Rate = float64(p.Done) / s
	}
	return p
}

func (j *bulkJob) result() *BulkResult {
	j.mu.Lock()
	defer j.mu.Unlock()
	return &BulkResult{Moved: int(j.moved.Load()), Skipped: int(j.skipped.Load()),
		Failed: slices.Clone(j.failures), WouldMove: slices.Clone(j.wouldMove)}
}

// fail records a user that could not be moved.
func (j *bulkJob) fail(id string, err error) {
	j.mu.Lock()
	j.failures = append(j.failures, BulkFailure{UserID: id, Err: err})
	j.mu.Unlock()
}

func (j *bulkJob) failed() bool { return j.nfailed() > 0 }

// nfailed is how many users failed so far.
func (j *bulkJob) nfailed() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.failures)
}

func (j *bulkJob) skip(n int) {
	j.total.Add(int64(n))
	j.skipped.Add(int64(n))
}

// run moves ids with up to opts.Concurrency workers sharing the pacer. A 429 puts the user back
// in the queue and pauses every worker for the Retry-After (at most the policy's MaxWait); other
// errors (after the client's own retries of 5xx) are failures.
func (j *bulkJob) run(ctx context.Context, ids []string) error {
	if ctx == nil {
		return errNilContext // context.WithCancelCause would panic
	}
	j.total.Add(int64(len(ids)))
	if j.opts.DryRun {
		for _, id := range ids {
			if err := j.record(id, j.from, outcomeWouldMove); err != nil {
				return err
			}
		}
		j.mu.Lock()
		j.wouldMove = append(j.wouldMove, ids...)
		j.mu.Unlock()
		return nil
	}
	if len(ids) == 0 {
		return nil
	}
	ctx, stop := context.WithCancelCause(ctx) // stop: the journal failed
	defer stop(nil)
	paced := &callOpts{paced: true} // the pacer handles 429s, not each move's retries
	// A move already sent when ctx ends gets moveGrace to finish, so the result says what the
	// server did instead of leaving a move that happened reported as not reached.
	moveCtx, cancelMoves := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelMoves()
	var graceTimer atomic.Pointer[time.Timer]
	stopGrace := context.AfterFunc(ctx, func() { graceTimer.Store(time.AfterFunc(moveGrace, cancelMoves)) })
	defer func() {
		stopGrace()
		if t := graceTimer.Load(); t != nil {
			t.Stop()
		}
	}()
	work := make(chan string, len(ids)) // room for every id, so a requeue never blocks
	for _, id := range ids {
		work <- id
	}
	var remaining atomic.Int64
	remaining.Store(int64(len(ids)))
	throttles := map[string]int{}
	var tmu sync.Mutex
	done := func() {
		if remaining.Add(-1) == 0 {
			close(work)
		}
	}
	var wg sync.WaitGroup
	for range min(j.opts.Concurrency, len(ids)) {
		wg.Go(func() {
			for {
				var id string
				var ok bool
				select {
				case <-ctx.Done():
					return
				case id, ok = <-work:
					if !ok {
						return
					}
				}
				if err := j.pacer.acquire(ctx); err != nil {
					return
				}
				err := j.move(moveCtx, id, paced)
				var apiErr *APIError
				if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusTooManyRequests {
					// Never longer than the policy's MaxWait: a server may ask for a day, or
					// (in a rate-limit detail, without a header) for centuries.
					j.pacer.release(min(max(apiErr.RetryAfter, 100*time.Millisecond), j.c.maxWait))
					tmu.Lock()
					throttles[id]++
					n := throttles[id]
					tmu.Unlock()
					if n < maxThrottles {
						work <- id
						continue
					}
				} else {
					j.pacer.release(0)
				}
				switch {
				case err == nil:
					j.moved.Add(1)
				case errors.Is(err, errAlreadyThere):
					j.skipped.Add(1)
				case stopOnJournal(err):
					j.moved.Add(1) // moved, but not recorded: stop before another goes unrecorded
					stop(err)
				case moveCtx.Err() != nil:
					j.fail(id, fmt.Errorf("pingone: move of user %s still unanswered %s after the job was cancelled; it may or may not have happened: %w", id, moveGrace, err))
				case errors.Is(err, ErrRateLimited) && ctx.Err() != nil:
					return // throttled, so not moved, and no time left to try again: not reached
				default:
					j.fail(id, err)
				}
				done()
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}

// scan lists population pop's members, reading at most budget entries, and records in where the
// population of each user of want it lists. It trusts a listed entry only when the entry itself
// shows the user in pop (never the filter alone). MoveMany and Undo both check membership so.
func (j *bulkJob) scan(ctx context.Context, pop string, want map[string]bool, budget int, where map[string]string) error {
	found := 0
	for u, err := range j.c.Users.members(ctx, j.envID, pop) {
		if err != nil {
			return err
		}
		if want[u.ID] && popID(u) == pop && where[u.ID] != pop { // a repeated entry counts once
			where[u.ID] = pop
			found++
		}
		if budget--; budget == 0 || found == len(want) {
			break
		}
	}
	return nil
}
