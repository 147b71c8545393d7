package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/seedb6d25dc8/pingone"
	"golang.org/x/term"
)

const (
	// The rate is measured over the last rateWindow of the job, and shown once rateMinSpan has
	// passed. A job under a rate limit moves in bursts (a second's quota goes through at once,
	// then a 429 pauses every worker), so over a shorter span the rate swings from thousands a
	// second to zero; over several seconds it is what the job sustains.
	rateWindow  = 5 * time.Second
	rateMinSpan = 2 * time.Second
	lineEvery   = 2 * time.Second // how often a line is printed when the output is not a terminal

	statusWidth = 34 // the longest status: "12345/s  ETA 59m59s  99999 failed"
)

// progress shows a running job: a bar on a terminal, a line every two seconds otherwise. Its
// update method is BulkOptions.Progress, which the job calls from one goroutine at a time.
type progress struct {
	w        io.Writer
	cols     int                      // terminal width; 0 when w is not a terminal
	bar      *progressbar.ProgressBar // made at the first update that knows the total
	recent   []pingone.BulkProgress   // updates over the last rateWindow, oldest first
	lastLine time.Duration            // the job's elapsed time at the last line printed
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, recent: []pingone.BulkProgress{{}}} // the job starts at zero done
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.cols = 80
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
			p.cols = cols
		}
	}
	return p
}

func (p *progress) update(bp pingone.BulkProgress) {
	status := p.status(bp)
	if p.cols == 0 {
		if bp.Elapsed-p.lastLine >= lineEvery {
			p.lastLine = bp.Elapsed
			fmt.Fprintf(p.w, "%6.1fs  %d/%d users  %s  concurrency %d\n", bp.Elapsed.Seconds(), bp.Done, bp.Total, status, bp.Concurrency)
		}
		return
	}
	if bp.Total == 0 {
		return // still listing the users
	}
	if p.bar == nil {
		p.bar = progressbar.NewOptions(bp.Total, progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetWidth(barWidth(p.cols, bp.Total)), progressbar.OptionShowCount(),
			progressbar.OptionShowDescriptionAtLineEnd(), progressbar.OptionSetPredictTime(false),
			progressbar.OptionThrottle(0), progressbar.OptionClearOnFinish())
	}
	if p.bar.GetMax() != bp.Total {
		p.bar.ChangeMax(bp.Total) // users who arrived in the source while the job ran
	}
	p.bar.Describe(status)
	_ = p.bar.Set(bp.Done)
}

// close removes the bar, finished or not, and whatever the terminal echoed on its line (such as
// the ^C of an interrupt), so the summary starts on a clean line.
func (p *progress) close() {
	if p.cols > 0 {
		fmt.Fprint(p.w, "\r\x1b[2K")
	}
}

// status is the rate, the time left and any failures, such as "500/s  ETA 7s".
func (p *progress) status(bp pingone.BulkProgress) string {
	s := "…/s  ETA …"
	if rate, ok := p.rate(bp); ok {
		eta := "…"
		if left := bp.Total - bp.Done; left <= 0 {
			eta = "0s"
		} else if rate > 0 {
			eta = formatETA(time.Duration(float64(left) / rate * float64(time.Second)))
		}
		s = fmt.Sprintf("%.0f/s  ETA %s", rate, eta)
	}
	if bp.Failed > 0 {
		s += fmt.Sprintf("  %d failed", bp.Failed)
	}
	return s
}

// rate records bp and returns the users done per second over the last rateWindow, or false
// while the job is younger than rateMinSpan.
func (p *progress) rate(bp pingone.BulkProgress) (float64, bool) {
	p.recent = append(p.recent, bp)
	// Keep the newest update that is at least rateWindow old as the baseline.
	for len(p.recent) > 2 && bp.Elapsed-p.recent[1].Elapsed >= rateWindow {
		p.recent = p.recent[1:]
	}
	base := p.recent[0]
	span := bp.Elapsed - base.Elapsed
	if bp.Elapsed < rateMinSpan || span <= 0 {
		return 0, false
	}
	return float64(bp.Done-base.Done) / span.Seconds(), true
}

// barWidth fits the bar line in cols columns: "  45% |████      | (2250/5000) " and the status,
// with the last column left free so the terminal never wraps.
func barWidth(cols, total int) int {
	digits := len(fmt.Sprint(total))
	fixed := len("100% ||  ") + len("(/) ") + 2*digits + statusWidth + 2
	return min(max(cols-1-fixed, 10), 50)
}

// formatETA rounds d to what a person reads: "7s", "4m05s", "2h10m".
func formatETA(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}
