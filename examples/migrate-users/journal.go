package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/seedb6d25dc8/pingone"
)

// records are the files a run writes besides its output: the journal of what it changed (undo
// it with -undo) and, before -retire deletes a population, a snapshot of it.
type records struct {
	journal      io.Writer // nil: no journal
	journalPath  string    // "" when the journal is kept in memory (-demo) or not kept
	snapshot     io.Writer
	snapshotPath string
	mem          *bytes.Buffer // the -demo journal when no -journal is given
	files        []*os.File
}

// defaultRecordName is a new file in the working directory, such as
// migrate-users-20260130T140512Z.jsonl, named after the time the run started (the kind, such as
// ".undo", before the extension).
func defaultRecordName(start time.Time, kind string) string {
	return "migrate-users-" + start.UTC().Format("20060102T150405Z") + kind + ".jsonl"
}

// openRecords creates the journal (and the snapshot, for -retire) the run asks for: -journal
// FILE, else by default a new timestamped file when the run changes a tenant; in -demo without
// -journal, a journal in memory. A file that exists is never overwritten.
func openRecords(cfg *config, start time.Time, undo bool) (*records, error) {
	r := &records{}
	kind := ""
	if undo {
		kind = ".undo"
	}
	r.journalPath = cfg.journal
	if r.journalPath == "" && !cfg.demo && !cfg.dryRun {
		r.journalPath = defaultRecordName(start, kind)
	}
	switch {
	case r.journalPath != "":
		f, err := r.create(r.journalPath)
		// Two runs in one second: the default name takes a number rather than failing.
		for n := 2; errors.Is(err, fs.ErrExist) && cfg.journal == "" && n < 100; n++ {
			r.journalPath = strings.TrimSuffix(defaultRecordName(start, kind), ".jsonl") + "-" + strconv.Itoa(n) + ".jsonl"
			f, err = r.create(r.journalPath)
		}
		if err != nil {
			return nil, err
		}
		r.journal = f
	case cfg.demo && !cfg.dryRun:
		r.mem = &bytes.Buffer{}
		r.journal = r.mem
	}
	if cfg.retire && !cfg.dryRun && !undo {
		if r.journalPath == "" {
			r.snapshot = io.Discard // -demo: the journal in memory holds what undo needs
		} else {
			r.snapshotPath = strings.TrimSuffix(r.journalPath, ".jsonl") + ".snapshot.jsonl"
			f, err := r.create(r.snapshotPath)
			if err != nil {
				r.close()
				return nil, err
			}
			r.snapshot = f
		}
	}
	return r, nil
}

func (r *records) create(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	r.files = append(r.files, f)
	return f, nil
}

// close flushes the files to disk and closes them.
func (r *records) close() error {
	var errs []error
	for _, f := range r.files {
		errs = append(errs, f.Sync(), f.Close())
	}
	r.files = nil
	return errors.Join(errs...)
}

// journalBytes returns what the journal holds, for the demo's undo.
func (r *records) journalBytes() ([]byte, error) {
	if r.mem != nil {
		return r.mem.Bytes(), nil
	}
	return os.ReadFile(r.journalPath)
}

// printPaths tells where the records are, and how to undo the run.
func (r *records) printPaths(w io.Writer) {
	if r.snapshotPath != "" {
		fmt.Fprintf(w, "snapshot of the population before it was deleted: %s\n", r.snapshotPath)
	}
	if r.journalPath != "" {
		fmt.Fprintf(w, "journal: %s (undo with: migrate-users -undo %s)\n", r.journalPath, r.journalPath)
	}
}

// runUndo is -undo FILE: it moves the users the journal moved back where they came from.
func runUndo(ctx context.Context, c *pingone.Client, envID string, cfg *config, stdout, stderr io.Writer) int {
	in, err := os.Open(cfg.undo)
	if err != nil {
		fmt.Fprintf(stderr, "migrate-users: -undo: %v\n", err)
		return exitUsage
	}
	defer in.Close()
	start := time.Now()
	rec, err := openRecords(cfg, start, true)
	if err != nil {
		fmt.Fprintf(stderr, "migrate-users: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "Undoing %s", cfg.undo)
	if cfg.dryRun {
		fmt.Fprint(stdout, " (dry run)")
	}
	fmt.Fprintln(stdout)
	prog := newProgress(stderr)
	res, err := c.Users.Undo(ctx, envID, in, &pingone.BulkOptions{Concurrency: cfg.concurrency, DryRun: cfg.dryRun,
		Progress: prog.update, Journal: rec.journal})
	prog.close()
	err = cmp.Or(err, rec.close())
	res = cmp.Or(res, &pingone.BulkResult{})
	return undoSummary(stdout, res, rec, time.Since(start), cfg.dryRun, err, ctx.Err() != nil)
}

// undoSummary prints what an undo did and returns the exit status.
func undoSummary(w io.Writer, res *pingone.BulkResult, rec *records, took time.Duration, dryRun bool, err error, interrupted bool) int {
	movedSince := 0
	for _, f := range res.Failed {
		if errors.Is(f.Err, pingone.ErrMovedSince) {
			movedSince++
		}
	}
	if dryRun {
		fmt.Fprintf(w, "dry run: %d users would move back; nothing was changed\n", len(res.WouldMove))
	} else {
		fmt.Fprintf(w, "moved back %d, already back %d, moved elsewhere since (left there) %d, failed %d, in %s\n",
			res.Moved, res.Skipped, movedSince, len(res.Failed)-movedSince, took.Round(time.Millisecond))
	}
	for i, f := range res.Failed {
		if i == 20 {
			fmt.Fprintf(w, "… and %d more\n", len(res.Failed)-20)
			break
		}
		fmt.Fprintf(w, "not moved back: user %s: %v\n", f.UserID, f.Err)
	}
	rec.printPaths(w)
	switch {
	case interrupted:
		fmt.Fprintln(w, "interrupted: run the same -undo again to move back the rest")
		return exitInterrupted
	case err != nil:
		fmt.Fprintln(w, "error:", err)
		return exitFailed
	case len(res.Failed) > 0:
		return exitFailed
	}
	return exitOK
}

// demoUndo is the end of -demo: it undoes the move from its journal and shows that the
// populations hold what they held at the start.
func demoUndo(ctx context.Context, c *pingone.Client, envID string, rec *records, from, to *pingone.Population, w io.Writer) error {
	journal, err := rec.journalBytes()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nDemo: undoing the move from its journal (%d lines).\n", bytes.Count(journal, []byte("\n")))
	res, err := c.Users.Undo(ctx, envID, bytes.NewReader(journal), nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "moved back %d, failed %d\n", res.Moved, len(res.Failed))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "population\tat start\tnow")
	match := true
	for _, p := range []*pingone.Population{from, to} {
		now, err := c.Populations.GetByName(ctx, envID, p.Name) // by name: a retired one comes back with a new id
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\n", p.Name, p.UserCount, now.UserCount)
		match = match && now.UserCount == p.UserCount
	}
	_ = tw.Flush()
	if !match {
		return errors.New("the counts after the undo differ from the start")
	}
	fmt.Fprintln(w, "the counts match the start")
	return nil
}
